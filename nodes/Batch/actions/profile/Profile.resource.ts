import type { INodeProperties } from 'n8n-workflow';

import * as createOrUpdate from './createOrUpdate.operation';
import * as deleteProfile from './delete.operation';
import * as getDeleteStatus from './getDeleteStatus.operation';
import * as resetSyncState from './resetSyncState.operation';

/** The Profile resource: its operation list, then the fields of each operation. */
export const description: INodeProperties[] = [
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
];
