import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import type { Operation, Operations } from '../../shared/router';
import { route } from '../../shared/router';
import type { TalonOneApi } from '../transport';
import { connect } from '../transport';
import * as audience from './audience/Audience.resource';
import * as customerProfile from './customerProfile/CustomerProfile.resource';

export const operations = {
	audience: { create: audience.create, update: audience.update, delete: audience.delete },
	customerProfile: {
		update: customerProfile.update,
		updateAudiences: customerProfile.updateAudiences,
		resetSyncState: customerProfile.resetSyncState,
	},
} satisfies Record<string, Record<string, Operation<TalonOneApi>>> & Operations<TalonOneApi>;

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	return await route(this, operations, connect);
}
