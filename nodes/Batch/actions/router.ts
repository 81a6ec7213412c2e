import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import type { Operations } from '../../shared/router';
import { route } from '../../shared/router';
import type { BatchApi } from '../transport';
import { connect } from '../transport';
import * as createOrUpdate from './profile/createOrUpdate.operation';
import * as deleteProfile from './profile/delete.operation';
import * as getDeleteStatus from './profile/getDeleteStatus.operation';
import * as resetSyncState from './profile/resetSyncState.operation';

export const operations = {
	profile: { createOrUpdate, delete: deleteProfile, getDeleteStatus, resetSyncState },
} satisfies Operations<BatchApi>;

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	return await route(this, operations, connect);
}
