import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import * as createOrUpdate from './profile/createOrUpdate.operation';
import * as deleteProfile from './profile/delete.operation';
import * as getDeleteStatus from './profile/getDeleteStatus.operation';
import * as resetSyncState from './profile/resetSyncState.operation';

const operations: Record<string, (this: IExecuteFunctions) => Promise<INodeExecutionData[][]>> = {
	'profile:createOrUpdate': createOrUpdate.execute,
	'profile:delete': deleteProfile.execute,
	'profile:getDeleteStatus': getDeleteStatus.execute,
	'profile:resetSyncState': resetSyncState.execute,
};

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const resource = this.getNodeParameter('resource', 0) as string;
	const operation = this.getNodeParameter('operation', 0) as string;
	const run = operations[`${resource}:${operation}`];
	if (!run) {
		throw new NodeOperationError(this.getNode(), `The operation "${operation}" of "${resource}" is not supported`);
	}
	return await run.call(this);
}
