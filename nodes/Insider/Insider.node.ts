import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import * as exportDownload from './actions/export/download.operation';
import * as exportStart from './actions/export/start.operation';
import * as identifierDelete from './actions/identifier/delete.operation';
import * as identifierUpdate from './actions/identifier/update.operation';
import { router } from './actions/router';
import * as userDelete from './actions/user/delete.operation';
import * as userDeleteAttribute from './actions/user/deleteAttribute.operation';
import * as userDeletePii from './actions/user/deletePii.operation';
import * as userGet from './actions/user/get.operation';
import * as userUpsert from './actions/user/upsert.operation';
import { getAttributes, getEvents } from './methods/loadOptions';

export class Insider implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Insider',
		name: 'insider',
		icon: { light: 'file:insider.svg', dark: 'file:insider.dark.svg' },
		group: ['transform'],
		// Version 2 (#14): Create or Update and Delete Attribute ask the account's metadata which names are
		// custom attributes; version 1 nodes keep the built-in list unless the option is set.
		version: [1, 2],
		defaultVersion: 2,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description:
			"Create or update users in Insider's Unified Customer Database in bulk, read profiles, delete attributes, identifiers, personal data or whole profiles, and export raw user data",
		defaults: { name: 'Insider' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
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
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				displayOptions: { show: { resource: ['user'] } },
				options: [
					{
						name: 'Create or Update',
						value: 'upsert',
						description: 'Create a new record, or update the current one if it already exists (upsert)',
						action: 'Create or update users',
					},
					{
						name: 'Delete',
						value: 'delete',
						description: 'Delete a user profile and all of its data',
						action: 'Delete a user',
					},
					{
						name: 'Delete Attribute',
						value: 'deleteAttribute',
						description: 'Delete attributes of users, or values of an array attribute',
						action: 'Delete user attributes',
					},
					{
						name: 'Delete PII',
						value: 'deletePii',
						description: 'Anonymise a user: remove personal attributes and identifiers, keep the profile and events',
						action: 'Delete personal data of a user',
					},
					{
						name: 'Get',
						value: 'get',
						description: "Get a user's attributes and events",
						action: 'Get a user profile',
					},
				],
				default: 'upsert',
			},
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				displayOptions: { show: { resource: ['identifier'] } },
				options: [
					{
						name: 'Delete',
						value: 'delete',
						description: 'Remove one identifier from a user',
						action: 'Delete an identifier',
					},
					{
						name: 'Update',
						value: 'update',
						description: "Change a user's identifier to a new value",
						action: 'Update an identifier',
					},
				],
				default: 'update',
			},
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				displayOptions: { show: { resource: ['export'] } },
				options: [
					{
						name: 'Download',
						value: 'download',
						description: 'Download an export file by its link and output its rows as items, or the file',
						action: 'Download an export',
					},
					{
						name: 'Start',
						value: 'start',
						description: 'Start a raw data export of a segment; Insider calls back with a download link',
						action: 'Start an export',
					},
				],
				default: 'start',
			},
			...userUpsert.description,
			...userGet.description,
			...userDelete.description,
			...userDeletePii.description,
			...userDeleteAttribute.description,
			...identifierUpdate.description,
			...identifierDelete.description,
			...exportStart.description,
			...exportDownload.description,
		],
	};

	methods = {
		loadOptions: { getAttributes, getEvents },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
