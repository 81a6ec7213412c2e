import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { isHtmlContentType, readCsv } from '../../../shared/csv';
import { invalidField, requestFailed } from '../../../shared/errors';
import { errorItem } from '../../../shared/results';
import { EXPORT_DOWNLOAD_HOST } from '../../transport';
import type { InsiderEnv } from '../common';

/** Export columns carry `a_` before attribute names (custom ones `a_c_<name>`) and `e_` before event parameters (§5.3). */
export const ATTRIBUTE_COLUMN_PREFIX = 'a_';

const properties: INodeProperties[] = [
	{
		displayName: 'Download Link',
		name: 'url',
		type: 'string',
		default: '={{ $json.body && $json.body.url ? $json.body.url : $json.url }}',
		required: true,
		placeholder: 'https://insider-data-export.useinsider.com/partner/p/file.csv',
		description:
			'The link Insider posted to the export callback URL (a Wait node puts the posted body in its output, under body). Links expire 24 hours after the file is ready.',
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

/**
 * The token is sent with the download, so links may point only at Insider's export host or at the
 * credential's own base URL (a proxy or the sandbox).
 */
function checkLink(ctx: IExecuteFunctions, itemIndex: number, link: string, baseUrl: string): string {
	let url: URL;
	try {
		url = new URL(link);
	} catch {
		throw invalidField(ctx.getNode(), itemIndex, 'url', `is not a URL: ${JSON.stringify(link)}`);
	}
	const base = new URL(baseUrl);
	const exportHost = url.protocol === 'https:' && url.hostname === EXPORT_DOWNLOAD_HOST;
	if (!exportHost && url.origin !== base.origin) {
		throw invalidField(
			ctx.getNode(),
			itemIndex,
			'url',
			`must be an Insider export link (https://${EXPORT_DOWNLOAD_HOST}/…) or on the credential's base URL`,
		);
	}
	return url.toString();
}

function fileNameOf(link: string): string {
	const last = new URL(link).pathname.split('/').filter((part) => part).pop();
	return last ? decodeURIComponent(last) : 'insider-export';
}

const MIME_TYPES: Record<string, string> = { csv: 'text/csv', json: 'application/json', parquet: 'application/vnd.apache.parquet' };

function formatOf(link: string, chosen: string, contentType: unknown): 'csv' | 'json' | undefined {
	if (chosen === 'csv' || chosen === 'json') return chosen;
	const name = fileNameOf(link).toLowerCase();
	if (/\.csv(\.|$)/.test(name) || String(contentType).includes('csv')) return 'csv';
	if (/\.(nd)?json(l)?(\.|$)/.test(name) || String(contentType).includes('json')) return 'json';
	return undefined;
}

async function readText(stream: AsyncIterable<Uint8Array | string>): Promise<string> {
	const parts: Buffer[] = [];
	for await (const chunk of stream) parts.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
	return Buffer.concat(parts).toString('utf8');
}

/** A JSON export is either one array or one object per line. */
function parseJsonRows(text: string): IDataObject[] {
	const trimmed = text.trim();
	if (trimmed === '') return [];
	if (trimmed.startsWith('[')) return JSON.parse(trimmed) as IDataObject[];
	return trimmed
		.split(/\r?\n/)
		.filter((line) => line.trim() !== '')
		.map((line) => JSON.parse(line) as IDataObject);
}

function renameColumn(name: string): string {
	return name.startsWith(ATTRIBUTE_COLUMN_PREFIX) ? name.slice(ATTRIBUTE_COLUMN_PREFIX.length) : name;
}

async function downloadOne(ctx: IExecuteFunctions, env: InsiderEnv, itemIndex: number): Promise<INodeExecutionData[]> {
	const link = checkLink(ctx, itemIndex, String(ctx.getNodeParameter('url', itemIndex, '')).trim(), env.transport.options.baseUrl);
	const output = ctx.getNodeParameter('output', itemIndex) as string;
	const response = await env.transport.request<AsyncIterable<Uint8Array>>({ method: 'GET', path: link, encoding: 'stream' });
	const contentType = Object.entries(response.headers).find(([key]) => key.toLowerCase() === 'content-type')?.[1];
	if (isHtmlContentType(contentType)) {
		(response.body as unknown as { destroy?: () => void }).destroy?.();
		throw new NodeOperationError(
			ctx.getNode(),
			`Item ${itemIndex}: the download link returned a web page (${String(contentType)}), not an export file`,
			{ itemIndex, description: 'The link may have expired (links last 24 hours) or need a login. Export the segment again for a fresh link.' },
		);
	}
	const fileName = fileNameOf(link);
	if (output === 'binary') {
		const property = String(ctx.getNodeParameter('binaryPropertyName', itemIndex, 'data'));
		const extension = fileName.split('.').pop() ?? '';
		const mimeType = MIME_TYPES[extension] ?? (typeof contentType === 'string' ? contentType : 'application/octet-stream');
		const binary = await ctx.helpers.prepareBinaryData(response.body as unknown as Buffer, fileName, mimeType);
		return [{ json: { url: link, fileName, mimeType }, binary: { [property]: binary }, pairedItem: { item: itemIndex } }];
	}
	const options = ctx.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const format = formatOf(link, String(options.fileFormat ?? 'auto'), contentType);
	if (!format) {
		(response.body as unknown as { destroy?: () => void }).destroy?.();
		throw new NodeOperationError(ctx.getNode(), `Item ${itemIndex}: cannot turn ${fileName} into items`, {
			itemIndex,
			description: 'Only CSV and JSON exports become items; choose Output → Binary File for Parquet, or set the file format.',
		});
	}
	const maxRows = Number(options.maxRows ?? 0) > 0 ? Number(options.maxRows) : undefined;
	const strip = options.stripPrefix !== false;
	const rows: INodeExecutionData[] = [];
	if (format === 'csv') {
		for await (const row of readCsv(response.body, { limit: maxRows, renameColumn: strip ? renameColumn : undefined })) {
			rows.push({ json: row, pairedItem: { item: itemIndex } });
		}
		return rows;
	}
	const parsed = parseJsonRows(await readText(response.body));
	for (const row of maxRows ? parsed.slice(0, maxRows) : parsed) {
		const json: IDataObject = {};
		for (const [key, value] of Object.entries(row)) json[strip ? renameColumn(key) : key] = value;
		rows.push({ json, pairedItem: { item: itemIndex } });
	}
	return rows;
}

export async function execute(this: IExecuteFunctions, env: InsiderEnv): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const out: INodeExecutionData[] = [];
	// One file per input item, downloaded in turn; each gives many rows, so rows are emitted per item.
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			out.push(...(await downloadOne(this, env, itemIndex)));
		} catch (error) {
			const failure = requestFailed(this.getNode(), error, itemIndex, 'The download from the download link');
			if (!this.continueOnFail()) throw failure;
			out.push(errorItem(failure, itemIndex));
		}
	}
	return [out];
}
