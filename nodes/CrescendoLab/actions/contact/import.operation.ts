import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import type { EntryOutcome } from '../../../shared/bulk';
import { runBulk } from '../../../shared/bulk';
import { jsonBytes } from '../../../shared/chunk';
import { readCsv } from '../../../shared/csv';
import { invalidField, rejectedItem } from '../../../shared/errors';
import { mappedFields } from '../../../shared/mapping';
import type { RateLimiter } from '../../../shared/rateLimit';
import type { Transport } from '../../../shared/transport';
import {
	BUSY_STATUSES,
	crescendoLimiter,
	crescendoTransport,
	FAILED_STATES,
	LINE_UID_PATTERN,
	MAX_CONTACTS_PER_IMPORT,
	MAX_IMPORT_BODY_BYTES,
	MAX_TAG_LENGTH,
	PATHS,
	type Surface,
} from '../../transport';
import type { TaskStatus, Timing } from '../common';
import { pollingOptions, readTiming, surfaceOf, taskIdFrom, waitForTask } from '../common';

/** Import keys per surface (reference §4.1 and §5B B1). */
export const PROFILE_IMPORT_KEYS = ['line_uid', 'display_email', 'display_mobile', 'connect_id', 'customer_id'];
export const MAAC_IMPORT_KEYS = ['line_uid', 'customer_id', 'email', 'mobile'];
/** Every column MAAC v1 import accepts; anything else fails the whole task as `useless_fields` (§5B B1). */
export const MAAC_FIELDS = ['line_uid', 'line_display_name', 'email', 'mobile', 'customer_id', 'gender', 'birthday', 'tags'];
/** Gender values per surface: v1 accepts only male and female (reference §4.2). */
export const GENDERS: Record<Surface, string[]> = {
	profileApi: ['male', 'female', 'unknown', 'others'],
	maacApi: ['male', 'female'],
};
const BIRTHDAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

const properties: INodeProperties[] = [
	{
		displayName: 'Import Key',
		name: 'importKey',
		type: 'options',
		options: [
			{ name: 'Connect ID', value: 'connect_id' },
			{ name: 'Customer ID', value: 'customer_id' },
			{ name: 'Display Email', value: 'display_email' },
			{ name: 'Display Mobile', value: 'display_mobile' },
			{ name: 'LINE UID', value: 'line_uid' },
		],
		default: 'customer_id',
		displayOptions: { show: { '/authentication': ['profileApi'] } },
		description:
			'The field that matches input contacts to existing contact profiles. Every item needs a value for it; items without one fail before anything is sent.',
	},
	{
		displayName: 'Import Key',
		name: 'importKey',
		type: 'options',
		options: [
			{ name: 'Customer ID', value: 'customer_id' },
			{ name: 'Email', value: 'email' },
			{ name: 'LINE UID', value: 'line_uid' },
			{ name: 'Mobile', value: 'mobile' },
		],
		default: 'customer_id',
		displayOptions: { show: { '/authentication': ['maacApi'] } },
		description:
			'The field that matches input contacts to existing MAAC contacts. Every item needs a value for it; items without one fail before anything is sent.',
	},
	{
		displayName: 'Contact Fields',
		name: 'columns',
		type: 'resourceMapper',
		noDataExpression: true,
		default: { mappingMode: 'defineBelow', value: null },
		required: true,
		typeOptions: {
			loadOptionsDependsOn: ['authentication'],
			resourceMapper: {
				resourceMapperMethod: 'getContactFields',
				mode: 'add',
				fieldWords: { singular: 'field', plural: 'fields' },
				addAllFields: false,
				supportAutoMap: true,
			},
		},
		description:
			'Contact fields to send. "Map Automatically" sends every field of the input item under its own name; fields that are not mapped are never sent, so Crescendo Lab keeps their stored values.',
	},
	{
		displayName: 'Only one import runs at a time: the node splits the items into tasks of at most 10,000 contacts and 10 MB, starts them one after another, and keeps under 15 requests per minute (status checks included).',
		name: 'importNotice',
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
				displayName: 'Empty Values',
				name: 'emptyValues',
				type: 'options',
				options: [
					{
						name: 'Skip (Keep Stored Value)',
						value: 'skip',
						description: 'Leave empty and null fields out, so the stored value stays',
					},
					{
						name: 'Send Null (Clear Field)',
						value: 'null',
						description: 'Send empty and null fields as null, which clears them (Profile API only; MAAC v1 ignores empty values)',
					},
				],
				default: 'skip',
				description: 'What to do with mapped fields whose value is empty text or null',
			},
			{
				displayName: 'Tags',
				name: 'tags',
				type: 'string',
				default: '',
				placeholder: 'vip, newsletter',
				description: 'Comma-separated tags added to every imported contact (at most 50 characters each). Tags are only added, never removed.',
			},
			{
				displayName: 'Wait for Completion',
				name: 'waitForCompletion',
				type: 'boolean',
				default: true,
				description:
					'Whether to wait until every task has finished and report its outcome. When off, the node still waits for each task before starting the next (Crescendo Lab runs one at a time) but returns as soon as the last one has started, with the task IDs.',
			},
			...pollingOptions,
		],
	},
];

