import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { runBulk } from '../../../shared/bulk';
import { jsonBytes } from '../../../shared/chunk';
import { invalidField } from '../../../shared/errors';
import { parseJsonParameter } from '../../../shared/mapping';
import { mapBatchResponse } from '../../helpers/responses';
import type { UserAddress } from '../../helpers/user';
import { CUSTOM_PREFIX, DEFAULT_ATTRIBUTE_KEYS, DEFAULT_IDENTIFIER_KEYS } from '../../helpers/user';
import { MAX_REQUEST_BYTES, MAX_USERS_PER_REQUEST } from '../../transport';
import type { InsiderEnv } from '../common';
import { addressKeys, addressProperties, concurrencyOption, readAddress, readConcurrency } from '../common';

const properties: INodeProperties[] = [
	{
		displayName:
			'Deletes for good. Users are sent in requests of up to 1,000 users and 5 MB, paced under the 25,000 requests a minute Insider shares with upserts.',
		name: 'deleteAttributeNotice',
		type: 'notice',
		default: '',
	},
	...addressProperties(),
	{
		displayName: 'Delete',
		name: 'mode',
		type: 'options',
		options: [
			{ name: 'Whole Attribute', value: 'whole', description: 'Remove the attribute and its value' },
			{ name: 'Values of an Array Attribute', value: 'partial', description: 'Remove some values from a list attribute' },
		],
		default: 'whole',
	},
	{
		displayName: 'Attribute Names or IDs',
		name: 'attributeNames',
		type: 'multiOptions',
		typeOptions: { loadOptionsMethod: 'getAttributes' },
		default: [],
		required: true,
		description:
			'Attributes to delete; custom attributes start with "c_". Identifiers cannot be deleted here. Choose from the list, or specify IDs using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
		displayOptions: { show: { mode: ['whole'] } },
	},
	{
		displayName: 'Attribute Name or ID',
		name: 'attributeName',
		type: 'options',
		typeOptions: { loadOptionsMethod: 'getAttributes' },
		default: '',
		required: true,
		description:
			'The array attribute to remove values from. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
		displayOptions: { show: { mode: ['partial'] } },
	},
	{
		displayName: 'Values',
		name: 'values',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'value1, value2',
		description: 'Values to remove: a JSON list such as [1, 2] or comma-separated text',
		displayOptions: { show: { mode: ['partial'] } },
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [concurrencyOption],
	},
];

export const description = updateDisplayOptions({ show: { resource: ['user'], operation: ['deleteAttribute'] } }, properties);

interface AttributeDeletion extends UserAddress {
	whole?: string[];
	partial?: IDataObject;
	custom?: { whole?: string[]; partial?: IDataObject };
}

/** `c_name` and names that are not default attributes are custom attributes, sent without the prefix. */
function splitName(name: string): { custom: boolean; key: string } {
	if (name.startsWith(CUSTOM_PREFIX) && name.length > CUSTOM_PREFIX.length) return { custom: true, key: name.slice(CUSTOM_PREFIX.length) };
	return { custom: !DEFAULT_ATTRIBUTE_KEYS.has(name), key: name };
}

function checkName(ctx: IExecuteFunctions, itemIndex: number, field: string, name: string): void {
	if ((DEFAULT_IDENTIFIER_KEYS as readonly string[]).includes(name)) {
		throw invalidField(ctx.getNode(), itemIndex, field, `"${name}" is an identifier; use Identifier → Delete for it`);
	}
}

function readValues(ctx: IExecuteFunctions, itemIndex: number): unknown[] {
	const raw = ctx.getNodeParameter('values', itemIndex, '') as unknown;
	if (Array.isArray(raw)) return raw;
	const text = String(raw ?? '').trim();
	if (text.startsWith('[')) {
		let parsed: unknown;
		try {
			parsed = parseJsonParameter(text);
		} catch (error) {
			throw invalidField(ctx.getNode(), itemIndex, 'values', `is not a valid JSON list: ${(error as Error).message}`);
		}
		if (Array.isArray(parsed)) return parsed;
	}
	const values = text
		.split(',')
		.map((value) => value.trim())
		.filter((value) => value !== '');
	if (values.length === 0) throw invalidField(ctx.getNode(), itemIndex, 'values', 'give at least one value to remove');
	return values;
}

function readDeletion(ctx: IExecuteFunctions, itemIndex: number): AttributeDeletion {
	const deletion: AttributeDeletion = { ...readAddress(ctx, itemIndex) };
	const mode = ctx.getNodeParameter('mode', itemIndex) as string;
	if (mode === 'partial') {
		const name = String(ctx.getNodeParameter('attributeName', itemIndex, '')).trim();
		if (!name) throw invalidField(ctx.getNode(), itemIndex, 'attributeName', 'choose the array attribute');
		checkName(ctx, itemIndex, 'attributeName', name);
		const { custom, key } = splitName(name);
		const values = readValues(ctx, itemIndex);
		if (custom) deletion.custom = { partial: { [key]: values } };
		else deletion.partial = { [key]: values };
		return deletion;
	}
	const names = (ctx.getNodeParameter('attributeNames', itemIndex, []) as string[]).map((name) => String(name).trim()).filter((name) => name);
	if (names.length === 0) throw invalidField(ctx.getNode(), itemIndex, 'attributeNames', 'choose at least one attribute');
	const whole: string[] = [];
	const customWhole: string[] = [];
	for (const name of names) {
		checkName(ctx, itemIndex, 'attributeNames', name);
		const { custom, key } = splitName(name);
		(custom ? customWhole : whole).push(key);
	}
	if (whole.length > 0) deletion.whole = whole;
	if (customWhole.length > 0) deletion.custom = { whole: customWhole };
	return deletion;
}

export async function execute(this: IExecuteFunctions, env: InsiderEnv): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const { results } = await runBulk<AttributeDeletion>(this, items.length, {
		prepare: (itemIndex) => readDeletion(this, itemIndex),
		limits: { maxUnits: MAX_USERS_PER_REQUEST, maxBytes: MAX_REQUEST_BYTES, envelopeBytes: jsonBytes({ users: [] }) },
		concurrency: readConcurrency(this),
		keys: addressKeys,
		requestName: 'The attribute delete request',
		send: async (batch) => {
			const response = await env.transport.request({
				method: 'POST',
				path: '/api/user/v1/attribute/delete',
				body: { users: batch.map((entry) => entry.payload) },
				limiter: env.limiters.userWrite,
			});
			return mapBatchResponse(this.getNode(), batch, response.body, (entry) => ({ deleted: true, ...entry.payload }));
		},
	});
	return results.output();
}
