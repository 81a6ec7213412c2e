import type { INodeProperties } from 'n8n-workflow';

import * as create from './create.operation';
import * as del from './delete.operation';
import * as update from './update.operation';

export { create, del as delete, update };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['audience'] } },
		options: [
			{
				name: 'Create',
				value: 'create',
				description: 'Create an audience addressed by your own ID',
				action: 'Create an audience',
			},
			{
				name: 'Delete',
				value: 'delete',
				description: 'Delete an audience and all its memberships',
				action: 'Delete an audience',
			},
			{ name: 'Update', value: 'update', description: 'Rename an audience', action: 'Update an audience' },
		],
		default: 'create',
	},
	...create.description,
	...update.description,
	...del.description,
];
