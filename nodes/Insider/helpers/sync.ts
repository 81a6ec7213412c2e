import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { BulkEntry, EntryOutcome } from '../../shared/bulk';
import type { SyncTracking } from '../../shared/sync';
import { flatFields, pickFields, splitRecordKey } from '../../shared/sync';
import type { InsiderApi } from '../transport';
import { ATTRIBUTE_DELETE_PATH } from '../transport';
import type { AttributeDeletion } from './attributeDeletion';
import { wholeDeletion } from './attributeDeletion';
import { mapBatchResponse } from './responses';
import type { Identifiers, UpsertUser, UserAddress } from './user';
import { isPlainObject } from './user';

/** Where the Sync option's state of an Insider node lives in its static data (the fallback store). */
export const SYNC_STATE_KEY = 'insiderProfileSync';

/**
 * Which of a user's identifiers keys it for the Sync option: the Insider ID (which Insider matches first
 * when given, §4.1, inferred), then the account's own IDs, then contact details, which change most often.
 * Insider matches a user by any of its identifiers and documents no order (§1, §4.1), so this is the
 * node's choice: the other identifiers are compared as fields, and adding one (a phone number) keeps the
 * key, so the user is not reported as Missing From Source.
 */
export const KEY_ORDER = ['insider_id', 'uuid', 'custom', 'email', 'phone_number'] as const;

/**
 * Whether Insider finds a user by an email written in another case. Its reference documents no case
 * folding (§4.2 checks the pattern only), so keys keep identifiers as the node sends them (trimmed);
 * inferred. Were it true, `Ann@x.io` and `ann@x.io` would be one key.
 */
export const EMAIL_MATCH_IGNORES_CASE = false;

const ATTRIBUTES = 'attributes.';
const IDENTIFIERS = 'identifiers.';
/** Inside `attributes` and `identifiers`, custom ones are compared one by one: `attributes.custom.tier`. */
const NESTED = ['custom'];

/** The identifier that keys a user, as `[field, value]`; `custom.<name>` for a custom identifier. */
function keyIdentifier(user: UserAddress): [string, string] {
	const identifiers: Identifiers = user.identifiers ?? {};
	for (const field of KEY_ORDER) {
		if (field === 'insider_id') {
			if (user.insider_id !== undefined) return ['iid', user.insider_id];
		} else if (field === 'custom') {
			const custom = isPlainObject(identifiers.custom) ? identifiers.custom : {};
			const name = Object.keys(custom).sort()[0];
			if (name !== undefined) return [`custom.${encodeURIComponent(name)}`, String(custom[name])];
		} else if (typeof identifiers[field] === 'string') {
			return [field, identifiers[field]];
		}
	}
	// buildAddress refuses a user without an Insider ID or an identifier before it gets here.
	throw new Error('the user has no identifier');
}

/** A user's key for the Sync option: `uuid:u1`, `iid:…`, `custom.crm_id:C9`, `email:ann@x.io`. */
export function userKey(user: UserAddress): string {
	const [field, value] = keyIdentifier(user);
	return `${field}:${field === 'email' && EMAIL_MATCH_IGNORES_CASE ? value.toLowerCase() : value}`;
}

/** The address a key names (a Missing From Source item), as an accepted user's output shows it. */
export function addressOfKey(id: string): IDataObject {
	const [field, value] = splitRecordKey(id);
	if (field === 'iid') return { insider_id: value };
	if (field.startsWith('custom.')) return { identifiers: { custom: { [decodeURIComponent(field.slice('custom.'.length))]: value } } };
	return { identifiers: { [field]: value } };
}

/**
 * The compared fields of a user, all but its key: its other identifiers (`identifiers.email`, sent again
 * when one is added), its attributes two levels deep (`attributes.name`, `attributes.custom.tier`), and its
 * events as one field whose value is new every run. An item with events is an action, not a state: it
 * always counts as changed and is always sent with its events; whether one repeats an event Insider
 * already holds is Insider's to judge (it does not store an identical event twice, §8). An array sent to
 * replace the stored list is a different write from the same array appended, so Replace Array Attributes
 * is part of an array's value.
 */
function userFields(user: UpsertUser): IDataObject {
	const fields: IDataObject = {};
	const [keyField] = keyIdentifier(user);
	if (user.insider_id !== undefined && keyField !== 'iid') fields.insider_id = user.insider_id;
	for (const [name, value] of Object.entries(flatFields(user.identifiers ?? {}, NESTED))) {
		const key = name.startsWith('custom.') ? `custom.${encodeURIComponent(name.slice('custom.'.length))}` : name;
		if (key !== keyField) fields[`${IDENTIFIERS}${name}`] = value;
	}
	if (isPlainObject(user.attributes)) {
		for (const [name, value] of Object.entries(flatFields(user.attributes, NESTED))) {
			fields[`${ATTRIBUTES}${name}`] = user.not_append === true && Array.isArray(value) ? { replace: value } : value;
		}
	}
	return fields;
}

