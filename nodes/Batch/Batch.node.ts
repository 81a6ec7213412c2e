import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import * as createOrUpdate from './actions/profile/createOrUpdate.operation';
import * as deleteProfile from './actions/profile/delete.operation';
import * as getDeleteStatus from './actions/profile/getDeleteStatus.operation';
import * as resetSyncState from './actions/profile/resetSyncState.operation';
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
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description: 'Create, update and delete customer profiles in Batch (batch.com), in bulk',
		defaults: { name: 'Batch' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
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
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				displayOptions: { show: { resource: ['profile'] } },
				options: [
					{
						name: 'Create or Update',
						value: 'createOrUpdate',
						description: 'Create new profiles or update existing ones, keyed by Custom ID, sending only what changed',
						action: 'Create or update profiles',
					},
					{
						name: 'Delete',
						value: 'delete',
						description: 'Erase a profile\'s data with a GDPR remove request',
						action: 'Delete profile data',
					},
					{
						name: 'Get Delete Status',
						value: 'getDeleteStatus',
						description: 'Get the status of a GDPR remove request made by Delete',
						action: 'Get the status of a delete request',
					},
					{
						name: 'Reset Sync State',
						value: 'resetSyncState',
						description: 'Forget which profiles were already sent, so the next run sends all of them',
						action: 'Reset the sync state',
					},
				],
				default: 'createOrUpdate',
			},
			...createOrUpdate.description,
			...deleteProfile.description,
			...getDeleteStatus.description,
			...resetSyncState.description,
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
