import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { isHtmlContentType, readCsv } from '../../../shared/csv';
import { invalidField, requestFailed } from '../../../shared/errors';
import { errorItem } from '../../../shared/results';
import { describeChars, itemChars, MAX_RUN_DATA_CHARS } from '../../../shared/runData';
import { header } from '../../../shared/transport';
import { requireProfileApi } from '../../helpers/surface';
import { startTask, taskIdFrom, waitForTask } from '../../helpers/tasks';
import { pollingOptions, readTiming } from '../../helpers/timing';
import type { CrescendoApi } from '../../transport';
import {
	crescendoLimiter,
	CUSTOM_FIELD_PREFIX,
	EXPORT_DATA_MAX_AGE_HOURS,
	EXPORT_LINK_VALID_DAYS,
	expectedTaskMs,
	FAILED_STATES,
	statusLimiter,
} from '../../transport';

const properties: INodeProperties[] = [
	{
		displayName: 'Output',
		name: 'output',
		type: 'options',
		options: [
			{ name: 'Items (One per Contact)', value: 'items', description: 'One output item per CSV row, with the CSV column names as fields' },
			{ name: 'CSV File (Binary)', value: 'binary', description: 'The exported CSV file as binary data, streamed without loading it into memory' },
		],
		default: 'items',
		description: 'Whether to output the contacts as items or the export file as it is',
	},
	{
		displayName: 'Put Output File in Field',
		name: 'binaryPropertyName',
		type: 'string',
		default: 'data',
		required: true,
		displayOptions: { show: { output: ['binary'] } },
		description: 'The name of the binary field to put the CSV file in',
	},
	{
		displayName: `Only one export runs at a time, and the data may be up to ${EXPORT_DATA_MAX_AGE_HOURS} hours old. The node starts the export, waits for it, then downloads the file (links stay valid for ${EXPORT_LINK_VALID_DAYS} days).`,
		name: 'exportNotice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'File Name',
				name: 'fileName',
				type: 'string',
				default: '',
				placeholder: 'contacts.csv',
				displayOptions: { show: { '/output': ['binary'] } },
				description: 'Name of the output file; defaults to crescendo-contacts-[task ID].csv',
			},
			{
				displayName: 'Max Rows',
				name: 'limit',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 50,
				displayOptions: { show: { '/output': ['items'] } },
				description: 'Max number of results to return',
			},
			{
				displayName: 'Strip Custom Field Prefix',
				name: 'stripCustomPrefix',
				type: 'boolean',
				default: false,
				displayOptions: { show: { '/output': ['items'] } },
				description: 'Whether to name custom field columns by their key alone ("points") instead of the exported column name ("cl_custom_points")',
			},
			{
				displayName: 'Updated Since',
				name: 'updatedSince',
				type: 'dateTime',
				default: '',
				description: 'Export only contacts updated on or after this date',
			},
			...pollingOptions,
		],
	},
];

export const description = updateDisplayOptions({ show: { resource: ['contact'], operation: ['export'] } }, properties);

function exportFilter(ctx: IExecuteFunctions, itemIndex: number, options: IDataObject): IDataObject {
	const body: IDataObject = {};
	const since = options.updatedSince;
	if (since !== undefined && since !== null && since !== '') {
		const time = Date.parse(String(since));
		if (Number.isNaN(time)) throw invalidField(ctx.getNode(), itemIndex, 'Updated Since', 'is not a date');
		// The filter is a calendar date (inferred, reference §5A A3).
		body.updated_at_min = new Date(time).toISOString().slice(0, 10);
	}
	return body;
}

/**
 * The export has more rows than n8n can keep as run data (MAX_RUN_DATA_CHARS): fail the item before n8n
 * dies serialising them, naming the size reached and the ways out.
 */
function tooMuchRunData(ctx: IExecuteFunctions, itemIndex: number, taskId: string, rowsRead: number, chars: number): NodeOperationError {
	return new NodeOperationError(
		ctx.getNode(),
		`Item ${itemIndex}: export task ${taskId} is too large to output as items: after ${rowsRead.toLocaleString('en-US')} rows the items already hold about ${describeChars(chars)} of run data, more than n8n can save (limit ${describeChars(MAX_RUN_DATA_CHARS)})`,
		{
			itemIndex,
			description: `Set Output to "CSV File (Binary)" to stream the whole file without holding it as items, or set Max Rows to at most about ${rowsRead.toLocaleString('en-US')}.`,
		},
	);
}

