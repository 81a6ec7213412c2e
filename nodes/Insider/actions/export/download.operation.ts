import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { isHtmlContentType } from '../../../shared/csv';
import { requestFailed } from '../../../shared/errors';
import { errorItem } from '../../../shared/results';
import { binaryItem, checkLink, fileNameOf, formatOf, rowItems } from '../../helpers/exportFile';
import type { InsiderApi } from '../../transport';
import { EXPORT_LINK_VALID_HOURS } from '../../transport';

const properties: INodeProperties[] = [
	{
		displayName: 'Download Link',
		name: 'url',
		type: 'string',
		default: '={{ $json.body && $json.body.url ? $json.body.url : $json.url }}',
		required: true,
		placeholder: 'https://insider-data-export.useinsider.com/partner/p/file.csv',
		description: `The link Insider posted to the export callback URL (a Wait node puts the posted body in its output, under body). Links expire ${EXPORT_LINK_VALID_HOURS} hours after the file is ready.`,
	},
	{
		displayName: 'Output',
		name: 'output',
		type: 'options',
		options: [
			{ name: 'Items', value: 'items', description: 'One item per row of a CSV or JSON file' },
			{ name: 'Binary File', value: 'binary', description: 'The file itself, for any format' },
		],
		default: 'items',
	},
	{
		displayName: 'Put Output File in Field',
		name: 'binaryPropertyName',
		type: 'string',
		default: 'data',
		required: true,
		description: 'Name of the binary field to put the file in',
		displayOptions: { show: { output: ['binary'] } },
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show: { output: ['items'] } },
		options: [
			{
				displayName: 'File Format',
				name: 'fileFormat',
				type: 'options',
				options: [
					{ name: 'Detect From Link', value: 'auto' },
					{ name: 'CSV', value: 'csv' },
					{ name: 'JSON', value: 'json' },
				],
				default: 'auto',
			},
			{
				displayName: 'Max Rows',
				name: 'maxRows',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 0,
				description: 'Stop after this many rows; 0 reads the whole file',
			},
			{
				displayName: 'Remove Attribute Prefix',
				name: 'stripPrefix',
				type: 'boolean',
				default: true,
				description: 'Whether to turn attribute columns such as a_email and a_c_tier into email and c_tier (event columns keep their e_ prefix)',
			},
		],
	},
];

export const description = updateDisplayOptions({ show: { resource: ['export'], operation: ['download'] } }, properties);

/** Downloads the file one item links to: as a binary item, or as one item per row. */
async function downloadOne(ctx: IExecuteFunctions, api: InsiderApi, itemIndex: number): Promise<INodeExecutionData[]> {
	const link = checkLink(ctx, itemIndex, String(ctx.getNodeParameter('url', itemIndex, '')).trim(), api.transport.options.baseUrl);
	const output = ctx.getNodeParameter('output', itemIndex) as string;
	const response = await api.transport.request<AsyncIterable<Uint8Array>>({ method: 'GET', path: link, encoding: 'stream' });
	const contentType = Object.entries(response.headers).find(([key]) => key.toLowerCase() === 'content-type')?.[1];
	const discard = () => (response.body as unknown as { destroy?: () => void }).destroy?.();
	if (isHtmlContentType(contentType)) {
		discard();
		throw new NodeOperationError(
			ctx.getNode(),
			`Item ${itemIndex}: the download link returned a web page (${String(contentType)}), not an export file`,
			{
				itemIndex,
				description: `The link may have expired (links last ${EXPORT_LINK_VALID_HOURS} hours) or need a login. Export the segment again for a fresh link.`,
			},
		);
	}
	if (output === 'binary') return [await binaryItem(ctx, itemIndex, link, response.body, contentType)];
	const options = ctx.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const format = formatOf(link, String(options.fileFormat ?? 'auto'), contentType);
	if (!format) {
		discard();
		throw new NodeOperationError(ctx.getNode(), `Item ${itemIndex}: cannot turn ${fileNameOf(link)} into items`, {
			itemIndex,
			description: 'Only CSV and JSON exports become items; choose Output → Binary File for Parquet, or set the file format.',
		});
	}
	return await rowItems(response.body, format, options, itemIndex);
}

/**
 * One file per input item, downloaded in turn; each gives many rows (not one result per item, so not
 * `runEach`), and a failed download becomes that item's error item under Continue On Fail.
 */
export async function execute(this: IExecuteFunctions, api: InsiderApi): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const out: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			out.push(...(await downloadOne(this, api, itemIndex)));
		} catch (error) {
			const failure = requestFailed(this.getNode(), error, itemIndex, 'The download from the download link');
			if (!this.continueOnFail()) throw failure;
			out.push(errorItem(failure, itemIndex));
		}
	}
	return [out];
}
