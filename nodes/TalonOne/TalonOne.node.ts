import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { SYNC_OUTPUTS } from '../shared/sync';
import * as audience from './actions/audience/Audience.resource';
import * as customerProfile from './actions/customerProfile/CustomerProfile.resource';
import { router } from './actions/router';

/**
 * Programmatic rather than declarative: membership changes of many items are packed into few requests under
 * Talon.One's cap of changes per request, paced and retried by the shared engine, and mapped back to one result per item.
 */
export class TalonOne implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Talon.One',
		name: 'talonOne',
		icon: { light: 'file:talonOne.svg', dark: 'file:talonOne.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description: 'Update Talon.One customer profiles and audiences through the CDP API',
		defaults: { name: 'Talon.One' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		// A second output, Missing From Source, when a profile write's Sync option says the input is a full snapshot.
		outputs: SYNC_OUTPUTS,
		credentials: [{ name: 'talonOneCdpApi', required: true }],
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'Audience', value: 'audience' },
					{ name: 'Customer Profile', value: 'customerProfile' },
				],
				default: 'customerProfile',
			},
			...customerProfile.description,
			...audience.description,
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
