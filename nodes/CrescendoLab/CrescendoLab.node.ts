import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { SYNC_OUTPUTS } from '../shared/sync';
import * as contact from './actions/contact/Contact.resource';
import { router } from './actions/router';
import { getContactFields } from './methods/resourceMapping';

/**
 * Programmatic rather than declarative: imports are split into tasks, started one at a time and polled
 * to completion, and exports are polled, downloaded and parsed, none of which routing can express.
 */
export class CrescendoLab implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Crescendo Lab',
		name: 'crescendoLab',
		icon: { light: 'file:crescendoLab.svg', dark: 'file:crescendoLab.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description: 'Import contacts into Crescendo Lab (MAAC, CAAC, CDH) in bulk and export them as items or CSV',
		defaults: { name: 'Crescendo Lab' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: SYNC_OUTPUTS,
		credentials: [
			{ name: 'crescendoLabApi', required: true, displayOptions: { show: { authentication: ['profileApi'] } } },
			{ name: 'crescendoLabMaacApi', required: true, displayOptions: { show: { authentication: ['maacApi'] } } },
		],
		properties: [
			{
				displayName: 'Authentication',
				name: 'authentication',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'Profile API', value: 'profileApi', description: 'The current Profile API (CDH), with an API key; supports import and export' },
					{ name: 'MAAC OpenAPI V1', value: 'maacApi', description: 'The older MAAC OpenAPI v1, with a Bearer token; supports import only' },
				],
				default: 'profileApi',
			},
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [{ name: 'Contact', value: 'contact' }],
				default: 'contact',
			},
			...contact.description,
		],
	};

	methods = {
		resourceMapping: { getContactFields },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
