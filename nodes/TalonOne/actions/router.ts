import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { Clock } from '../../shared/clock';
import type { OperationExecute } from '../helpers';
import { talonOneApi } from '../transport';
import * as audience from './audience/Audience.resource';
import * as customerProfile from './customerProfile/CustomerProfile.resource';

const operations: Record<string, Record<string, { execute: OperationExecute }>> = {
	audience: { create: audience.create, update: audience.update, delete: audience.delete },
	customerProfile: { update: customerProfile.update, updateAudiences: customerProfile.updateAudiences },
};

export async function router(this: IExecuteFunctions, clock?: Clock): Promise<INodeExecutionData[][]> {
	const resource = this.getNodeParameter('resource', 0) as string;
	const operation = this.getNodeParameter('operation', 0) as string;
	const run = operations[resource]?.[operation];
	if (!run) {
		throw new NodeOperationError(this.getNode(), `The operation "${operation}" of "${resource}" is not supported`);
	}
	const api = await talonOneApi(this, clock);
	return await run.execute.call(this, api);
}