export const description = updateDisplayOptions({ show: { resource: ['contact'], operation: ['import'] } }, properties);

type EmptyPolicy = 'skip' | 'null';

interface ContactRow {
	row: IDataObject;
	keyValue: string;
}

function tagList(value: unknown): string[] | undefined {
	if (value === undefined || value === null) return undefined;
	const list = Array.isArray(value) ? value : String(value).split(',');
	return list.map((tag) => String(tag).trim()).filter((tag) => tag !== '');
}

/** The contact row one item sends, validated the way the vendor validates it (reference §9.9). */
export function buildContactRow(
	ctx: IExecuteFunctions,
	itemIndex: number,
	surface: Surface,
	importKey: string,
	policy: EmptyPolicy,
): ContactRow {
	const node = ctx.getNode();
	const fields = mappedFields(ctx, itemIndex);
	const row: IDataObject = {};
	for (const [field, value] of Object.entries(fields)) {
		if (value === undefined) continue;
		if (surface === 'maacApi' && !MAAC_FIELDS.includes(field)) {
			throw invalidField(node, itemIndex, field, `MAAC v1 import has no such field; it accepts ${MAAC_FIELDS.join(', ')}`);
		}
		const empty = value === null || (typeof value === 'string' && value.trim() === '');
		if (empty) {
			// MAAC v1 ignores empty values, so clearing is only possible on the Profile API (reference §1).
			if (policy === 'null' && surface === 'profileApi' && field !== importKey) row[field] = null;
			continue;
		}
		if (field === 'tags') {
			const tags = tagList(value) ?? [];
			const long = tags.find((tag) => tag.length > MAX_TAG_LENGTH);
			if (long) throw invalidField(node, itemIndex, field, `tag "${long}" is longer than ${MAX_TAG_LENGTH} characters`);
			if (tags.length > 0) row.tags = tags;
			continue;
		}
		if (typeof value === 'object') {
			throw invalidField(node, itemIndex, field, 'must be text, a number or true/false, not an object or a list');
		}
		row[field] = typeof value === 'string' ? value.trim() : value;
	}

	const key = row[importKey];
	if (key === undefined || key === null || String(key).trim() === '') {
		throw invalidField(node, itemIndex, importKey, 'is empty; every contact needs a value for the import key');
	}
	const keyValue = String(key);
	row[importKey] = keyValue;
	if (row.line_uid !== undefined && row.line_uid !== null && !LINE_UID_PATTERN.test(String(row.line_uid))) {
		throw invalidField(node, itemIndex, 'line_uid', 'must be "U" followed by 32 hexadecimal characters');
	}
	if (typeof row.gender === 'string') {
		const gender = row.gender.toLowerCase();
		if (!GENDERS[surface].includes(gender)) {
			throw invalidField(node, itemIndex, 'gender', `must be one of ${GENDERS[surface].join(', ')}`);
		}
		row.gender = gender;
	}
	if (row.birthday !== undefined && row.birthday !== null) {
		const text = String(row.birthday);
		if (!BIRTHDAY_PATTERN.test(text) || Number.isNaN(Date.parse(`${text}T00:00:00Z`))) {
			throw invalidField(node, itemIndex, 'birthday', 'must be a date written YYYY-MM-DD');
		}
	}
	return { row, keyValue };
}

/** The request body of one task, without its rows (the engine measures those). */
export function importEnvelope(importKey: string, tags: string[] | undefined): IDataObject {
	const body: IDataObject = { import_key: importKey, data: [] };
	if (tags && tags.length > 0) body.tags = tags;
	return body;
}

function taskFailure(status: TaskStatus): string | undefined {
	const state = String(status.status ?? '').toLowerCase();
	const result = (status.result ?? {}) as IDataObject;
	if (FAILED_STATES.includes(state)) return `the task ended as "${state}"`;
	if (result.success === false) {
		const counters = Object.entries(result)
			.filter(([name, value]) => name !== 'success' && ((typeof value === 'number' && value > 0) || (Array.isArray(value) && value.length > 0)))
			.map(([name, value]) => `${name} ${Array.isArray(value) ? value.join('|') : String(value)}`);
		return `the task failed validation and imported nothing${counters.length > 0 ? ` (${counters.join(', ')})` : ''}`;
	}
	return undefined;
}

