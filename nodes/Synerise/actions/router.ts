import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import type { Operations } from '../../shared/router';
import { route } from '../../shared/router';
import type { SyneriseApi } from '../transport';
import { connect } from '../transport';
import * as profile from './profile/Profile.resource';

export const operations: Operations<SyneriseApi> = {
	profile: {
		create: profile.create,
		upsert: profile.upsert,
		get: profile.get,
		getAll: profile.getAll,
		update: profile.update,
		delete: profile.delete,
		resetSyncState: profile.resetSyncState,
	},
};

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	return await route(this, operations, connect);
}
