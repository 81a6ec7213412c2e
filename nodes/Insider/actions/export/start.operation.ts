import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { runEach } from '../../../shared/bulk';
import { invalidField } from '../../../shared/errors';
import { inWords } from '../../helpers/limitTexts';
import { readSelection, selectionProperties } from '../../helpers/selection';
import type { InsiderApi } from '../../transport';
import { EXPORT_DAILY_QUOTA_STATUS, EXPORT_LINK_VALID_HOURS, EXPORT_PATH, EXPORTS_PER_UTC_DAY } from '../../transport';

const properties: INodeProperties[] = [
	{
		displayName: `Insider builds the file (this can take hours) and then calls the Callback URL with a download link valid for ${EXPORT_LINK_VALID_HOURS} hours. Put a Wait node set to "On Webhook Call" after this node and keep the default Callback URL; then use Export → Download with the link the Wait node receives. Insider allows ${inWords(EXPORTS_PER_UTC_DAY)} export a day.`,
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

interface ExportRequest extends IDataObject {
	segment: { segment_id: number };
	format: string;
	hook: string;
}

/** The export request of one item, checked: a dynamic segment's ID and a callback URL Insider can reach. */
function readExport(ctx: IExecuteFunctions, itemIndex: number): ExportRequest {
	const node = ctx.getNode();
	const segmentId = Number(ctx.getNodeParameter('segmentId', itemIndex));
	if (!Number.isInteger(segmentId) || segmentId <= 0) {
		throw invalidField(node, itemIndex, 'segmentId', 'must be the positive ID of a dynamic segment');
	}
	const hook = String(ctx.getNodeParameter('callbackUrl', itemIndex, '')).trim();
	if (!/^https?:\/\/\S+$/i.test(hook)) {
		throw invalidField(node, itemIndex, 'callbackUrl', 'must be an http(s) URL Insider can reach, such as a Wait node resume URL');
	}
	const format = ctx.getNodeParameter('format', itemIndex) as string;
	return { segment: { segment_id: segmentId }, ...readSelection(ctx, itemIndex), format, hook };
}

/** One export request per item, one at a time: the daily quota makes parallel requests pointless. */
export async function execute(this: IExecuteFunctions, api: InsiderApi): Promise<INodeExecutionData[][]> {
	return await runEach<ExportRequest>(this, {
		prepare: (itemIndex) => readExport(this, itemIndex),
		concurrency: 1,
		requestName: 'The export request',
		send: async (request) => {
			const response = await api.transport.request<IDataObject | string>({
				method: 'POST',
				path: EXPORT_PATH,
				body: request,
				finalStatuses: [EXPORT_DAILY_QUOTA_STATUS],
			});
			// The answer is either empty or carries the link the file will have (§5.3).
			const url = typeof response.body === 'object' && response.body && typeof response.body.url === 'string' ? response.body.url : undefined;
			return {
				status: 'started',
				segmentId: request.segment.segment_id,
				format: request.format,
				callbackUrl: request.hook,
				...(url ? { url } : {}),
			};
		},
	});
}
