import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { emptyValuesOption } from '../../../shared/emptyValues';
import { runSync, syncOption } from '../../../shared/sync';
import { EMPTY_VALUES, EMPTY_VALUES_NODE_VERSION } from '../../helpers/attributes';
import { concurrencyOption } from '../../helpers/concurrency';
import { count, USER_BATCH_TEXT } from '../../helpers/limitTexts';
import { catalogueIfAsked, metadataOption } from '../../helpers/metadata';
import type { SyncedUser } from '../../helpers/sync';
import { sendAttributeClears, userTracking, withoutClears } from '../../helpers/sync';
import { acceptedUser, upsertEnvelope, userReader } from '../../helpers/upsertUsers';
import { userBatchOptions } from '../../helpers/userBatches';
import type { InsiderApi } from '../../transport';
import { UPSERT_PATH, USER_WRITE_REQUESTS_PER_MINUTE } from '../../transport';

const properties: INodeProperties[] = [
	{
		displayName: `Users are sent in ${USER_BATCH_TEXT}, several at once, paced under the ${count(USER_WRITE_REQUESTS_PER_MINUTE)} requests a minute Insider allows. Every input item gets its own result or error.`,
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
			{ ...emptyValuesOption(EMPTY_VALUES), displayOptions: { show: { '@version': [{ _cnd: { gte: EMPTY_VALUES_NODE_VERSION } }] } } },
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
				displayOptions: { show: { '@version': [{ _cnd: { lt: EMPTY_VALUES_NODE_VERSION } }] } },
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
	syncOption('users', {}, { clearRemovedFields: true }),
];

export const description = updateDisplayOptions({ show: { resource: ['user'], operation: ['upsert'] } }, properties);

/**
 * Reads every item's user, then sends them in batches and maps Insider's per-user errors back to items;
 * with the Sync option, only the users that are new or changed (and every user with events).
 */
export async function execute(this: IExecuteFunctions, api: InsiderApi): Promise<INodeExecutionData[][]> {
	const options = this.getNodeParameter('options', 0, {}) as IDataObject;
	const catalogue = await catalogueIfAsked(this, api.transport);
	const upsert = userBatchOptions<SyncedUser>(this, api, {
		path: UPSERT_PATH,
		envelope: upsertEnvelope(options),
		prepare: userReader(this, options, catalogue),
		requestName: 'The upsert request',
		accepted: acceptedUser,
	});
	return await runSync(this, this.getInputData().length, userTracking(), {
		...upsert,
		// Clear Removed Fields: the users of this request that lost attributes get them deleted right after.
		send: async (batch, batchNumber) => await sendAttributeClears(this, api, batch, await upsert.send(batch.map(withoutClears), batchNumber)),
	});
}
