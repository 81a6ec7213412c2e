import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { invalidField } from '../../shared/errors';
import { listOf } from '../../shared/lists';
import { MAX_AUDIENCE_CHANGES_PER_REQUEST, MAX_ID_LENGTH } from '../transport';
import type { AudienceRef, ProfileChange } from './membershipChanges';
import { audienceField } from './sync';

/**
 * Mirror mode of Update Audiences: an item gives one audience's current members; the node adds the new
 * ones and removes the ones it added in an earlier run that are gone. Talon.One's CDP API cannot list an
 * audience's members, so the node keeps the member lists itself. n8n's deduplication store only answers
 * "seen this before?" and cannot give back the members that are gone, so the lists live in the node's
 * workflow static data, under this key.
 */
export const MIRROR_STATE_KEY = 'talonOneAudienceMirror';

const MIRROR_VERSION = 1;

/**
 * One audience's remembered members. `members`: accepted by Talon.One as members in the last run.
 * `unsure`: sent in a run that failed partway, so they may or may not have been applied; each is added
 * again while it is in the input, and removed again while it is not.
 */
export interface MirroredAudience {
	members: string[];
	unsure: string[];
}

interface StoredMirror {
	v: number;
	audiences: Record<string, MirroredAudience>;
}

/** What one mirror item does to its audience. */
export interface MirrorPlan {
	ref: AudienceRef;
	/** The audience's key in the state (`audience.12`, `externalAudience.vip`). */
	key: string;
	members: string[];
	adds: string[];
	removes: string[];
}

/** The mirror state in static data; a state of another shape is started over (every member is added once). */
export class MirrorState {
	private readonly audiences: Record<string, MirroredAudience>;

	constructor(private readonly staticData: IDataObject) {
		const stored = staticData[MIRROR_STATE_KEY] as StoredMirror | undefined;
		this.audiences = stored?.v === MIRROR_VERSION && stored.audiences ? { ...stored.audiences } : {};
	}

	/** Adds: members not accepted in the last run. Removes: remembered members no longer in the list. */
	plan(ref: AudienceRef, external: boolean, members: string[]): MirrorPlan {
		const key = audienceField(ref, external);
		const known = this.audiences[key] ?? { members: [], unsure: [] };
		const confirmed = new Set(known.members);
		const current = new Set(members);
		const adds = members.filter((member) => !confirmed.has(member));
		const removes = [...new Set([...known.members, ...known.unsure])].filter((member) => !current.has(member));
		return { ref, key, members, adds, removes };
	}

	/** Talon.One applied the whole plan: the list is now exactly the audience's members. */
	applied(plan: MirrorPlan): void {
		if (plan.members.length === 0) delete this.audiences[plan.key];
		else this.audiences[plan.key] = { members: plan.members, unsure: [] };
		this.save();
	}

	/**
	 * Part of the plan may have been applied: what was accepted before and is still listed stays a member;
	 * everything this run sent becomes unsure, so the next run sends it again either way.
	 */
	failed(plan: MirrorPlan): void {
		const current = new Set(plan.members);
		const kept = (this.audiences[plan.key]?.members ?? []).filter((member) => current.has(member));
		this.audiences[plan.key] = { members: kept, unsure: [...plan.adds, ...plan.removes] };
		this.save();
	}

	/** How many audiences are remembered. */
	get size(): number {
		return Object.keys(this.audiences).length;
	}

	private save(): void {
		// A fresh object at the top level marks the static data as changed for n8n.
		const stored: StoredMirror = { v: MIRROR_VERSION, audiences: { ...this.audiences } };
		this.staticData[MIRROR_STATE_KEY] = stored as unknown as IDataObject;
	}
}

/** Forgets every mirrored audience of the node; returns how many there were. */
export function forgetMirror(staticData: IDataObject): number {
	const stored = staticData[MIRROR_STATE_KEY] as StoredMirror | undefined;
	if (stored === undefined) return 0;
	delete staticData[MIRROR_STATE_KEY];
	return stored.audiences ? Object.keys(stored.audiences).length : 0;
}

/**
 * The members given for one item: profile integration IDs (1–1000 characters; numbers are taken as text),
 * each once. A missing value (an expression naming a field the item lacks) fails the item rather than
 * emptying the audience; an empty list is an audience without members.
 */
export function memberIds(ctx: IExecuteFunctions, itemIndex: number, field: string, value: unknown): string[] {
	if (value === undefined || value === null) {
		throw invalidField(ctx.getNode(), itemIndex, field, 'is missing; give the list of members (an empty list removes every member)');
	}
	const ids = listOf(value).map((entry, position) => {
		const text = typeof entry === 'number' && Number.isFinite(entry) ? String(entry) : entry;
		if (typeof text !== 'string' || text.trim() === '' || text.trim().length > MAX_ID_LENGTH) {
			throw invalidField(
				ctx.getNode(),
				itemIndex,
				field,
				`entry ${position} (${JSON.stringify(entry)}) is not a profile integration ID: 1–${MAX_ID_LENGTH} characters of text are expected`,
			);
		}
		return text.trim();
	});
	return [...new Set(ids)];
}

/** The plan's changes as membership entries (one change each), in requests of at most Talon.One's cap. */
export function mirrorRequests(plan: MirrorPlan): ProfileChange[][] {
	const entries: ProfileChange[] = [
		...plan.adds.map((customerProfileId) => ({ customerProfileId, adds: [plan.ref], deletes: [] })),
		...plan.removes.map((customerProfileId) => ({ customerProfileId, adds: [], deletes: [plan.ref] })),
	];
	const requests: ProfileChange[][] = [];
	for (let from = 0; from < entries.length; from += MAX_AUDIENCE_CHANGES_PER_REQUEST) {
		requests.push(entries.slice(from, from + MAX_AUDIENCE_CHANGES_PER_REQUEST));
	}
	return requests;
}
