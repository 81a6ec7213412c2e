import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import type { BulkEntry, EntryOutcome } from '../../../shared/bulk';
import { runBulk } from '../../../shared/bulk';
import { jsonBytes } from '../../../shared/chunk';
import { invalidField, rejectedItem } from '../../../shared/errors';
import type { EmptyValuePolicy } from '../../../shared/mapping';
import { applyEmptyPolicy } from '../../../shared/mapping';
import { ItemParameters } from '../../../shared/parameters';
import type { AttributeOptions } from '../../helpers/attributes';
import { AttributeProblem, buildAttributes, buildEvents, customIdOf, nameSet } from '../../helpers/attributes';
import type { SyncGranularity, SyncKey } from '../../helpers/syncState';
import { StaticDataSyncStore, SyncState, syncStoreFor } from '../../helpers/syncState';
import type { ProfileRoute } from '../../transport';
import {
	connect,
	MASS_UPDATE_THRESHOLD,
	MAX_PROFILES_PER_MASS_UPDATE,
	MAX_PROFILES_PER_UPDATE,
	MAX_REQUEST_BYTES,
	profileLimiter,
	refillMs,
	REQUEST_CONCURRENCY,
	ROUTE_PATHS,
} from '../../transport';

const properties: INodeProperties[] = [
	{
		displayName:
			'Sends up to 200 profiles per call (update route) or up to 10,000 (mass-update route), paced under Batch\'s 300 and 10,000 profiles per second. Unchanged profiles are skipped when "Only Send Changes" is on; that state is kept in n8n\'s database and saved only for non-manual (scheduled, triggered or CLI) executions.',
		name: 'limitsNotice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Custom ID Field',
		name: 'customIdField',
		type: 'string',
		required: true,
		default: 'custom_id',
		placeholder: 'e.g. user_id',
		description:
			'Name of the input field that holds the profile\'s Custom ID (your own user ID). Dots reach into nested fields, e.g. customer.ref. Unknown IDs create a profile, known ones are updated.',
	},
	{
		displayName: 'Attributes to Send',
		name: 'attributesToSend',
		type: 'options',
		default: 'allFields',
		options: [
			{
				name: 'All Other Input Fields',
				value: 'allFields',
				description: 'Every input field except the Custom ID field and excluded fields becomes a custom attribute of the same name',
			},
			{
				name: 'Selected Input Fields',
				value: 'selectedFields',
				description: 'Only the listed input fields become custom attributes',
			},
			{
				name: 'Native Attributes Only',
				value: 'none',
				description: 'Send only the native attributes set below (and events)',
			},
		],
		description: 'Which input fields become custom attributes',
	},
	{
		displayName: 'Fields to Include',
		name: 'fieldsToInclude',
		type: 'string',
		default: '',
		placeholder: 'e.g. plan, logins, last_order_at',
		description: 'Comma-separated names of the input fields to send as custom attributes',
		displayOptions: { show: { attributesToSend: ['selectedFields'] } },
	},
	{
		displayName: 'Fields to Exclude',
		name: 'fieldsToExclude',
		type: 'string',
		default: '',
		placeholder: 'e.g. email, internal_notes',
		description: 'Comma-separated names of input fields not to send as custom attributes (for example fields you map to native attributes below)',
		displayOptions: { show: { attributesToSend: ['allFields'] } },
	},
	{
		displayName: 'Native Attributes',
		name: 'nativeAttributes',
		type: 'collection',
		placeholder: 'Add Native Attribute',
		default: {},
		description: 'Batch\'s built-in profile attributes. An empty value is not sent; an expression that returns null deletes the value.',
		options: [
			{
				displayName: 'Email Address',
				name: 'emailAddress',
				type: 'string',
				placeholder: 'name@email.com',
				default: '',
				description: 'The profile\'s email address (at most 256 characters)',
			},
			{
				displayName: 'Email Marketing',
				name: 'emailMarketing',
				type: 'options',
				default: 'subscribed',
				options: [
					{ name: 'Subscribed', value: 'subscribed' },
					{ name: 'Unsubscribed', value: 'unsubscribed' },
					{ name: 'Reset', value: 'reset', description: 'Clear the subscription state' },
				],
				description: 'Email marketing subscription state; subscribe only with the person\'s consent',
			},
			{
				displayName: 'Language',
				name: 'language',
				type: 'string',
				default: '',
				placeholder: 'e.g. fr',
				description: 'ISO 639-1 two-letter language code; a locale such as fr-FR is reduced to fr',
			},
			{
				displayName: 'Phone Number',
				name: 'phoneNumber',
				type: 'string',
				default: '',
				placeholder: 'e.g. +33600000000',
				description: 'Phone number in E.164 format: + then 1 to 15 digits',
			},
			{
				displayName: 'Region',
				name: 'region',
				type: 'string',
				default: '',
				placeholder: 'e.g. FR',
				description: 'ISO 3166-1 alpha-2 region code',
			},
			{
				displayName: 'SMS Marketing',
				name: 'smsMarketing',
				type: 'options',
				default: 'subscribed',
				options: [
					{ name: 'Subscribed', value: 'subscribed' },
					{ name: 'Unsubscribed', value: 'unsubscribed' },
					{ name: 'Reset', value: 'reset', description: 'Clear the subscription state' },
				],
				description: 'SMS marketing subscription state; subscribe only with the person\'s consent',
			},
			{
				displayName: 'Timezone',
				name: 'timezone',
				type: 'string',
				default: '',
				placeholder: 'e.g. Europe/Paris',
				description: 'IANA time zone name',
			},
		],
	},
	{
		displayName: 'Additional Fields',
		name: 'additionalFields',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		options: [
			{
				displayName: 'Events',
				name: 'events',
				type: 'json',
				default: '',
				placeholder: '[{"name": "validated_purchase", "time": "2024-05-01T10:00:00Z", "attributes": {"amount": 42.5}}]',
				description:
					'Events to track on the profile: an array (at most 15) of objects with a lowercase "name", an optional RFC 3339 "time" within the last 24 hours and optional "attributes". A profile with events is always sent.',
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
			{
				displayName: 'Date Attributes',
				name: 'dateAttributes',
				type: 'string',
				default: '',
				placeholder: 'e.g. birthdate, last_order_at',
				description: 'Comma-separated attribute names always sent as dates (ISO-8601 values, converted to UTC)',
			},
			{
				displayName: 'Detect Dates',
				name: 'detectDates',
				type: 'boolean',
				default: true,
				description: 'Whether to send strings shaped like 2024-05-01T10:00:00Z as date attributes',
			},
			{
				displayName: 'Empty Values',
				name: 'emptyValues',
				type: 'options',
				default: 'skip',
				options: [
					{ name: 'Skip the Field', value: 'skip', description: 'Batch keeps the value it has' },
					{ name: 'Delete the Attribute', value: 'null', description: 'Send null, which removes the attribute' },
				],
				description: 'What to do with input fields that are empty strings (Batch refuses empty strings)',
			},
			{
				displayName: 'Normalize Attribute Names',
				name: 'normalizeNames',
				type: 'boolean',
				default: false,
				description:
					'Whether to lowercase field names, replace characters other than a-z, 0-9 and _ with _ and cut them to 30 characters. Two fields that end up with one name fail their item instead of being merged.',
			},
			{
				displayName: 'Only Send Changes',
				name: 'onlySendChanges',
				type: 'boolean',
				default: true,
				description:
					'Whether to send only profiles that are new or changed since the last run in which Batch accepted them; unchanged ones are output as skipped',
			},
			{
				displayName: 'Profiles per Second',
				name: 'profilesPerSecond',
				type: 'number',
				default: 0,
				typeOptions: { minValue: 0 },
				description: 'Pace below this many profiles per second instead of Batch\'s limit for the route (300 update, 10,000 mass-update). 0 uses Batch\'s limit.',
			},
			{
				displayName: 'Route',
				name: 'route',
				type: 'options',
				default: 'auto',
				options: [
					{ name: 'Automatic', value: 'auto', description: 'Mass-update above 2,000 profiles to send, else update' },
					{ name: 'Update (Up to 200 per Call)', value: 'update', description: 'For live streams and small frequent batches' },
					{ name: 'Mass Update (Up to 10,000 per Call)', value: 'massUpdate', description: 'For large imports, once or twice a day' },
				],
				description: 'Which Batch endpoint receives the profiles',
			},
			{
				displayName: 'Send Changed Attributes Only',
				name: 'changedAttributesOnly',
				type: 'boolean',
				default: false,
				description:
					'Whether to send only the attributes that changed instead of all mapped attributes of a changed profile (applies with "Only Send Changes")',
			},
			{
				displayName: 'URL Attributes',
				name: 'urlAttributes',
				type: 'string',
				default: '',
				placeholder: 'e.g. avatar',
				description: 'Comma-separated attribute names sent as URLs (at most 2,048 characters)',
			},
		],
	},
];

export const description = updateDisplayOptions({ show: { resource: ['profile'], operation: ['createOrUpdate'] } }, properties);

interface ProfileOperation {
	customId: string;
	body: IDataObject;
	remember?: SyncKey[];
	attributes: string[];
}

interface PartialError {
	bulk_index?: unknown;
	attribute?: unknown;
	reason?: unknown;
	category?: unknown;
}

/** Reads `a.b.c` from an item without mutating it. */
function pathValue(json: IDataObject, path: string): unknown {
	if (path in json) return json[path];
	let current: unknown = json;
	for (const part of path.split('.')) {
		if (current === null || typeof current !== 'object') return undefined;
		current = (current as IDataObject)[part];
	}
	return current;
}

function sourceFields(ctx: IExecuteFunctions, params: ItemParameters, itemIndex: number, customIdField: string): IDataObject {
	const mode = params.get<string>('attributesToSend', itemIndex);
	const json = ctx.getInputData()[itemIndex].json;
	if (mode === 'none') return {};
	if (mode === 'selectedFields') {
		const out: IDataObject = {};
		for (const name of nameSet(params.get('fieldsToInclude', itemIndex, ''), false)) {
			const value = pathValue(json, name);
			if (value !== undefined) out[name] = value as IDataObject[string];
		}
		return out;
	}
	const excluded = nameSet(params.get('fieldsToExclude', itemIndex, ''), false);
	excluded.add(customIdField);
	const out: IDataObject = {};
	for (const [key, value] of Object.entries(json)) if (!excluded.has(key)) out[key] = value;
	return out;
}

export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const node = this.getNode();
	const options = this.getNodeParameter('options', 0, {}) as IDataObject;
	const onlySendChanges = options.onlySendChanges !== false;
	const granularity: SyncGranularity = options.changedAttributesOnly === true ? 'attribute' : 'profile';
	const normalizeNames = options.normalizeNames === true;
	const attributeOptions: AttributeOptions = {
		normalizeNames,
		detectDates: options.detectDates !== false,
		dateAttributes: nameSet(String(options.dateAttributes ?? ''), normalizeNames),
		urlAttributes: nameSet(String(options.urlAttributes ?? ''), normalizeNames),
	};
	const emptyValues = (options.emptyValues as EmptyValuePolicy | undefined) ?? 'skip';

	// Every item is built and checked first: bad input fails its item before anything is sent, and the
	// number of profiles to send decides the route.
	const built = new Map<number, { customId: string; attributes: IDataObject; events?: IDataObject[] }>();
	const prepared = new Map<number, ProfileOperation>();
	const settled = new Map<number, IDataObject>();
	const problems = new Map<number, Error>();
	const params = new ItemParameters(this);
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		const customIdField = params.get<string>('customIdField', itemIndex);
		try {
			const customId = customIdOf(customIdField, pathValue(items[itemIndex].json, customIdField));
			const fields = applyEmptyPolicy(sourceFields(this, params, itemIndex, customIdField), emptyValues === 'null' ? 'null' : 'skip');
			const natives = params.get<IDataObject>('nativeAttributes', itemIndex, {});
			const attributes = buildAttributes(fields, natives, attributeOptions);
			const additional = params.get<IDataObject>('additionalFields', itemIndex, {});
			const events = buildEvents('events', additional.events);
			if (Object.keys(attributes).length === 0 && !events) {
				throw new AttributeProblem(customIdField, 'the profile has no attributes and no events to send');
			}
			built.set(itemIndex, { customId, attributes, events: events as IDataObject[] | undefined });
		} catch (error) {
			problems.set(
				itemIndex,
				error instanceof AttributeProblem
					? invalidField(node, itemIndex, error.field, error.message)
					: new NodeOperationError(node, error as Error, { itemIndex }),
			);
		}
	}

	// One look at the store for the whole run, then the decisions, then the store keeps only what is still true.
	let sync: SyncState | undefined;
	if (onlySendChanges) {
		sync = new SyncState(syncStoreFor(this, granularity), granularity);
		try {
			await sync.load([...built.values()]);
		} catch {
			// The database store failed (for example an n8n without its deduplication service): fall back to
			// workflow static data rather than fail the run. (The static-data store itself cannot fail.)
			sync = new SyncState(new StaticDataSyncStore(this.getWorkflowStaticData('node'), granularity), granularity);
			await sync.load([...built.values()]);
		}
	}
	for (const [itemIndex, { customId, attributes, events }] of built) {
		const decision = sync?.decide(customId, attributes, events !== undefined);
		if (decision && decision.send === undefined) {
			settled.set(itemIndex, { customId, status: 'skipped', reason: 'unchanged since the last run Batch accepted it' });
			continue;
		}
		const sent = decision?.send ?? attributes;
		const body: IDataObject = { identifiers: { custom_id: customId } };
		if (Object.keys(sent).length > 0) body.attributes = sent;
		if (events) body.events = events;
		prepared.set(itemIndex, { customId, body, remember: decision?.remember, attributes: Object.keys(sent) });
	}
	await sync?.retain();

	const routeOption = (options.route as string | undefined) ?? 'auto';
	const route: ProfileRoute =
		routeOption === 'update' || routeOption === 'massUpdate'
			? routeOption
			: prepared.size > MASS_UPDATE_THRESHOLD
				? 'massUpdate'
				: 'update';
	const { transport, cepPrefix } = await connect(this);
	const overridePerSecond = Number(options.profilesPerSecond ?? 0);
	const limiter = profileLimiter(route, overridePerSecond);
	const path = `${cepPrefix}${ROUTE_PATHS[route]}`;

	const send = async (batch: Array<BulkEntry<ProfileOperation>>): Promise<EntryOutcome[]> => {
		const response = await transport.request<{ code?: unknown; errors?: PartialError[] }>({
			method: 'POST',
			path,
			body: batch.map((entry) => entry.payload.body),
			limiter,
			records: batch.length,
		});
		const pause = refillMs(route, batch.length, overridePerSecond);
		if (pause > 0) limiter.pauseUntil(transport.clock.now() + pause);
		const answer = response.body ?? {};
		const byIndex = new Map<number, PartialError[]>();
		let unplaced = 0;
		if (answer.code === 'SUCCESS_WITH_PARTIAL_ERRORS') {
			for (const error of answer.errors ?? []) {
				const index = Number(error.bulk_index);
				if (Number.isInteger(index) && index >= 0 && index < batch.length) {
					byIndex.set(index, [...(byIndex.get(index) ?? []), error]);
				} else {
					unplaced++;
				}
			}
		}
		// Only a clear answer lets the node trust that Batch holds what was sent.
		const trusted = (answer.code === 'SUCCESS' || answer.code === 'SUCCESS_WITH_PARTIAL_ERRORS') && unplaced === 0;
		return batch.map((entry, position) => {
			const { customId, remember, attributes } = entry.payload;
			const errors = byIndex.get(position);
			if (errors) {
				const first = errors[0];
				const attribute = typeof first.attribute === 'string' ? first.attribute : undefined;
				const reasons = errors
					.map((error) => `${typeof error.attribute === 'string' ? `"${error.attribute}": ` : ''}${String(error.reason ?? error.category ?? 'rejected')}`)
					.join('; ');
				return { error: rejectedItem(node, entry.itemIndex, `Batch dropped part of profile "${customId}": ${reasons}`, attribute) };
			}
			if (trusted && sync && remember !== undefined) sync.accept(customId, remember);
			const json: IDataObject = { customId, status: 'sent', route, attributes };
			if (!trusted) {
				json.warning = `Batch answered ${JSON.stringify(answer).slice(0, 200)}; this profile will be sent again next run`;
			}
			return { json };
		});
	};

	const run = await runBulk<ProfileOperation | undefined>(this, items.length, {
		prepare: (itemIndex) => {
			const problem = problems.get(itemIndex);
			if (problem) throw problem;
			return prepared.get(itemIndex);
		},
		settle: (payload, itemIndex) => (payload === undefined ? settled.get(itemIndex) : undefined),
		limits: {
			maxUnits: route === 'update' ? MAX_PROFILES_PER_UPDATE : MAX_PROFILES_PER_MASS_UPDATE,
			maxBytes: MAX_REQUEST_BYTES,
		},
		bytes: (payload) => jsonBytes(payload!.body),
		keys: (payload) => [payload!.customId],
		concurrency: route === 'update' ? REQUEST_CONCURRENCY : 1,
		send: async (batch) => await send(batch as Array<BulkEntry<ProfileOperation>>),
		requestName: `The ${route === 'update' ? 'profile update' : 'profile mass-update'} request`,
	}).finally(async () => await sync?.save());
	// Saved before output(): a run that stops on an error still remembers what Batch accepted.
	return run.results.output();
}