/** Starts one export per input item, waits for it, then streams the CSV into items or a binary file. */
export async function execute(this: IExecuteFunctions, api: CrescendoApi): Promise<INodeExecutionData[][]> {
	requireProfileApi(this.getNode(), api, 'Export');
	const items = this.getInputData();
	const output: INodeExecutionData[] = [];
	const timing = readTiming(this, 0);
	const { paths } = api;
	// A busy answer is waited out for as long as the user allows one task to take.
	const transport = api.patientTransport(timing.maxWaitMs);
	const limiter = crescendoLimiter(timing.requestsPerMinute, transport);
	const statusPace = statusLimiter(transport);
	// Run data of the rows output so far, across items: n8n must serialise all of it after the node.
	let runDataChars = 0;

	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		// Rows of an export that fails half-way are dropped: the item gets its error item only.
		const firstRow = output.length;
		const charsBefore = runDataChars;
		try {
			const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
			const format = this.getNodeParameter('output', itemIndex, 'items') as string;
			const itemTiming = readTiming(this, itemIndex);
			const started = await startTask(transport, { method: 'POST', path: paths.exportStart, body: exportFilter(this, itemIndex, options), limiter });
			const taskId = taskIdFrom(started.body);
			if (taskId === undefined) throw new Error('the service accepted the export but returned no task ID');
			// An export's size is unknown before it ends: its first check comes after the pending time.
			const status = await waitForTask(this, transport, statusPace, paths.exportStatus(taskId), taskId, itemTiming, expectedTaskMs(0));
			const state = String(status.status ?? '').toLowerCase();
			const link = status.download_url;
			if (FAILED_STATES.includes(state) || typeof link !== 'string' || link === '') {
				throw new Error(`export task ${taskId} ended as "${state}" without a download link`);
			}
			// The link is a signed file URL; it never gets the API key.
			const what = `Downloading the file of export task ${taskId} (its download link)`;
			const download = await transport
				.request<AsyncIterable<Uint8Array>>({ method: 'GET', path: link, encoding: 'stream', authenticated: false, limiter: statusPace })
				.catch((error: unknown) => {
					throw requestFailed(this.getNode(), error, itemIndex, what);
				});
			const contentType = header(download.headers, 'content-type');
			if (isHtmlContentType(contentType)) {
				(download.body as { destroy?: () => void }).destroy?.();
				throw new NodeOperationError(
					this.getNode(),
					`Item ${itemIndex}: the download link of export task ${taskId} returned a web page (${String(contentType)}), not a CSV file`,
					{ itemIndex, description: 'The link may have expired. Run Get Export Status for a fresh link, or export again.' },
				);
			}

			if (format === 'binary') {
				const property = String(this.getNodeParameter('binaryPropertyName', itemIndex, 'data'));
				const fileName = String(options.fileName || `crescendo-contacts-${taskId}.csv`);
				const binary = await this.helpers.prepareBinaryData(download.body as unknown as Buffer, fileName, 'text/csv');
				output.push({
					json: { taskId, status: state, expiresAt: status.expires_at ?? null, fileName },
					binary: { [property]: binary },
					pairedItem: { item: itemIndex },
				});
				continue;
			}

			const strip = options.stripCustomPrefix === true;
			const limit = options.limit === undefined ? undefined : Number(options.limit);
			for await (const row of readCsv(download.body, {
				limit,
				renameColumn: strip
					? (name) => (name.startsWith(CUSTOM_FIELD_PREFIX) ? name.slice(CUSTOM_FIELD_PREFIX.length) : name)
					: undefined,
			})) {
				runDataChars += itemChars(row);
				if (runDataChars > MAX_RUN_DATA_CHARS) {
					(download.body as { destroy?: () => void }).destroy?.();
					throw tooMuchRunData(this, itemIndex, taskId, output.length - firstRow, runDataChars);
				}
				output.push({ json: row, pairedItem: { item: itemIndex } });
			}
			// A row limit stops reading early; the rest of the download is not needed.
			(download.body as { destroy?: () => void }).destroy?.();
		} catch (error) {
			output.length = firstRow;
			runDataChars = charsBefore;
			const failure = requestFailed(this.getNode(), error, itemIndex, 'The export');
			if (!this.continueOnFail()) throw failure;
			output.push(errorItem(failure, itemIndex));
		}
	}
	return [output];
}
