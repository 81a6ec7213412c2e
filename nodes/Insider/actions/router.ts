import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import type { Operations } from '../../shared/router';
import { route } from '../../shared/router';
import type { InsiderApi } from '../transport';
import { connect } from '../transport';
import * as exportDownload from './export/download.operation';
import * as exportStart from './export/start.operation';
import * as identifierDelete from './identifier/delete.operation';
import * as identifierUpdate from './identifier/update.operation';
import * as userDelete from './user/delete.operation';
import * as userDeleteAttribute from './user/deleteAttribute.operation';
import * as userDeletePii from './user/deletePii.operation';
import * as userGet from './user/get.operation';
import * as userResetSyncState from './user/resetSyncState.operation';
import * as userUpsert from './user/upsert.operation';

/** Operation modules by resource value, then by operation value, as the node's parameters name them. */
export const operations = {
	user: {
		upsert: userUpsert,
		get: userGet,
		delete: userDelete,
		deletePii: userDeletePii,
		deleteAttribute: userDeleteAttribute,
		resetSyncState: userResetSyncState,
	},
	identifier: {
		update: identifierUpdate,
		delete: identifierDelete,
	},
	export: {
		start: exportStart,
		download: exportDownload,
	},
} satisfies Operations<InsiderApi>;

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	return await route(this, operations, connect);
}
