import type { INodeProperties } from 'n8n-workflow';

import * as create from './create.operation';
import * as upsert from './upsert.operation';
import * as deleteProfile from './delete.operation';
import * as get from './get.operation';
import * as getAll from './getAll.operation';
import * as resetSyncState from './resetSyncState.operation';
import * as update from './update.operation';

export { create, deleteProfile as delete, get, getAll, resetSyncState, update, upsert };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['profile'] } },
		options: [
			{ name: 'Create', value: 'create', description: 'Create a profile from an email, phone, UUID or custom ID', action: 'Create a profile' },
			{
				name: 'Create or Update',
				value: 'upsert',
				description: 'Create a new record, or update the current one if it already exists (upsert)',
				action: 'Create or update profiles in batches',
			},
			{ name: 'Delete', value: 'delete', description: 'Delete a profile by client ID or custom ID', action: 'Delete a profile' },
			{ name: 'Get', value: 'get', description: 'Get a profile by client ID, email, phone, UUID or custom ID', action: 'Get a profile' },
			{ name: 'Get Many', value: 'getAll', description: 'List profiles, optionally filtered', action: 'Get many profiles' },
			{
				name: 'Reset Sync State',
				value: 'resetSyncState',
				description: 'Forget what the Sync option remembered, so the next run sends every profile',
				action: 'Reset the sync state',
			},
			{ name: 'Update', value: 'update', description: 'Update fields of a profile by client ID, email or custom ID', action: 'Update a profile' },
		],
		default: 'upsert',
	},
	...create.description,
	...upsert.description,
	...get.description,
	...getAll.description,
	...update.description,
	...deleteProfile.description,
	...resetSyncState.description,
];
