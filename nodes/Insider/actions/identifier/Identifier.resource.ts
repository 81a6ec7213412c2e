import type { INodeProperties } from 'n8n-workflow';

import * as deleteIdentifier from './delete.operation';
import * as update from './update.operation';

/** Identifiers of a user: the operation list, then each operation's fields. */
export const description: INodeProperties[] = [
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
	...update.description,
	...deleteIdentifier.description,
];
