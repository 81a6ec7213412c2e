import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { SYNC_OUTPUTS } from '../shared/sync';
import * as exportResource from './actions/export/Export.resource';
import * as identifierResource from './actions/identifier/Identifier.resource';
import { router } from './actions/router';
import * as userResource from './actions/user/User.resource';
import { getAttributes, getEvents } from './methods/loadOptions';

export class Insider implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Insider',
		name: 'insider',
		icon: { light: 'file:insider.svg', dark: 'file:insider.dark.svg' },
		group: ['transform'],
		// Version 2 (#14): Create or Update and Delete Attribute ask the account's metadata which names are
		// custom attributes; version 1 nodes keep the built-in list unless the option is set. Version 3 (#15):
		// Create or Update's Null Values option became the Empty Values option all nodes share.
		version: [1, 2, 3],
		defaultVersion: 3,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description:
			"Create or update users in Insider's Unified Customer Database in bulk, read profiles, delete attributes, identifiers, personal data or whole profiles, and export raw user data",
		defaults: { name: 'Insider' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: SYNC_OUTPUTS,
		credentials: [{ name: 'insiderApi', required: true }],
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'Export', value: 'export', description: 'Raw user data exports of a segment' },
					{ name: 'Identifier', value: 'identifier', description: 'Email, phone number, UUID or custom identifiers of a user' },
					{ name: 'User', value: 'user', description: 'User profiles with their attributes and events' },
				],
				default: 'user',
			},
			...userResource.description,
			...identifierResource.description,
			...exportResource.description,
		],
	};

	methods = {
		loadOptions: { getAttributes, getEvents },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
