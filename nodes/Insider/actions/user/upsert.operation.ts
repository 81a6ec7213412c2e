import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { runBulk } from '../../../shared/bulk';
import { jsonBytes } from '../../../shared/chunk';
import { invalidField } from '../../../shared/errors';
import { parseJsonParameter } from '../../../shared/mapping';
import { mapBatchResponse } from '../../helpers/responses';
import { loadAttributeCatalogue, metadataOption, usesMetadata } from '../../helpers/metadata';
import type { AttributeCatalogue, NullPolicy, UpsertUser } from '../../helpers/user';
import { buildAddress, buildAttributes, buildEvents, DEFAULT_IDENTIFIER_KEYS, isPlainObject } from '../../helpers/user';
import { MAX_REQUEST_BYTES, MAX_USERS_PER_REQUEST } from '../../transport';
import type { InsiderEnv } from '../common';
import { addressKeys, concurrencyOption, readConcurrency } from '../common';

const properties: INodeProperties[] = [
	{
		displayName:
			'Users are sent in requests of up to 1,000 users and 5 MB, several at once, paced under the 25,000 requests a minute Insider allows. Every input item gets its own result or error.',
		name: 'upsertNotice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Mapping Mode',
		name: 'mappingMode',
		type: 'options',
		options: [
			{
				name: 'Map Automatically',
				value: 'autoMap',
				description: 'Each input item is one user: identifier fields, attribute fields and an events list',
			},
			{ name: 'Define Below', value: 'defineBelow', description: 'Set identifiers, attributes and events field by field' },
		],
		default: 'autoMap',
	},
	{
		displayName:
			'Item fields email, phone_number and uuid become identifiers (as do "insider_id" and an "identifiers" object); to send them as attributes instead (accounts that do not use them as identifiers), put them in an "attributes" object of the item. Default attributes (name, age, email_optin, birthday…) are sent as such; any other field becomes a custom attribute; an "events" list is sent as events. A birthday given as YYYY-MM-DD is sent as midnight UTC of that date.',
		name: 'autoMapNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { mappingMode: ['autoMap'] } },
	},
	{
		displayName: 'Insider ID',
		name: 'insiderId',
		type: 'string',
		default: '',
		description: "Insider's profile ID of the user; leave empty to match by identifiers",
		displayOptions: { show: { mappingMode: ['defineBelow'] } },
	},
	{
		displayName: 'Identifiers',
		name: 'identifiers',
		type: 'collection',
		placeholder: 'Add Identifier',
		default: {},
		description: 'Identifiers Insider matches the user by; at least one (or an Insider ID) is required',
		displayOptions: { show: { mappingMode: ['defineBelow'] } },
		options: [
			{ displayName: 'Email', name: 'email', type: 'string', placeholder: 'name@email.com', default: '' },
			{
				displayName: 'Phone Number',
				name: 'phone_number',
				type: 'string',
				default: '',
				placeholder: '+6598765432',
				description: 'In E.164 form: a plus sign, the country code and the number',
			},
			{ displayName: 'UUID', name: 'uuid', type: 'string', default: '', description: 'Your own user ID' },
		],
	},
	{
		displayName: 'Custom Identifiers',
		name: 'customIdentifiers',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Custom Identifier',
		default: {},
		displayOptions: { show: { mappingMode: ['defineBelow'] } },
		options: [
			{
				displayName: 'Identifier',
				name: 'identifier',
				values: [
					{ displayName: 'Name', name: 'name', type: 'string', default: '', placeholder: 'user_loyalty_id' },
					{ displayName: 'Value', name: 'value', type: 'string', default: '' },
				],
			},
		],
	},
	{
		displayName: 'Attributes',
		name: 'attributes',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Attribute',
		default: {},
		displayOptions: { show: { mappingMode: ['defineBelow'] } },
		options: [
			{
				displayName: 'Attribute',
				name: 'attribute',
				values: [
					{
						displayName: 'Name or ID',
						name: 'name',
						type: 'options',
						typeOptions: { loadOptionsMethod: 'getAttributes' },
						default: '',
						description:
							'Attribute to set. Custom attributes start with "c_". Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
					},
					{
						displayName: 'Value',
						name: 'value',
						type: 'string',
						default: '',
						description: "Value to set; an expression keeps its type (number, boolean, list), so 0 and false are sent as such",
					},
				],
			},
		],
	},
	{
		displayName: 'Events',
		name: 'events',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Event',
		default: {},
		displayOptions: { show: { mappingMode: ['defineBelow'] } },
		options: [
			{
				displayName: 'Event',
				name: 'event',
				values: [
					{
						displayName: 'Event Name or ID',
						name: 'name',
						type: 'options',
						typeOptions: { loadOptionsMethod: 'getEvents' },
						default: '',
						description:
							'Lowercase event name such as purchase. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
					},
					{
						displayName: 'Timestamp',
						name: 'timestamp',
						type: 'string',
						default: '={{ $now.toUTC().toISO({ suppressMilliseconds: true }) }}',
						description: 'When the event happened, RFC 3339 (e.g. 2024-01-10T21:35:20Z)',
					},
					{
						displayName: 'Parameters (JSON)',
						name: 'params',
						type: 'json',
						default: '{}',
						description:
							'Event parameters such as {"product_id": "A1", "currency": "USD"}; custom parameters go under "custom". Purchase needs event_group_id, unit_sale_price, currency and quantity.',
					},
				],
			},
		],
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			concurrencyOption,
			metadataOption('Without it, or when the token may not read that list, names that are not Insider default attributes are sent as custom attributes.'),
			{
				displayName: 'Custom Identifier Fields',
				name: 'customIdentifierFields',
				type: 'string',
				default: '',
				placeholder: 'user_loyalty_id, crm_id',
				description: 'Comma-separated item fields that are custom identifiers rather than custom attributes (Map Automatically)',
			},
			{
				displayName: 'Error Callback URL',
				name: 'errorCallbackUrl',
				type: 'string',
				default: '',
				description: 'URL Insider calls if a request it accepted fails later, while it merges the data into profiles',
			},
			{
				displayName: 'Fields to Ignore',
				name: 'ignoreFields',
				type: 'string',
				default: '',
				placeholder: 'rowNumber, createdAt',
				description: 'Comma-separated item fields not to send (Map Automatically)',
			},
			{
				displayName: 'Null Values',
				name: 'nullValues',
				type: 'options',
				options: [
					{ name: 'Leave Out', value: 'omit', description: 'Insider keeps the value it has' },
					{ name: 'Send as Null', value: 'send', description: 'Send null as given' },
				],
				default: 'omit',
				description: "What to do with attributes whose value is null. Empty strings, 0 and false are always sent as given.",
			},
			{
				displayName: 'Replace Array Attributes',
				name: 'replaceArrays',
				type: 'boolean',
				default: false,
				description: 'Whether array attributes replace the stored list instead of being appended to it',
			},
			{
				displayName: 'Skip Journeys and Data Streams',
				name: 'skipHook',
				type: 'boolean',
				default: false,
				description: 'Whether the imported data should not trigger journeys ("On Event" starters) and data streams',
			},
		],
	},
];

