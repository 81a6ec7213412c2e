import type { INodeProperties } from 'n8n-workflow';

import * as download from './download.operation';
import * as start from './start.operation';

/** Raw user data exports: the operation list, then each operation's fields. */
export const description: INodeProperties[] = [
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
	...start.description,
	...download.description,
];
