import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { SYNC_OUTPUTS } from '../shared/sync';
import * as profile from './actions/profile/Profile.resource';
import { router } from './actions/router';
import { resourceMapping } from './methods';
import { MAX_PROFILES_PER_BATCH } from './transport';

/**
 * Programmatic rather than declarative: batches are packed by count and bytes, calls are paced and
 * retried, and every input item gets its own result, which routing descriptions cannot express.
 */
export class Synerise implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Synerise',
		name: 'synerise',
		icon: { light: 'file:synerise.svg', dark: 'file:synerise.dark.svg' },
		group: ['transform'],
		// 2: write operations output `status: "queued"` instead of `accepted: true` / `deleted: true`.
		version: [1, 2],
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description: `Create, read, update and delete Synerise profiles, one at a time or in batches of ${MAX_PROFILES_PER_BATCH.toLocaleString('en-US')}`,
		defaults: { name: 'Synerise' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: SYNC_OUTPUTS,
		credentials: [{ name: 'syneriseApi', required: true }],
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [{ name: 'Profile', value: 'profile', description: 'A customer profile (client) of the workspace' }],
				default: 'profile',
			},
			...profile.description,
		],
	};

	methods = { resourceMapping };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
