import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { SYNC_OUTPUTS } from '../shared/sync';
import * as profile from './actions/profile/Profile.resource';
import { router } from './actions/router';

/**
 * Batch (batch.com) customer engagement platform. Programmatic, not declarative: profiles are validated,
 * diffed against the last accepted sync, packed into calls, paced under per-profile token buckets and
 * mapped back to items from partial-error answers, none of which routing descriptions can express.
 */
export class Batch implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Batch',
		name: 'batch',
		icon: { light: 'file:batch.svg', dark: 'file:batch.dark.svg' },
		group: ['output'],
		// 2: Create or Update has the shared Sync option (sending only changes by default, as Only Send
		// Changes did), outputs `syncStatus`, and gets a Missing From Source output for a full snapshot.
		version: [1, 2],
		defaultVersion: 2,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description: 'Create, update and delete customer profiles in Batch (batch.com), in bulk',
		defaults: { name: 'Batch' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		// Version 1 has no Sync option, so it keeps its one output.
		outputs: SYNC_OUTPUTS,
		credentials: [{ name: 'batchApi', required: true }],
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [{ name: 'Profile', value: 'profile' }],
				default: 'profile',
			},
			...profile.description,
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
