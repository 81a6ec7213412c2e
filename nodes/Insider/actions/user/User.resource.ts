import type { INodeProperties } from 'n8n-workflow';

import * as deleteUser from './delete.operation';
import * as deleteAttribute from './deleteAttribute.operation';
import * as deletePii from './deletePii.operation';
import * as get from './get.operation';
import * as resetSyncState from './resetSyncState.operation';
import * as upsert from './upsert.operation';

/** User profiles: the operation list, then each operation's fields. */
export const description: INodeProperties[] = [
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
			{
				name: 'Reset Sync State',
				value: 'resetSyncState',
				description: 'Forget what the Sync option of Create or Update remembered, so its next run sends every user',
				action: 'Reset the sync state',
			},
		],
		default: 'upsert',
	},
	...upsert.description,
	...get.description,
	...deleteUser.description,
	...deletePii.description,
	...deleteAttribute.description,
	...resetSyncState.description,
];
