import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { runBulk } from '../../../shared/bulk';
import { invalidField } from '../../../shared/errors';
import type { InsiderEnv } from '../common';
import { readSelection, selectionProperties } from '../user/get.operation';

/** The raw export allows one successful request per UTC day (§5.3), so a 429 is final, not retried. */
const DAILY_QUOTA_STATUS = 429;

const properties: INodeProperties[] = [
	{
		displayName:
			'Insider builds the file (this can take hours) and then calls the Callback URL with a download link valid for 24 hours. Put a Wait node set to "On Webhook Call" after this node and keep the default Callback URL; then use Export → Download with the link the Wait node receives. Insider allows one export a day.',
		name: 'exportNotice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Segment ID',
		name: 'segmentId',
		type: 'number',
		default: 0,
		required: true,
		description: 'ID of the dynamic segment whose users to export (static segments are refused)',
	},
	...selectionProperties('export'),
	{
		displayName: 'Format',
		name: 'format',
		type: 'options',
		options: [
			{ name: 'CSV', value: 'csv' },
			{ name: 'JSON', value: 'json' },
			{ name: 'Parquet', value: 'parquet' },
		],
		default: 'csv',
		description: 'File format; Download turns CSV and JSON files into items, any format into a binary file',
	},
	{
		displayName: 'Callback URL',
		name: 'callbackUrl',
		type: 'string',
		default: '={{ $execution.resumeUrl }}',
		required: true,
		description:
			"URL Insider posts the download link to once the file is ready. The default is the resume URL of a Wait node set to \"On Webhook Call\" later in this workflow.",
	},
];

export const description = updateDisplayOptions({ show: { resource: ['export'], operation: ['start'] } }, properties);

export async function execute(this: IExecuteFunctions, env: InsiderEnv): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const { results } = await runBulk<IDataObject>(this, items.length, {
		prepare: (itemIndex) => {
			const node = this.getNode();
			const segmentId = Number(this.getNodeParameter('segmentId', itemIndex));
			if (!Number.isInteger(segmentId) || segmentId <= 0) {
				throw invalidField(node, itemIndex, 'segmentId', 'must be the positive ID of a dynamic segment');
			}
			const hook = String(this.getNodeParameter('callbackUrl', itemIndex, '')).trim();
			if (!/^https?:\/\/\S+$/i.test(hook)) {
				throw invalidField(node, itemIndex, 'callbackUrl', 'must be an http(s) URL Insider can reach, such as a Wait node resume URL');
			}
			const format = this.getNodeParameter('format', itemIndex) as string;
			return { segment: { segment_id: segmentId }, ...readSelection(this, itemIndex), format, hook };
		},
		limits: { maxUnits: 1 },
		requestName: 'The export request',
		send: async ([entry]) => {
			const response = await env.transport.request<IDataObject | string>({
				method: 'POST',
				path: '/api/raw/v1/export',
				body: entry.payload,
				finalStatuses: [DAILY_QUOTA_STATUS],
			});
			// The answer is either empty or carries the link the file will have (§5.3).
			const url = typeof response.body === 'object' && response.body && typeof response.body.url === 'string' ? response.body.url : undefined;
			return [
				{
					json: {
						status: 'started',
						segmentId: (entry.payload.segment as IDataObject).segment_id,
						format: entry.payload.format,
						callbackUrl: entry.payload.hook,
						...(url ? { url } : {}),
					},
				},
			];
		},
	});
	return results.output();
}
