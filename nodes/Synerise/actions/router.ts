import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { syneriseApi } from '../transport';
import * as profile from './profile/Profile.resource';

const operations = {
	profile: {
		create: profile.create.execute,
		upsert: profile.upsert.execute,
		get: profile.get.execute,
		getAll: profile.getAll.execute,
		update: profile.update.execute,
		delete: profile.delete.execute,
	},
} as const;

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const resource = this.getNodeParameter('resource', 0) as keyof typeof operations;
	const operation = this.getNodeParameter('operation', 0) as string;
	const run = (operations[resource] as Record<string, typeof profile.create.execute> | undefined)?.[operation];
	if (!run) {
		throw new NodeOperationError(this.getNode(), `The operation "${operation}" of "${resource}" is not supported`);
	}
	if (this.getInputData().length === 0) return [[]];
	return await run.call(this, await syneriseApi(this));
}
