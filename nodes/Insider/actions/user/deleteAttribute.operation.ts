import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { runBulk } from '../../../shared/bulk';
import { jsonBytes } from '../../../shared/chunk';
import { invalidField } from '../../../shared/errors';
import { parseJsonParameter } from '../../../shared/mapping';
import { mapBatchResponse } from '../../helpers/responses';
import { loadAttributeCatalogue, metadataOption, usesMetadata } from '../../helpers/metadata';
import type { AttributeCatalogue, UserAddress } from '../../helpers/user';
import { classifyAttribute } from '../../helpers/user';
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
			'Attributes to delete; custom attributes start with "c_". Email, phone number and UUID can be deleted as attributes unless the account uses them as identifiers (Insider then refuses them for that user: use Identifier → Delete). Choose from the list, or specify IDs using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
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
		options: [
			concurrencyOption,
			metadataOption('Without it, names that are not Insider default attributes are deleted as custom attributes.'),
		],
	},
];

export const description = updateDisplayOptions({ show: { resource: ['user'], operation: ['deleteAttribute'] } }, properties);

interface AttributeDeletion extends UserAddress {
	whole?: string[];
	partial?: IDataObject;
	custom?: { whole?: string[]; partial?: IDataObject };
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

function readDeletion(ctx: IExecuteFunctions, itemIndex: number, catalogue?: AttributeCatalogue): AttributeDeletion {
	const deletion: AttributeDeletion = { ...readAddress(ctx, itemIndex) };
	const mode = ctx.getNodeParameter('mode', itemIndex) as string;
	if (mode === 'partial') {
		const name = String(ctx.getNodeParameter('attributeName', itemIndex, '')).trim();
		if (!name) throw invalidField(ctx.getNode(), itemIndex, 'attributeName', 'choose the array attribute');
		const { custom, key } = classifyAttribute(name, catalogue);
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
		const { custom, key } = classifyAttribute(name, catalogue);
		(custom ? customWhole : whole).push(key);
	}
	if (whole.length > 0) deletion.whole = whole;
	if (customWhole.length > 0) deletion.custom = { whole: customWhole };
	return deletion;
}

export async function execute(this: IExecuteFunctions, env: InsiderEnv): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const useMetadata = (this.getNodeParameter('options', 0, {}) as IDataObject).useMetadata;
	const catalogue = usesMetadata(this, useMetadata) ? await loadAttributeCatalogue(env.transport) : undefined;
	const { results } = await runBulk<AttributeDeletion>(this, items.length, {
		prepare: (itemIndex) => readDeletion(this, itemIndex, catalogue),
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
