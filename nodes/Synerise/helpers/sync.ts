import type { IDataObject } from 'n8n-workflow';

import type { SyncTracking } from '../../shared/sync';
import { flatFields, nullFields, pickFields, splitRecordKey } from '../../shared/sync';
import { IDENTIFIER_FIELDS } from './profile';

/** Where the Sync option's state of a Synerise node lives in its static data (the fallback store). */
export const SYNC_STATE_KEY = 'syneriseProfileSync';

/**
 * The identifier a batch entry is matched by when it has several (reference §6.3: matching order inferred,
 * customId → email → uuid → phone); the Sync option keys a profile by it.
 */
export const MATCH_ORDER = ['customId', 'email', 'uuid', 'phone'] as const;

/** Nested objects whose keys are compared (and sent) one by one. */
const NESTED_FIELDS = ['attributes', 'agreements'];

/**
 * Clear Removed Fields: null resets a Synerise field and removes a custom attribute (reference §5.2). An
 * identifier is never cleared (it matches the profile), nor an agreement, for which §5.2 documents no null.
 */
const clearable = (field: string) => !(IDENTIFIER_FIELDS as readonly string[]).includes(field) && !field.startsWith('agreements.');

/** A profile's key for the Sync option: `email:ann@example.com` (emails compared without case). */
export function profileKey(field: string, value: string): string {
	return `${field}:${field === 'email' ? value.toLowerCase() : value}`;
}

/** The identifier a key names, e.g. `{ customId: 'c5' }` for `customId:c5`. */
export function identifierOfKey(id: string): IDataObject {
	const [field, value] = splitRecordKey(id);
	return { [field]: value };
}

/**
 * Change detection of a profile body (create, create or update), read from a payload with `of` and put back
 * narrowed with `withProfile`.
 */
export function profileTracking<P>(of: (payload: P) => IDataObject, withProfile: (payload: P, profile: IDataObject) => P): SyncTracking<P> {
	return {
		stateKey: SYNC_STATE_KEY,
		record: (payload) => {
			const profile = of(payload);
			// Profiles are built with at least one identifier before they get here.
			const field = MATCH_ORDER.find((name) => typeof profile[name] === 'string')!;
			return { id: profileKey(field, profile[field] as string), fields: flatFields(profile, NESTED_FIELDS, [field]) };
		},
		narrow: (payload, fields) => withProfile(payload, pickFields(of(payload), fields, NESTED_FIELDS, IDENTIFIER_FIELDS)),
		clear: (payload, fields) => withProfile(payload, nullFields(of(payload), fields, NESTED_FIELDS)),
		clearable,
		missing: identifierOfKey,
		unchanged: (payload) => {
			const profile = of(payload);
			const identifiers: IDataObject = {};
			for (const field of IDENTIFIER_FIELDS) if (typeof profile[field] === 'string') identifiers[field] = profile[field];
			return identifiers;
		},
	};
}

/** Change detection of an update by one identifier: `profile` holds only the fields sent. */
export function updateTracking<P extends { type: string; raw: string; profile: IDataObject }>(): SyncTracking<P> {
	return {
		stateKey: SYNC_STATE_KEY,
		record: ({ type, raw, profile }) => ({ id: profileKey(type, raw), fields: flatFields(profile, NESTED_FIELDS) }),
		narrow: (payload, fields) => ({ ...payload, profile: pickFields(payload.profile, fields, NESTED_FIELDS) }),
		clear: (payload, fields) => ({ ...payload, profile: nullFields(payload.profile, fields, NESTED_FIELDS) }),
		clearable,
		unchanged: ({ type, raw }) => ({ [type]: raw }),
		missing: identifierOfKey,
	};
}
