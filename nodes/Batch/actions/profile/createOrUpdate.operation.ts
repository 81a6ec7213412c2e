import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import type { BulkPreparation } from '../../../shared/bulk';
import { runBulk } from '../../../shared/bulk';
import type { ChangeTracker } from '../../../shared/changes';
import { jsonBytes } from '../../../shared/chunk';
import { emptyValuesOption } from '../../../shared/emptyValues';
import { runSync, syncOption } from '../../../shared/sync';
import { MAX_ATTRIBUTE_NAME_LENGTH, MAX_EMAIL_LENGTH, MAX_EVENT_AGE_HOURS, MAX_EVENTS_PER_PROFILE, MAX_PHONE_DIGITS, MAX_URL_LENGTH } from '../../helpers/attributes';
import type { ProfileOperation } from '../../helpers/operations';
import { followPlan, planOperations, profileOperation } from '../../helpers/operations';
import type { ProfileSettings } from '../../helpers/profiles';
import { EMPTY_VALUES, profileReader, profileSettings, readProfiles } from '../../helpers/profiles';
import { chooseRoute } from '../../helpers/route';
import { profileSender } from '../../helpers/sendProfiles';
import { profileTracking, SYNC_DEFAULTS, SYNC_NODE_VERSION } from '../../helpers/sync';
import { loadSyncState } from '../../helpers/syncState';
import type { BatchApi } from '../../transport';
import { limitText, MASS_UPDATE_PROFILES_PER_SECOND, MASS_UPDATE_THRESHOLD, MAX_PROFILES_PER_MASS_UPDATE, MAX_PROFILES_PER_UPDATE, UPDATE_PROFILES_PER_SECOND } from '../../transport';

/** A native attribute given as text (reference §4.1). */
const nativeText = (displayName: string, name: string, placeholder: string, description: string): INodeProperties => ({
	displayName,
	name,
	type: 'string',
	default: '',
	placeholder,
	description,
});

/** A native subscription state (Email Marketing, SMS Marketing). */
const subscription = (channel: 'Email' | 'SMS', name: string): INodeProperties => ({
	displayName: `${channel} Marketing`,
	name,
	type: 'options',
	default: 'subscribed',
	options: [
		{ name: 'Subscribed', value: 'subscribed' },
		{ name: 'Unsubscribed', value: 'unsubscribed' },
		{ name: 'Reset', value: 'reset', description: 'Clear the subscription state' },
	],
	description: `${channel} marketing subscription state; subscribe only with the person's consent`,
});

/** Shown to version 1 nodes only (their "Only Send Changes"), or to version 2 nodes only (the Sync option). */
const onlyVersion1: INodeProperties['displayOptions'] = { show: { '@version': [{ _cnd: { lt: SYNC_NODE_VERSION } }] } };
const fromSyncVersion: INodeProperties['displayOptions'] = { show: { '@version': [{ _cnd: { gte: SYNC_NODE_VERSION } }] } };

const packing = `Sends up to ${limitText(MAX_PROFILES_PER_UPDATE)} profiles per call (update route) or up to ${limitText(MAX_PROFILES_PER_MASS_UPDATE)} (mass-update route), paced under Batch's ${limitText(UPDATE_PROFILES_PER_SECOND)} and ${limitText(MASS_UPDATE_PROFILES_PER_SECOND)} profiles per second.`;