/** Line UIDs listed in MAAC's mismatch file (contacts that do not exist or blocked the account, §5B B2). */
async function mismatchedLineUids(transport: Transport, limiter: RateLimiter, link: unknown): Promise<Set<string>> {
	const found = new Set<string>();
	if (typeof link !== 'string' || link === '') return found;
	const response = await transport.request<AsyncIterable<Uint8Array>>({
		method: 'GET',
		path: link,
		encoding: 'stream',
		authenticated: false,
		limiter,
	});
	for await (const record of readCsv(response.body)) {
		const value = record.line_uid ?? Object.values(record)[0];
		if (typeof value === 'string' && value !== '') found.add(value);
	}
	return found;
}

export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const surface = surfaceOf(this);
	const importKey = this.getNodeParameter('importKey', 0) as string;
	const options = this.getNodeParameter('options', 0, {}) as IDataObject;
	const policy: EmptyPolicy = options.emptyValues === 'null' ? 'null' : 'skip';
	const waitForCompletion = options.waitForCompletion !== false;
	const timing: Timing = readTiming(this, 0);
	const commonTags = tagList(options.tags);
	const longTag = commonTags?.find((tag) => tag.length > MAX_TAG_LENGTH);
	if (longTag) throw invalidField(this.getNode(), 0, 'Tags', `tag "${longTag}" is longer than ${MAX_TAG_LENGTH} characters`);

	// A busy answer is waited out for as long as the user allows one task to take.
	const transport = await crescendoTransport(this, surface, { maxAttempts: 1000, maxElapsedMs: timing.maxWaitMs });
	const limiter = crescendoLimiter(timing.requestsPerMinute, transport);
	const paths = PATHS[surface];

	// MAAC v1 applies request-level tags to every contact; the Profile API takes them per row (inferred, §5A).
	const requestTags = surface === 'maacApi' ? commonTags : undefined;
	const envelope = importEnvelope(importKey, requestTags);
	const seen = new Map<string, number>();
	let previousTask: string | undefined;

	const run = await runBulk<ContactRow>(this, items.length, {
		requestName: 'The import task',
		limits: { maxUnits: MAX_CONTACTS_PER_IMPORT, maxBytes: MAX_IMPORT_BODY_BYTES, envelopeBytes: jsonBytes(envelope) },
		bytes: (contact) => jsonBytes(contact.row),
		prepare: (itemIndex) => {
			const contact = buildContactRow(this, itemIndex, surface, importKey, policy);
			if (surface === 'profileApi' && commonTags && commonTags.length > 0) {
				const own = (contact.row.tags as string[] | undefined) ?? [];
				contact.row.tags = [...own, ...commonTags.filter((tag) => !own.includes(tag))];
			}
			// A repeated key fails the whole task at the vendor (`duplicate_error`, §5B B2), so it is refused here.
			const first = seen.get(contact.keyValue);
			if (first !== undefined) {
				throw invalidField(this.getNode(), itemIndex, importKey, `repeats the value of item ${first}; each contact may appear once per run`);
			}
			seen.set(contact.keyValue, itemIndex);
			return contact;
		},
		send: async (batch): Promise<EntryOutcome[]> => {
			if (previousTask !== undefined && !waitForCompletion) {
				// Crescendo Lab runs one import at a time: the previous task has to end before this one starts.
				await waitForTask(this, transport, limiter, paths.importStatus(previousTask), previousTask, timing);
			}
			const started = await transport.request({
				method: 'POST',
				path: paths.importStart,
				body: { ...envelope, data: batch.map((entry) => entry.payload.row) },
				limiter,
				retryStatuses: BUSY_STATUSES,
			});
			const taskId = taskIdFrom(started.body);
			if (taskId === undefined) throw new Error('the service accepted the import but returned no task ID');
			previousTask = taskId;
			const base = (contact: ContactRow): IDataObject => ({ taskId, importKey, keyValue: contact.keyValue });
			if (!waitForCompletion) {
				return batch.map((entry) => ({ json: { ...base(entry.payload), taskStatus: 'started', outcome: 'started' } }));
			}

			const status = await waitForTask(this, transport, limiter, paths.importStatus(taskId), taskId, timing);
			const failure = taskFailure(status);
			if (failure) {
				return batch.map((entry) => ({
					error: rejectedItem(this.getNode(), entry.itemIndex, `Import task ${taskId}: ${failure}`, importKey),
				}));
			}
			const result = (status.result ?? {}) as IDataObject;
			const mismatched =
				surface === 'maacApi' && importKey === 'line_uid' && Number(result.mismatch_num ?? 0) > 0
					? await mismatchedLineUids(transport, limiter, result.mismatch_export_link)
					: new Set<string>();
			return batch.map((entry) => {
				const notMatched = mismatched.has(entry.payload.keyValue);
				return {
					json: {
						...base(entry.payload),
						taskStatus: String(status.status),
						outcome: notMatched ? 'notMatched' : 'imported',
						...(notMatched ? { reason: 'No contact with this LINE UID, or the contact blocked the account' } : {}),
						taskResult: result,
					},
				};
			});
		},
	});
	return run.results.output();
}
