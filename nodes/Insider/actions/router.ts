import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { createLimiters, createTransport } from '../transport';
import type { InsiderEnv } from './common';
import * as exportDownload from './export/download.operation';
import * as exportStart from './export/start.operation';
import * as identifierDelete from './identifier/delete.operation';
import * as identifierUpdate from './identifier/update.operation';
import * as userDelete from './user/delete.operation';
import * as userDeleteAttribute from './user/deleteAttribute.operation';
import * as userDeletePii from './user/deletePii.operation';
import * as userGet from './user/get.operation';
import * as userUpsert from './user/upsert.operation';

type Operation = (this: IExecuteFunctions, env: InsiderEnv) => Promise<INodeExecutionData[][]>;

const operations: Record<string, Record<string, Operation>> = {
	user: {
		upsert: userUpsert.execute,
		get: userGet.execute,
		delete: userDelete.execute,
		deletePii: userDeletePii.execute,
		deleteAttribute: userDeleteAttribute.execute,
	},
	identifier: {
		update: identifierUpdate.execute,
		delete: identifierDelete.execute,
	},
	export: {
		start: exportStart.execute,
		download: exportDownload.execute,
	},
};

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const resource = this.getNodeParameter('resource', 0) as string;
	const operation = this.getNodeParameter('operation', 0) as string;
	const run = operations[resource]?.[operation];
	if (!run) throw new NodeOperationError(this.getNode(), `The operation "${operation}" of "${resource}" is not supported`);
	const env: InsiderEnv = { transport: await createTransport(this), limiters: createLimiters() };
	return await run.call(this, env);
}
