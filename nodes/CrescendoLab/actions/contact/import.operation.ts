import type { IDataObject, IExecuteFunctions, INode, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import type { EntryOutcome } from '../../../shared/bulk';
import { runBulk } from '../../../shared/bulk';
import { jsonBytes } from '../../../shared/chunk';
import { invalidField, rejectedItem } from '../../../shared/errors';
import { mappedFields } from '../../../shared/mapping';
import type { RateLimiter } from '../../../shared/rateLimit';
import type { Transport } from '../../../shared/transport';
import {
	crescendoConnection,
	crescendoLimiter,
	CUSTOM_FIELD_PREFIX,
	EMAIL_FIELDS,
	EMAIL_PATTERN,
	FAILED_STATES,
	isKnownField,
	LINE_UID_PATTERN,
	MAAC_FIELDS,
	MAX_CONTACTS_PER_IMPORT,
	MAX_FIELD_LENGTHS,
	MAX_IMPORT_BODY_BYTES,
	MAX_TAG_LENGTH,
	normalisePhone,
	PHONE_FIELDS,
	PROFILE_API_FIELDS,
	startTask,
	statusLimiter,
	type Surface,
} from '../../transport';
import type { TaskStatus, Timing } from '../common';
import { pollingOptions, readTiming, surfaceOf, taskIdFrom, waitForTask } from '../common';

/** Import keys per surface (reference §4.1 and §5B B1). */
export const PROFILE_IMPORT_KEYS = ['line_uid', 'display_email', 'display_mobile', 'connect_id', 'customer_id'];
export const MAAC_IMPORT_KEYS = ['line_uid', 'customer_id', 'email', 'mobile'];
export { MAAC_FIELDS };
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
			'Contact fields to send. "Map Automatically" sends every field of the input item under its own name; fields that are not mapped are never sent, so Crescendo Lab keeps their stored values. A field Crescendo Lab does not know fails its item (see Unknown Fields).',
	},
	{
		displayName: 'Only one import runs at a time: the node splits the items into tasks of at most 10,000 contacts and 10 MB, starts them one after another, and keeps task starts under 15 a minute (status checks are paced apart, at most one a second).',
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
				displayName: 'Unknown Fields',
				name: 'unknownFields',
				type: 'options',
				options: [
					{
						name: 'Refuse the Item',
						value: 'refuse',
						description: 'The item fails, naming the field, and is not sent; the other items go on',
					},
					{
						name: 'Leave the Field Out',
						value: 'omit',
						description: 'The item is sent without the field; its output lists the fields left out under "omittedFields"',
					},
				],
				default: 'refuse',
				description: `What to do with a field the import does not know (for example a column of a CSV file that is not a contact field). Crescendo Lab fails the whole task of up to 10,000 contacts on one unknown field, so it never reaches the service. Profile API fields: ${PROFILE_API_FIELDS.join(', ')} and custom fields named ${CUSTOM_FIELD_PREFIX}KEY (this list is not published by Crescendo Lab and is inferred). MAAC v1 fields: ${MAAC_FIELDS.join(', ')}.`,
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
type UnknownFieldPolicy = 'refuse' | 'omit';

interface ContactRow {
	row: IDataObject;
	keyValue: string;
	/** Fields left out because the import does not know them ("Unknown Fields: Leave the Field Out"). */
	omitted: string[];
}

function tagList(value: unknown): string[] | undefined {
	if (value === undefined || value === null) return undefined;
	const list = Array.isArray(value) ? value : String(value).split(',');
	return list.map((tag) => String(tag).trim()).filter((tag) => tag !== '');
}

/**
 * Checks a field the vendor validates row by row: one bad row fails the whole task (every contact in it),
 * so a bad value is refused for its own item before anything is sent.
 */
function checkFieldValue(node: INode, itemIndex: number, field: string, value: unknown): void {
	const text = String(value);
	const max = MAX_FIELD_LENGTHS[field];
	if (max !== undefined && text.length > max) {
		throw invalidField(node, itemIndex, field, `is ${text.length} characters long; at most ${max} are allowed`);
	}
	if (EMAIL_FIELDS.includes(field) && !EMAIL_PATTERN.test(text)) {
		throw invalidField(node, itemIndex, field, 'is not an email address');
	}
}

/** The contact row one item sends, validated the way the vendor validates it (reference §9.9). */
export function buildContactRow(
	ctx: IExecuteFunctions,
	itemIndex: number,
	surface: Surface,
	importKey: string,
	policy: EmptyPolicy,
	unknownFields: UnknownFieldPolicy = 'refuse',
): ContactRow {
	const node = ctx.getNode();
	const fields = mappedFields(ctx, itemIndex);
	const row: IDataObject = {};
	const omitted: string[] = [];
	for (const [field, value] of Object.entries(fields)) {
		if (value === undefined) continue;
		if (!isKnownField(surface, field)) {
			if (unknownFields === 'omit') {
				omitted.push(field);
				continue;
			}
			const known =
				surface === 'maacApi'
					? `MAAC v1 import has no such field; it accepts ${MAAC_FIELDS.join(', ')}`
					: `the Profile API import has no such field; it accepts ${PROFILE_API_FIELDS.join(', ')} and custom fields named ${CUSTOM_FIELD_PREFIX}<key>`;
			throw invalidField(node, itemIndex, field, `${known}. Remove or rename the field, or set Unknown Fields to "Leave the Field Out"`);
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
		checkFieldValue(node, itemIndex, field, row[field]);
		if (PHONE_FIELDS.includes(field)) {
			// The number that is checked is the number that is sent: the E.164 form (reference §0).
			const e164 = normalisePhone(String(row[field]));
			if (e164 === undefined) {
				throw invalidField(
					node,
					itemIndex,
					field,
					'is not a phone number in E.164 form: "+", the country code and the number are expected, e.g. +886912345678 (a local Taiwan mobile number 09xxxxxxxx is converted to +8869xxxxxxxx)',
				);
			}
			row[field] = e164;
		}
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
	return { row, keyValue, omitted };
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

/** Fields a failed task's result blames by name: unknown and missing columns (§5B B2). */
function blamedFields(result: IDataObject): string[] {
	const list = (value: unknown) => (Array.isArray(value) ? value.map(String) : []);
	return [...list(result.useless_fields), ...list(result.miss_fields)];
}

/**
 * Line UIDs listed in MAAC's mismatch file (contacts that do not exist or blocked the account, §5B B2),
 * or undefined when there is no file. The file's layout is not documented, so it is read without a header:
 * every cell that is a LINE UID counts, and anything else (a header row, if there is one) is skipped.
 */
async function mismatchedLineUids(transport: Transport, limiter: RateLimiter, link: unknown): Promise<Set<string> | undefined> {
	if (typeof link !== 'string' || link === '') return undefined;
	const response = await transport.request<string>({ method: 'GET', path: link, encoding: 'text', authenticated: false, limiter });
	const found = new Set<string>();
	for (const line of String(response.body ?? '').split(/\r?\n/)) {
		for (const cell of line.replace(/^\uFEFF/, '').split(',')) {
			const value = cell.trim().replace(/^"(.*)"$/, '$1');
			if (LINE_UID_PATTERN.test(value)) found.add(value);
		}
	}
	return found;
}

/** Task counters the item carries when the vendor gives no result per contact. */
const NO_PER_CONTACT_RESULT =
	'Crescendo Lab reports only counters for this task, not which contacts were matched: see taskResult (updated_num, created_num, mismatch_num).';

export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const surface = surfaceOf(this);
	const importKey = this.getNodeParameter('importKey', 0) as string;
	const options = this.getNodeParameter('options', 0, {}) as IDataObject;
	const policy: EmptyPolicy = options.emptyValues === 'null' ? 'null' : 'skip';
	const unknownFields: UnknownFieldPolicy = options.unknownFields === 'omit' ? 'omit' : 'refuse';
	const waitForCompletion = options.waitForCompletion !== false;
	const timing: Timing = readTiming(this, 0);
	const commonTags = tagList(options.tags);
	const longTag = commonTags?.find((tag) => tag.length > MAX_TAG_LENGTH);
	if (longTag) throw invalidField(this.getNode(), 0, 'Tags', `tag "${longTag}" is longer than ${MAX_TAG_LENGTH} characters`);

	// A busy answer is waited out for as long as the user allows one task to take.
	const { transport, paths } = await crescendoConnection(this, surface, { maxAttempts: 1000, maxElapsedMs: timing.maxWaitMs });
	const limiter = crescendoLimiter(timing.requestsPerMinute, transport);
	// Status checks and file downloads never spend the start budget (reference §0).
	const statusPace = statusLimiter(transport);
	const signal = this.getExecutionCancelSignal?.();

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
			const contact = buildContactRow(this, itemIndex, surface, importKey, policy, unknownFields);
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
				await waitForTask(this, transport, statusPace, paths.importStatus(previousTask), previousTask, timing);
			}
			const started = await startTask(
				transport,
				{ method: 'POST', path: paths.importStart, body: { ...envelope, data: batch.map((entry) => entry.payload.row) }, limiter },
				timing.maxWaitMs,
				signal,
			);
			const taskId = taskIdFrom(started.body);
			if (taskId === undefined) throw new Error('the service accepted the import but returned no task ID');
			previousTask = taskId;
			const base = (contact: ContactRow): IDataObject => ({
				taskId,
				importKey,
				keyValue: contact.keyValue,
				...(contact.omitted.length > 0 ? { omittedFields: contact.omitted } : {}),
			});
			if (!waitForCompletion) {
				return batch.map((entry) => ({ json: { ...base(entry.payload), taskStatus: 'started', outcome: 'started' } }));
			}

			const status = await waitForTask(this, transport, statusPace, paths.importStatus(taskId), taskId, timing);
			const failure = taskFailure(status);
			if (failure) {
				// The whole task failed; only a field the result names, and that this contact has, is blamed on it.
				const blamed = blamedFields((status.result ?? {}) as IDataObject);
				return batch.map((entry) => {
					const own = blamed.find((field) => field in entry.payload.row);
					const why = own === undefined && blamed.length > 0 ? '; this contact was not imported because of other contacts of the task' : '';
					return { error: rejectedItem(this.getNode(), entry.itemIndex, `Import task ${taskId}: ${failure}${why}`, own) };
				});
			}
			const result = (status.result ?? {}) as IDataObject;
			const mismatchCount = Number(result.mismatch_num ?? 0);
			// With line_uid, MAAC lists the mismatched contacts in a file; with any other key it gives counters only.
			const mismatched =
				mismatchCount > 0 && importKey === 'line_uid'
					? await mismatchedLineUids(transport, statusPace, result.mismatch_export_link)
					: undefined;
			return batch.map((entry) => {
				const shared = { ...base(entry.payload), taskStatus: String(status.status), taskResult: result };
				if (mismatchCount > 0 && mismatched === undefined) {
					return { json: { ...shared, outcome: 'submitted', reason: NO_PER_CONTACT_RESULT } };
				}
				const notMatched = mismatched?.has(entry.payload.keyValue) === true;
				return {
					json: {
						...shared,
						outcome: notMatched ? 'notMatched' : 'imported',
						...(notMatched ? { reason: 'No contact with this LINE UID, or the contact blocked the account' } : {}),
					},
				};
			});
		},
	});
	return run.results.output();
}
