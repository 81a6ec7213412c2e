import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { readCsv } from '../../shared/csv';
import { invalidField } from '../../shared/errors';
import { EXPORT_DOWNLOAD_HOST } from '../transport';

// Raw export files (§5.3): which links may receive the token, and turning a downloaded file into items.

/** Export columns carry `a_` before attribute names (custom ones `a_c_<name>`) and `e_` before event parameters (§5.3). */
export const ATTRIBUTE_COLUMN_PREFIX = 'a_';

/**
 * The token is sent with the download, so links may point only at Insider's export host or at the
 * credential's own base URL (a proxy or the sandbox).
 */
export function checkLink(ctx: IExecuteFunctions, itemIndex: number, link: string, baseUrl: string): string {
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

export function fileNameOf(link: string): string {
	const last = new URL(link).pathname.split('/').filter((part) => part).pop();
	return last ? decodeURIComponent(last) : 'insider-export';
}

export const MIME_TYPES: Record<string, string> = { csv: 'text/csv', json: 'application/json', parquet: 'application/vnd.apache.parquet' };

export function formatOf(link: string, chosen: string, contentType: unknown): 'csv' | 'json' | undefined {
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

/** The file as one binary item, typed by its extension or the answer's content type. */
export async function binaryItem(
	ctx: IExecuteFunctions,
	itemIndex: number,
	link: string,
	file: AsyncIterable<Uint8Array>,
	contentType: unknown,
): Promise<INodeExecutionData> {
	const fileName = fileNameOf(link);
	const property = String(ctx.getNodeParameter('binaryPropertyName', itemIndex, 'data'));
	const extension = fileName.split('.').pop() ?? '';
	const mimeType = MIME_TYPES[extension] ?? (typeof contentType === 'string' ? contentType : 'application/octet-stream');
	const binary = await ctx.helpers.prepareBinaryData(file as unknown as Buffer, fileName, mimeType);
	return { json: { url: link, fileName, mimeType }, binary: { [property]: binary }, pairedItem: { item: itemIndex } };
}

/** One item per row of a CSV (streamed) or JSON file, up to `maxRows`, attribute prefixes removed if asked. */
export async function rowItems(
	file: AsyncIterable<Uint8Array>,
	format: 'csv' | 'json',
	options: IDataObject,
	itemIndex: number,
): Promise<INodeExecutionData[]> {
	const maxRows = Number(options.maxRows ?? 0) > 0 ? Number(options.maxRows) : undefined;
	const strip = options.stripPrefix !== false;
	const rows: INodeExecutionData[] = [];
	if (format === 'csv') {
		for await (const row of readCsv(file, { limit: maxRows, renameColumn: strip ? renameColumn : undefined })) {
			rows.push({ json: row, pairedItem: { item: itemIndex } });
		}
		return rows;
	}
	const parsed = parseJsonRows(await readText(file));
	for (const row of maxRows ? parsed.slice(0, maxRows) : parsed) {
		const json: IDataObject = {};
		for (const [key, value] of Object.entries(row)) json[strip ? renameColumn(key) : key] = value;
		rows.push({ json, pairedItem: { item: itemIndex } });
	}
	return rows;
}