/** How a user is addressed, as an accepted user's output shows it. */
function addressOf(user: UserAddress): IDataObject {
	return {
		...(user.insider_id !== undefined ? { insider_id: user.insider_id } : {}),
		...(user.identifiers !== undefined ? { identifiers: user.identifiers } : {}),
	};
}

/**
 * Clear Removed Fields: the attributes a user lost, deleted through Attribute Delete (§5.4) right after
 * its upsert. Kept on the payload under a symbol, which the upsert body (JSON) never carries.
 */
export const ATTRIBUTE_CLEARS = Symbol('attributeClears');

export type SyncedUser = UpsertUser & { [ATTRIBUTE_CLEARS]?: AttributeDeletion };

/**
 * The user with the deletion of these fields attached: `attributes.name` is the default attribute `name`
 * (`whole`), `attributes.custom.tier` the custom attribute `tier` (`custom.whole`). Identifiers are never
 * cleared (Attribute Delete cannot delete them, §5.4).
 */
function withClears(user: UpsertUser, fields: string[]): SyncedUser {
	const names = fields
		.filter((field) => field.startsWith(ATTRIBUTES))
		.map((field) => field.slice(ATTRIBUTES.length))
		.map((name) => (name.startsWith('custom.') ? { custom: true, key: name.slice('custom.'.length) } : { custom: false, key: name }));
	return { ...user, [ATTRIBUTE_CLEARS]: wholeDeletion(addressOf(user) as UserAddress, names) };
}

/** An entry as the upsert sends it, without its deletion. */
export function withoutClears(entry: BulkEntry<SyncedUser>): BulkEntry<SyncedUser> {
	if (entry.payload[ATTRIBUTE_CLEARS] === undefined) return entry;
	const user: SyncedUser = { ...entry.payload };
	delete user[ATTRIBUTE_CLEARS];
	return { ...entry, payload: user };
}

/**
 * After an upsert request: one Attribute Delete request for the accepted users that lost attributes, paced
 * by the same user-write limiter (Insider's 25,000 requests a minute cover both, §0). A user whose deletion
 * fails (its own error, or the whole request) fails its item, so it is not remembered and is cleared again.
 */
export async function sendAttributeClears(
	ctx: IExecuteFunctions,
	api: InsiderApi,
	batch: Array<BulkEntry<SyncedUser>>,
	outcomes: EntryOutcome[],
): Promise<EntryOutcome[]> {
	const clearing = batch.flatMap((entry, position) => {
		const deletion = entry.payload[ATTRIBUTE_CLEARS];
		const outcome = outcomes[position];
		return deletion && outcome !== undefined && 'json' in outcome ? [{ position, entry: { itemIndex: entry.itemIndex, payload: deletion } }] : [];
	});
	if (clearing.length === 0) return outcomes;
	let answers: EntryOutcome[];
	try {
		const response = await api.transport.request({
			method: 'POST',
			path: ATTRIBUTE_DELETE_PATH,
			body: { users: clearing.map(({ entry }) => entry.payload) },
			limiter: api.limiters.userWrite,
		});
		answers = mapBatchResponse(ctx.getNode(), clearing.map(({ entry }) => entry), response.body, () => ({}));
	} catch (error) {
		answers = clearing.map(() => ({ error }));
	}
	const result = [...outcomes];
	clearing.forEach(({ position }, index) => {
		if ('error' in answers[index]) result[position] = answers[index];
	});
	return result;
}

/** Change detection of Create or Update's users. */
export function userTracking(): SyncTracking<SyncedUser> {
	return {
		stateKey: SYNC_STATE_KEY,
		record: (user) => ({ id: userKey(user), fields: userFields(user), always: user.events !== undefined && user.events.length > 0 }),
		narrow: (user, fields) => {
			// The address always goes out whole: Insider matches by it and adds the identifiers it lacks.
			const narrowed: UpsertUser = addressOf(user);
			const names = fields.filter((field) => field.startsWith(ATTRIBUTES)).map((field) => field.slice(ATTRIBUTES.length));
			if (names.length > 0 && isPlainObject(user.attributes)) {
				const attributes = pickFields(user.attributes, names, NESTED);
				if (Object.keys(attributes).length > 0) narrowed.attributes = attributes;
			}
			if (user.events !== undefined && user.events.length > 0) narrowed.events = user.events;
			// Only an identifier changed: Insider wants attributes or events with it (§5.1), so the user goes whole.
			if (narrowed.attributes === undefined && narrowed.events === undefined) return user;
			if (user.not_append !== undefined) narrowed.not_append = user.not_append;
			return narrowed;
		},
		clear: withClears,
		clearable: (field) => field.startsWith(ATTRIBUTES),
		unchanged: addressOf,
		missing: addressOfKey,
	};
}
