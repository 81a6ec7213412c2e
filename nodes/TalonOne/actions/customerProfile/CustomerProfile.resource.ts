import type { INodeProperties } from 'n8n-workflow';

import * as resetSyncState from './resetSyncState.operation';
import * as update from './update.operation';
import * as updateAudiences from './updateAudiences.operation';

export { resetSyncState, update, updateAudiences };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['customerProfile'] } },
		options: [
			{
				name: 'Create or Update',
				value: 'update',
				description: 'Set or delete attributes of one profile and change its audiences; creates the profile if missing',
				action: 'Create or update a customer profile',
			},
			{
				name: 'Reset Sync State',
				value: 'resetSyncState',
				description: 'Forget what the Sync option remembered, so the next run sends every profile',
				action: 'Reset the sync state',
			},
			{
				name: 'Update Audiences',
				value: 'updateAudiences',
				description: 'Add many profiles to audiences and remove them, packed into few requests',
				action: 'Update audiences of many customer profiles',
			},
		],
		default: 'update',
	},
	...update.description,
	...updateAudiences.description,
	...resetSyncState.description,
];