export const description = updateDisplayOptions({ show: { resource: ['user'], operation: ['upsert'] } }, properties);

/** Default plus custom attributes sent for one user. */
function countAttributes(attributes: IDataObject | undefined): number {
	if (!attributes) return 0;
	const custom = isPlainObject(attributes.custom) ? Object.keys(attributes.custom).length : 0;
	return Object.keys(attributes).filter((key) => key !== 'custom').length + custom;
}

function splitList(value: unknown): string[] {
	return String(value ?? '')
		.split(',')
		.map((part) => part.trim())
		.filter((part) => part !== '');
}

/** Builds one user from an item's own fields (Map Automatically). */
export function userFromItem(
	ctx: IExecuteFunctions,
	itemIndex: number,
	json: IDataObject,
	settings: { customIdentifierFields: string[]; ignoreFields: string[]; nulls: NullPolicy; catalogue?: AttributeCatalogue },
): UpsertUser {
	const node = ctx.getNode();
	const identifiers: IDataObject = isPlainObject(json.identifiers) ? { ...json.identifiers } : {};
	const custom: IDataObject = {};
	const attributeFields: IDataObject = isPlainObject(json.attributes) ? { ...json.attributes } : {};
	for (const [key, value] of Object.entries(json)) {
		if (settings.ignoreFields.includes(key)) continue;
		if (['identifiers', 'attributes', 'events', 'insider_id', 'not_append', 'append'].includes(key)) continue;
		if ((DEFAULT_IDENTIFIER_KEYS as readonly string[]).includes(key)) {
			if (identifiers[key] === undefined) identifiers[key] = value;
		} else if (settings.customIdentifierFields.includes(key)) {
			custom[key] = value;
		} else {
			attributeFields[key] = value;
		}
	}
	const address = buildAddress(node, itemIndex, { insiderId: json.insider_id, identifiers, custom });
	const user: UpsertUser = { ...address };
	const attributes = buildAttributes(node, itemIndex, attributeFields, settings.nulls, undefined, settings.catalogue);
	if (attributes) user.attributes = attributes;
	const events = buildEvents(node, itemIndex, json.events);
	if (events.length > 0) user.events = events;
	if (typeof json.not_append === 'boolean') user.not_append = json.not_append;
	if (typeof json.append === 'boolean') user.not_append = !json.append;
	return user;
}