const properties: INodeProperties[] = [
	{
		displayName: `${packing} Unchanged profiles are skipped when "Only Send Changes" is on; that state is kept in n8n's database and saved only for non-manual (scheduled, triggered or CLI) executions.`,
		name: 'limitsNotice',
		type: 'notice',
		default: '',
		displayOptions: onlyVersion1,
	},
	{
		displayName: `${packing} By default only new and changed profiles are sent (Sync → Send: Only Changed Since Last Run); that state is kept in n8n's database for production (scheduled, triggered or CLI) executions.`,
		name: 'limitsNotice',
		type: 'notice',
		default: '',
		displayOptions: fromSyncVersion,
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
			{ name: 'All Other Input Fields', value: 'allFields', description: 'Every input field except the Custom ID field and excluded fields becomes a custom attribute of the same name' },
			{ name: 'Selected Input Fields', value: 'selectedFields', description: 'Only the listed input fields become custom attributes' },
			{ name: 'Native Attributes Only', value: 'none', description: 'Send only the native attributes set below (and events)' },
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
			nativeText('Email Address', 'emailAddress', 'name@email.com', `The profile's email address (at most ${limitText(MAX_EMAIL_LENGTH)} characters)`),
			subscription('Email', 'emailMarketing'),
			nativeText('Language', 'language', 'e.g. fr', 'ISO 639-1 two-letter language code; a locale such as fr-FR is reduced to fr'),
			nativeText('Phone Number', 'phoneNumber', 'e.g. +33600000000', `Phone number in E.164 format: + then 1 to ${MAX_PHONE_DIGITS} digits`),
			nativeText('Region', 'region', 'e.g. FR', 'ISO 3166-1 alpha-2 region code'),
			subscription('SMS', 'smsMarketing'),
			nativeText('Timezone', 'timezone', 'e.g. Europe/Paris', 'IANA time zone name'),
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
					`Events to track on the profile: an array (at most ${MAX_EVENTS_PER_PROFILE}, inferred) of objects with a lowercase "name", an optional RFC 3339 "time" within the last ${MAX_EVENT_AGE_HOURS} hours (inferred) and optional "attributes". A profile with events is always sent. Events are not idempotent, so a call carrying events is retried only when the failure shows nothing was applied (429, refused connection, or a 5xx with Batch's error body).`,
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
			emptyValuesOption(EMPTY_VALUES),
			{
				displayName: 'Normalize Attribute Names',
				name: 'normalizeNames',
				type: 'boolean',
				default: false,
				description:
					`Whether to lowercase field names, replace characters other than a-z, 0-9 and _ with _ and cut them to ${MAX_ATTRIBUTE_NAME_LENGTH} characters. Two fields that end up with one name fail their item instead of being merged.`,
			},
			{
				displayName: 'Only Send Changes',
				name: 'onlySendChanges',
				type: 'boolean',
				default: true,
				description:
					'Whether to send only profiles that are new or changed since the last run in which Batch accepted them; unchanged ones are output as skipped',
				displayOptions: onlyVersion1,
			},
			{
				displayName: 'Profiles per Second',
				name: 'profilesPerSecond',
				type: 'number',
				default: 0,
				typeOptions: { minValue: 0 },
				description: `Pace below this many profiles per second instead of Batch's limit for the route (${limitText(UPDATE_PROFILES_PER_SECOND)} update, ${limitText(MASS_UPDATE_PROFILES_PER_SECOND)} mass-update). 0 uses Batch's limit.`,
			},
			{
				displayName: 'Route',
				name: 'route',
				type: 'options',
				default: 'auto',
				options: [
					{ name: 'Automatic', value: 'auto', description: `Mass-update above ${limitText(MASS_UPDATE_THRESHOLD)} profiles to send, else update` },
					{ name: `Update (Up to ${limitText(MAX_PROFILES_PER_UPDATE)} per Call)`, value: 'update', description: 'For live streams and small frequent batches' },
					{ name: `Mass Update (Up to ${limitText(MAX_PROFILES_PER_MASS_UPDATE)} per Call)`, value: 'massUpdate', description: 'For large imports, once or twice a day' },
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
				displayOptions: onlyVersion1,
			},
			{
				displayName: 'URL Attributes',
				name: 'urlAttributes',
				type: 'string',
				default: '',
				placeholder: 'e.g. avatar',
				description: `Comma-separated attribute names sent as URLs (at most ${limitText(MAX_URL_LENGTH)} characters)`,
			},
		],
	},
	{ ...syncOption('profiles', SYNC_DEFAULTS, { clearRemovedFields: true }), displayOptions: fromSyncVersion },
];

export const description = updateDisplayOptions({ show: { resource: ['profile'], operation: ['createOrUpdate'] } }, properties);

export async function execute(this: IExecuteFunctions, api: BatchApi): Promise<INodeExecutionData[][]> {
	const settings = profileSettings(this.getNodeParameter('options', 0, {}) as IDataObject);
	if (this.getNode().typeVersion >= SYNC_NODE_VERSION) return await executeWithSync.call(this, api, settings);
	const itemCount = this.getInputData().length;
	const read = profileReader(this, settings);
	let sync: ChangeTracker | undefined;
	let steps: Pick<BulkPreparation<ProfileOperation | undefined>, 'prepare' | 'settle'> = {
		prepare: (itemIndex) => profileOperation(read(itemIndex)),
	};
	if (settings.onlySendChanges) {
		// "Only Send Changes" decides a Custom ID on the state after all of its items, with one look at the
		// store for the whole run, so every item is read and checked first; the store keeps only what is still true.
		const profiles = readProfiles(this, settings, read);
		sync = await loadSyncState(this, settings.granularity, profiles);
		steps = followPlan(await planOperations(profiles, sync));
	}

	const run = await runBulk<ProfileOperation | undefined>(this, itemCount, {
		...steps,
		// The route is chosen once there are more profiles to send than Automatic's threshold, or all are known.
		choose: {
			lookahead: MASS_UPDATE_THRESHOLD + 1,
			sending: (profiles) => {
				const { route, limits, concurrency, requestName } = chooseRoute(settings.route, profiles);
				return { limits, concurrency, requestName, send: profileSender(this, api, route, settings.profilesPerSecond, sync) };
			},
		},
		bytes: (operation) => jsonBytes(operation!.body),
		keys: (operation) => [operation!.customId],
	}).finally(async () => await sync?.save());
	// Saved before output(): a run that stops on an error still remembers what Batch accepted.
	return run.results.output();
}

/**
 * Version 2: the shared Sync option (helpers/sync.ts) instead of "Only Send Changes", sending only changes
 * unless Sync says otherwise. The route is still chosen by volume, on the profiles left to send.
 */
async function executeWithSync(this: IExecuteFunctions, api: BatchApi, settings: ProfileSettings): Promise<INodeExecutionData[][]> {
	const read = profileReader(this, settings);
	return await runSync<ProfileOperation>(
		this,
		this.getInputData().length,
		profileTracking(),
		{
			prepare: (itemIndex) => profileOperation(read(itemIndex)),
			choose: {
				lookahead: MASS_UPDATE_THRESHOLD + 1,
				sending: (profiles) => {
					const { route, limits, concurrency, requestName } = chooseRoute(settings.route, profiles);
					return { limits, concurrency, requestName, send: profileSender(this, api, route, settings.profilesPerSecond, undefined, true) };
				},
			},
			bytes: (operation) => jsonBytes(operation.body),
			keys: (operation) => [operation.customId],
		},
		SYNC_DEFAULTS,
	);
}
