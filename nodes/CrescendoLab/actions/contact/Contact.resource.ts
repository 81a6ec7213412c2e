import type { INodeProperties } from 'n8n-workflow';

import { MAX_CONTACTS_PER_IMPORT } from '../../transport';
import * as exportContacts from './export.operation';
import * as getExportStatus from './getExportStatus.operation';
import * as getImportStatus from './getImportStatus.operation';
import * as importContacts from './import.operation';
import * as resetSyncState from './resetSyncState.operation';

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['contact'] } },
		options: [
			{
				name: 'Export',
				value: 'export',
				description: 'Export all contact profiles as items or a CSV file (Profile API only)',
				action: 'Export contacts',
			},
			{
				name: 'Get Export Status',
				value: 'getExportStatus',
				description: 'Get the state of an export task and its download link (Profile API only)',
				action: 'Get export status',
			},
			{
				name: 'Get Import Status',
				value: 'getImportStatus',
				description: 'Get the state and result of an import task',
				action: 'Get import status',
			},
			{
				name: 'Import (Create or Update)',
				value: 'import',
				description: `Create or update contacts in import tasks of up to ${MAX_CONTACTS_PER_IMPORT.toLocaleString('en-US')} contacts, one task at a time`,
				action: 'Import contacts',
			},
			{
				name: 'Reset Sync State',
				value: 'resetSyncState',
				description: 'Forget what the Sync option of Import remembered, so the next import sends every contact',
				action: 'Reset the sync state',
			},
		],
		default: 'import',
	},
	...importContacts.description,
	...getImportStatus.description,
	...exportContacts.description,
	...getExportStatus.description,
	...resetSyncState.description,
];
