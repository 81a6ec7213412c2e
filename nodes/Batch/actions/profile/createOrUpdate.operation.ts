import type { IDataObject, IExecuteFunctions, INode, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import type { BulkEntry, EntryOutcome } from '../../../shared/bulk';
import { runBulk } from '../../../shared/bulk';
import { jsonBytes } from '../../../shared/chunk';
import { invalidField, isParameterError, parameterFailed, rejectedItem } from '../../../shared/errors';
import type { EmptyValuePolicy } from '../../../shared/mapping';
import { applyEmptyPolicy } from '../../../shared/mapping';
import { ItemParameters } from '../../../shared/parameters';
import type { AttributeOptions, ColumnTypes } from '../../helpers/attributes';
import { AttributeProblem, buildAttributes, buildEvents, customIdOf, nameSet, textColumns } from '../../helpers/attributes';
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
	retryIfNothingApplied,
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
					'Events to track on the profile: an array (at most 15, inferred) of objects with a lowercase "name", an optional RFC 3339 "time" within the last 24 hours (inferred) and optional "attributes". A profile with events is always sent. Events are not idempotent, so a call carrying events is retried only when the failure shows nothing was applied (429, refused connection, or a 5xx with Batch\'s error body).',
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
				displayName: 'Convert Text Values',
				name: 'convertTextValues',
				type: 'boolean',
				default: false,
				description:
					'Whether to type text values as a CSV or spreadsheet gives them: numbers (no leading zero) become numbers, true/false become booleans and, with "Detect Dates", ISO-8601 dates with Z or an offset become dates in UTC. Each attribute then keeps the type its first item gave it: an item whose value has another type fails, naming the field.',
			},
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
	hasEvents: boolean;
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

interface BuiltProfile {
	customId: string;
	attributes: IDataObject;
	events?: IDataObject[];
}

interface CustomIdGroup {
	items: number[];
	/** The attributes Batch holds once every item of the group is applied, later items winning. */
	final: { customId: string; attributes: IDataObject };
	hasEvents: boolean;
}

function groupByCustomId(built: Map<number, BuiltProfile>): Map<string, CustomIdGroup> {
	const groups = new Map<string, CustomIdGroup>();
	for (const [itemIndex, { customId, attributes, events }] of built) {
		const group = groups.get(customId);
		if (!group) {
			groups.set(customId, { items: [itemIndex], final: { customId, attributes }, hasEvents: events !== undefined });
			continue;
		}
		group.items.push(itemIndex);
		group.final = { customId, attributes: { ...group.final.attributes, ...attributes } };
		group.hasEvents ||= events !== undefined;
	}
	return groups;
}

/** A parameter that could not be read for one item: the message names the item (and the parameter, for n8n's expression errors). */
function parameterProblem(node: INode, itemIndex: number, error: unknown): NodeOperationError {
	if (isParameterError(error)) return parameterFailed(node, itemIndex, error);
	const text = error instanceof Error ? error.message : String(error);
	const message = /^Item \d+\b/.test(text) ? text : `Item ${itemIndex}: ${text}`;
	return new NodeOperationError(node, message, { itemIndex, description: (error as { description?: string })?.description ?? undefined });
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
	const fail = (itemIndex: number, error: unknown) =>
		problems.set(
			itemIndex,
			error instanceof AttributeProblem ? invalidField(node, itemIndex, error.field, error.message) : parameterProblem(node, itemIndex, error),
		);
	// First the fields of every item, so "Convert Text Values" can type each column from all of its cells.
	const sources = new Map<number, { customIdField: string; fields: IDataObject }>();
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const customIdField = params.get<string>('customIdField', itemIndex);
			const fields = applyEmptyPolicy(sourceFields(this, params, itemIndex, customIdField), emptyValues === 'null' ? 'null' : 'skip');
			sources.set(itemIndex, { customIdField, fields });
		} catch (error) {
			fail(itemIndex, error);
		}
	}
	const columnTypes: ColumnTypes = new Map();
	const textKinds =
		options.convertTextValues === true
			? textColumns([...sources.values()].map((source) => source.fields), attributeOptions.detectDates)
			: undefined;
	for (const [itemIndex, { customIdField, fields }] of sources) {
		try {
			const customId = customIdOf(customIdField, pathValue(items[itemIndex].json, customIdField));
			const natives = params.get<IDataObject>('nativeAttributes', itemIndex, {});
			const additional = params.get<IDataObject>('additionalFields', itemIndex, {});
			const events = buildEvents('events', additional.events);
			const attributes = buildAttributes(fields, natives, attributeOptions, textKinds && { types: columnTypes, itemIndex, textKinds });
			if (Object.keys(attributes).length === 0 && !events) {
				throw new AttributeProblem(customIdField, 'the profile has no attributes and no events to send');
			}
			built.set(itemIndex, { customId, attributes, events: events as IDataObject[] | undefined });
		} catch (error) {
			fail(itemIndex, error);
		}
	}

	// One look at the store for the whole run, then the decisions, then the store keeps only what is still true.
	let sync: SyncState | undefined;
	if (onlySendChanges) {
		sync = new SyncState(syncStoreFor(this, granularity), granularity);
		const candidates = [...groupByCustomId(built).values()].map((group) => group.final);
		try {
			await sync.load(candidates);
		} catch {
			// The database store failed (for example an n8n without its deduplication service): fall back to
			// workflow static data rather than fail the run. (The static-data store itself cannot fail.)
			sync = new SyncState(new StaticDataSyncStore(this.getWorkflowStaticData('node'), granularity), granularity);
			await sync.load(candidates);
		}
	}
	// A Custom ID on several items is decided once, on the state Batch holds after all of them (later items
	// win): deciding each item against the one before made every later run send them all again.
	for (const group of groupByCustomId(built).values()) {
		const { customId } = group.final;
		const decision = sync?.decide(customId, group.final.attributes, group.hasEvents);
		const last = group.items[group.items.length - 1];
		for (const itemIndex of group.items) {
			const { attributes, events } = built.get(itemIndex)!;
			if (decision && decision.send === undefined) {
				settled.set(itemIndex, { customId, status: 'skipped', reason: 'unchanged since the last run Batch accepted it' });
				continue;
			}
			let sent = attributes;
			if (decision && granularity === 'attribute') {
				sent = Object.fromEntries(Object.entries(attributes).filter(([key]) => key in decision.send!));
				if (Object.keys(sent).length === 0 && !events) {
					settled.set(itemIndex, { customId, status: 'skipped', reason: 'unchanged since the last run Batch accepted it' });
					continue;
				}
			}
			const body: IDataObject = { identifiers: { custom_id: customId } };
			if (Object.keys(sent).length > 0) body.attributes = sent;
			if (events) body.events = events;
			prepared.set(itemIndex, {
				customId,
				body,
				hasEvents: events !== undefined,
				remember: itemIndex === last ? decision?.remember : undefined,
				attributes: Object.keys(sent),
			});
		}
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
			// Events are not idempotent (reference §0): a call carrying them is retried only on a failure that
			// shows Batch applied nothing, so an event is never tracked twice.
			retryIf: batch.some((entry) => entry.payload.hasEvents) ? retryIfNothingApplied : undefined,
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
				const category = typeof first.category === 'string' ? first.category : undefined;
				return { error: rejectedItem(node, entry.itemIndex, `Batch dropped part of profile "${customId}": ${reasons}`, attribute, category) };
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