/** Builds one user from the field-by-field parameters (Define Below). */
function userFromParameters(ctx: IExecuteFunctions, itemIndex: number, nulls: NullPolicy, catalogue?: AttributeCatalogue): UpsertUser {
	const node = ctx.getNode();
	const identifiers = ctx.getNodeParameter('identifiers', itemIndex, {}) as IDataObject;
	const customList = (ctx.getNodeParameter('customIdentifiers.identifier', itemIndex, []) as IDataObject[]) ?? [];
	const custom: IDataObject = {};
	customList.forEach((entry, position) => {
		const name = String(entry.name ?? '').trim();
		if (!name) throw invalidField(node, itemIndex, `customIdentifiers.${position}.name`, 'is empty');
		custom[name] = entry.value;
	});
	const address = buildAddress(node, itemIndex, {
		insiderId: ctx.getNodeParameter('insiderId', itemIndex, ''),
		identifiers,
		custom,
	});
	const attributeList = (ctx.getNodeParameter('attributes.attribute', itemIndex, []) as IDataObject[]) ?? [];
	const fields: IDataObject = {};
	attributeList.forEach((entry, position) => {
		const name = String(entry.name ?? '').trim();
		if (!name) throw invalidField(node, itemIndex, `attributes.${position}.name`, 'is empty');
		fields[name] = entry.value;
	});
	const eventList = (ctx.getNodeParameter('events.event', itemIndex, []) as IDataObject[]) ?? [];
	const rawEvents = eventList.map((entry, position) => {
		let params: unknown;
		try {
			params = parseJsonParameter(entry.params);
		} catch (error) {
			throw invalidField(node, itemIndex, `events.${position}.event_params`, `is not valid JSON: ${(error as Error).message}`);
		}
		const event: IDataObject = { event_name: entry.name, timestamp: entry.timestamp };
		if (params !== undefined) event.event_params = params as IDataObject;
		return event;
	});
	const user: UpsertUser = { ...address };
	const attributes = buildAttributes(node, itemIndex, fields, nulls, undefined, catalogue);
	if (attributes) user.attributes = attributes;
	const events = buildEvents(node, itemIndex, rawEvents);
	if (events.length > 0) user.events = events;
	return user;
}

export async function execute(this: IExecuteFunctions, env: InsiderEnv): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const mode = this.getNodeParameter('mappingMode', 0) as string;
	const options = this.getNodeParameter('options', 0, {}) as IDataObject;
	const nulls = (options.nullValues as NullPolicy) ?? 'omit';
	const catalogue = usesMetadata(this, options.useMetadata) ? await loadAttributeCatalogue(env.transport) : undefined;
	const settings = {
		customIdentifierFields: splitList(options.customIdentifierFields),
		ignoreFields: splitList(options.ignoreFields),
		nulls,
		catalogue,
	};
	const envelope: IDataObject = { users: [] };
	if (options.skipHook === true) envelope.skip_hook = true;
	const callback = String(options.errorCallbackUrl ?? '').trim();
	if (callback) envelope.error_callback_endpoint = callback;

	const { results } = await runBulk<UpsertUser>(this, items.length, {
		prepare: (itemIndex) => {
			const user =
				mode === 'defineBelow'
					? userFromParameters(this, itemIndex, nulls, catalogue)
					: userFromItem(this, itemIndex, items[itemIndex].json, settings);
			if (!user.attributes && !user.events) {
				throw invalidField(this.getNode(), itemIndex, 'attributes', 'the user has no attributes and no events to send');
			}
			if (options.replaceArrays === true) user.not_append = true;
			return user;
		},
		limits: { maxUnits: MAX_USERS_PER_REQUEST, maxBytes: MAX_REQUEST_BYTES, envelopeBytes: jsonBytes(envelope) },
		concurrency: readConcurrency(this),
		keys: addressKeys,
		requestName: 'The upsert request',
		send: async (batch) => {
			const response = await env.transport.request({
				method: 'POST',
				path: '/api/user/v1/upsert',
				body: { ...envelope, users: batch.map((entry) => entry.payload) },
				limiter: env.limiters.userWrite,
			});
			return mapBatchResponse(this.getNode(), batch, response.body, (entry) => ({
				status: 'accepted',
				...(entry.payload.insider_id ? { insider_id: entry.payload.insider_id } : {}),
				...(entry.payload.identifiers ? { identifiers: entry.payload.identifiers } : {}),
				attributes: countAttributes(entry.payload.attributes),
				events: entry.payload.events?.length ?? 0,
			}));
		},
	});
	return results.output();
}
