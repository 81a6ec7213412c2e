import type { IDataObject } from 'n8n-workflow';

import type { SyncTracking } from '../../shared/sync';
import { flatFields, nullFields, pickFields } from '../../shared/sync';
import type { AudienceRef, ProfileChange } from './membershipChanges';

/**
 * Where the Sync option's state of a Talon.One node lives in its static data (the fallback store). Both
 * profile writes keep it under this one key: they name a profile by its integration ID and a membership by
 * the same field names, so what one operation remembered holds for the other.
 */
export const SYNC_STATE_KEY = 'talonOneProfileSync';

/** Nested objects whose keys are compared (and sent) one by one. */
const NESTED_FIELDS = ['attributes'];

/** What a profile is asked to be in one audience: `add` (a member) or `remove` (not a member). */
export type MembershipAsk = 'add' | 'remove';

/**
 * A membership's field name: `audience.12` by Talon.One's numeric ID, `externalAudience.vip` by the ID the
 * platform gave the audience, so a switch of "Audiences Identified By" never compares one with the other.
 */
export function audienceField(ref: AudienceRef, external: boolean): string {
	return `${external ? 'externalAudience' : 'audience'}.${String(ref)}`;
}

/**
 * The memberships a change asks for, one field per audience. An audience in both lists ends removed, as
 * Talon.One applies additions before removals (reference §9.7).
 */
export function membershipFields(adds: AudienceRef[], deletes: AudienceRef[], external: boolean): IDataObject {
	const fields: IDataObject = {};
	for (const ref of adds) fields[audienceField(ref, external)] = 'add' satisfies MembershipAsk;
	for (const ref of deletes) fields[audienceField(ref, external)] = 'remove' satisfies MembershipAsk;
	return fields;
}

/** The additions and removals of the named membership fields only, in their input order. */
function narrowMemberships<R extends AudienceRef>(
	adds: R[],
	deletes: R[],
	fields: string[],
	external: boolean,
): { adds: R[]; deletes: R[] } {
	const wanted = new Set(fields);
	const keep = (ref: R) => wanted.has(audienceField(ref, external));
	return { adds: adds.filter(keep), deletes: deletes.filter(keep) };
}

/** What Create or Update sends for one item: the profile's integration ID and the request body. */
export interface ProfileUpdatePayload {
	customerProfileId: string;
	body: IDataObject;
}

interface AudiencesChanges {
	adds: number[];
	deletes: number[];
}

const changesOf = (body: IDataObject): AudiencesChanges | undefined => body.audiencesChanges as AudiencesChanges | undefined;

/**
 * Change detection of Create or Update: the attributes sent (`attributes.Tier`, a null included: "deleted"
 * is a value too) and the audience changes, one field per audience (`audience.12` → `add`). Audience changes
 * are desired state, like attributes: a rerun that asks for the same memberships sends nothing (joining an
 * audience twice changes nothing at Talon.One, but each request with audience changes runs the rule engine
 * again). `runRuleEngine` is how to send, not what the profile holds, so it is not compared; a narrowed body
 * keeps it and always carries `attributes`, as every body the node sends does.
 */
export function profileUpdateTracking<P extends ProfileUpdatePayload>(): SyncTracking<P> {
	return {
		stateKey: SYNC_STATE_KEY,
		record: ({ customerProfileId, body }) => {
			const changes = changesOf(body);
			return {
				id: customerProfileId,
				fields: {
					...flatFields(body, NESTED_FIELDS, ['runRuleEngine', 'audiencesChanges']),
					...(changes ? membershipFields(changes.adds, changes.deletes, false) : {}),
				},
			};
		},
		narrow: (payload, fields) => {
			const picked = pickFields(payload.body, fields, NESTED_FIELDS);
			const body: IDataObject = { ...payload.body, attributes: (picked.attributes as IDataObject | undefined) ?? {} };
			delete body.audiencesChanges;
			const changes = changesOf(payload.body);
			if (changes) {
				const narrowed = narrowMemberships(changes.adds, changes.deletes, fields, false);
				if (narrowed.adds.length + narrowed.deletes.length > 0) body.audiencesChanges = narrowed;
			}
			return { ...payload, body };
		},
		// Clear Removed Fields: a null attribute deletes it (reference §0 and §5). A membership left out is no
		// ask at all, not a removal, so only attributes are cleared.
		clear: (payload, fields) => ({ ...payload, body: nullFields(payload.body, fields, NESTED_FIELDS) }),
		clearable: (field) => field.startsWith('attributes.'),
		unchanged: ({ customerProfileId }) => ({ customerProfileId }),
		missing: (customerProfileId) => ({ customerProfileId }),
	};
}

/**
 * Change detection of Update Audiences: per profile, one field per audience the item names
 * (`audience.12` or `externalAudience.vip` → `add` or `remove`); a known profile is narrowed to the
 * audiences whose ask changed.
 */
export function membershipTracking(external: boolean): SyncTracking<ProfileChange> {
	return {
		stateKey: SYNC_STATE_KEY,
		record: ({ customerProfileId, adds, deletes }) => ({ id: customerProfileId, fields: membershipFields(adds, deletes, external) }),
		narrow: (change, fields) => ({ ...change, ...narrowMemberships(change.adds, change.deletes, fields, external) }),
		unchanged: ({ customerProfileId }) => ({ customerProfileId, audienceIdType: external ? 'external' : 'internal' }),
		missing: (customerProfileId) => ({ customerProfileId }),
	};
}
