import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { fingerprint, valueFingerprint } from './fingerprint';

/** Where the node keeps its sync state inside the node's workflow static data (the fallback store). */
export const SYNC_STATE_KEY = 'batchProfileSync';
const SYNC_STATE_VERSION = 1;

/**
 * `profile`: one fingerprint per Custom ID, a changed profile is sent whole.
 * `attribute`: one fingerprint per attribute, only changed attributes are sent.
 */
export type SyncGranularity = 'profile' | 'attribute';

/** One remembered fact: "Batch holds this fingerprint for this profile (or this attribute of it)". */
export interface SyncKey {
	id: string;
	/** Set at attribute granularity. */
	attr?: string;
	print: string;
}

/**
 * A place that remembers which fingerprints Batch accepted.
 * - `known` says which of the given keys are remembered;
 * - `retain` is called once the run's decisions are made, with the keys of this run that are still true
 *   (unchanged profiles or attributes), per Custom ID;
 * - `record` is called once at the end with everything Batch accepted in this run, per Custom ID.
 */
export interface SyncStore {
	readonly location: 'database' | 'staticData';
	known(keys: SyncKey[]): Promise<boolean[]>;
	retain(kept: Map<string, SyncKey[]>): Promise<void>;
	record(accepted: Map<string, SyncKey[]>): Promise<void>;
}

type Remembered = string | Record<string, string>;

interface StoredState {
	v: number;
	granularity: SyncGranularity;
	profiles: Record<string, Remembered>;
}

/**
 * Fallback store: workflow static data, which n8n saves to its database after every non-manual execution
 * of a saved workflow, but which n8n 2.41.1 does not hand to queue-mode workers. Profiles absent from a run
 * keep their fingerprints.
 */
export class StaticDataSyncStore implements SyncStore {
	readonly location = 'staticData' as const;
	private readonly remembered = new Map<string, Remembered>();
	private changed = false;

	constructor(
		private readonly staticData: IDataObject,
		private readonly granularity: SyncGranularity,
	) {
		const stored = staticData[SYNC_STATE_KEY] as StoredState | undefined;
		if (stored && stored.v === SYNC_STATE_VERSION && stored.granularity === granularity && stored.profiles) {
			for (const [id, value] of Object.entries(stored.profiles)) this.remembered.set(id, value);
		} else if (stored) {
			// A state of another shape cannot be compared with; start over (every profile is sent once).
			this.changed = true;
		}
	}

	get size(): number {
		return this.remembered.size;
	}

	async known(keys: SyncKey[]): Promise<boolean[]> {
		return keys.map((key) => {
			const previous = this.remembered.get(key.id);
			if (key.attr === undefined) return previous === key.print;
			return typeof previous === 'object' && previous[key.attr] === key.print;
		});
	}

	async retain(): Promise<void> {
		// Nothing to drop: a profile's entry is replaced as a whole when Batch accepts it again.
	}

	async record(accepted: Map<string, SyncKey[]>): Promise<void> {
		for (const [id, keys] of accepted) {
			if (this.granularity === 'profile') {
				if (keys[0]) this.remembered.set(id, keys[0].print);
			} else {
				const prints: Record<string, string> = {};
				for (const key of keys) if (key.attr !== undefined) prints[key.attr] = key.print;
				this.remembered.set(id, prints);
			}
			this.changed = true;
		}
		this.save();
	}

	/** Writes the state back into static data when anything changed (n8n then persists it). */
	private save(): void {
		if (!this.changed) return;
		const profiles: Record<string, Remembered> = {};
		for (const [id, value] of this.remembered) profiles[id] = value;
		const stored: StoredState = { v: SYNC_STATE_VERSION, granularity: this.granularity, profiles };
		// A fresh plain object assigned at the top level marks the static data as changed for n8n.
		this.staticData[SYNC_STATE_KEY] = stored as unknown as IDataObject;
		this.changed = false;
	}
}

/** The part of n8n's deduplication helpers (n8n ≥ 1.60) the database store uses. */
export interface DeduplicationHelpers {
	checkProcessedAndRecord(items: string[], scope: 'node', options: { mode: 'entries' }): Promise<{ new: unknown[]; processed: unknown[] }>;
	clearAllProcessedItems(scope: 'node', options: { mode: 'entries' }): Promise<void>;
	getProcessedDataCount(scope: 'node', options: { mode: 'entries' }): Promise<number>;
}

const ENTRIES = { mode: 'entries' } as const;
const SEP = '\u001f';

/** The text n8n hashes for one key; profile and attribute keys never collide. */
export function keyText(key: SyncKey): string {
	return key.attr === undefined ? `p${SEP}${key.id}${SEP}${key.print}` : `a${SEP}${key.id}${SEP}${key.attr}${SEP}${key.print}`;
}

/**
 * Main store: n8n's deduplication table (`processed_data`, one row per workflow and node, holding a set of
 * hashes), which every n8n process, queue workers included, reads and writes directly in the database.
 * A key is "Custom ID + fingerprint" (or "Custom ID + attribute + fingerprint"), so the set can only
 * answer "does Batch hold exactly this?". The helper records every key it is asked about, so:
 * 1. `known`: one check of all the run's keys; the ones it did not know are now (wrongly) recorded;
 * 2. `retain`: right after the decisions, the set is cleared and refilled with only the keys that are still
 *    true (unchanged profiles of this run). That drops the keys recorded by step 1 and every older
 *    fingerprint of a profile that changed, so A → B → A is caught: when B is accepted, A is gone;
 * 3. `record`: at the end, one check-and-record of the keys Batch accepted.
 * Profiles absent from the run are forgotten at step 2 (they are sent again when they come back). A run
 * in which every key was already held skips step 2: nothing changed, so nothing needs dropping.
 */
export class DeduplicationSyncStore implements SyncStore {
	readonly location = 'database' as const;

	/** Whether step 1 recorded keys the set did not hold (a new or changed profile). */
	private recordedUnknownKeys = true;

	constructor(private readonly helpers: DeduplicationHelpers) {}

	async known(keys: SyncKey[]): Promise<boolean[]> {
		const texts = keys.map(keyText);
		const unique = [...new Set(texts)];
		if (unique.length === 0) return [];
		const answer = await this.helpers.checkProcessedAndRecord(unique, 'node', ENTRIES);
		this.recordedUnknownKeys = answer.new.length > 0;
		const processed = new Set(answer.processed.map(String));
		return texts.map((text) => processed.has(text));
	}

	async retain(kept: Map<string, SyncKey[]>): Promise<void> {
		// When the set held every key of the run, step 1 recorded nothing and no profile changed, so there is
		// nothing to drop: skipping the rewrite makes an unchanged re-sync cheap.
		if (!this.recordedUnknownKeys) return;
		await this.helpers.clearAllProcessedItems('node', ENTRIES);
		const texts = [...new Set([...kept.values()].flat().map(keyText))];
		if (texts.length > 0) await this.helpers.checkProcessedAndRecord(texts, 'node', ENTRIES);
	}

	async record(accepted: Map<string, SyncKey[]>): Promise<void> {
		const texts = [...new Set([...accepted.values()].flat().map(keyText))];
		if (texts.length > 0) await this.helpers.checkProcessedAndRecord(texts, 'node', ENTRIES);
	}
}

/** n8n's deduplication helpers when this n8n has them (n8n ≥ 1.60), else undefined. */
export function deduplicationHelpers(ctx: IExecuteFunctions): DeduplicationHelpers | undefined {
	const helpers = ctx.helpers as unknown as Partial<DeduplicationHelpers>;
	if (
		typeof helpers.checkProcessedAndRecord !== 'function' ||
		typeof helpers.clearAllProcessedItems !== 'function' ||
		typeof helpers.getProcessedDataCount !== 'function'
	) {
		return undefined;
	}
	return helpers as DeduplicationHelpers;
}

/** n8n keys deduplication entries by workflow ID and node ID: both must exist. */
function hasIds(ctx: IExecuteFunctions): boolean {
	const workflowId = typeof ctx.getWorkflow === 'function' ? ctx.getWorkflow()?.id : undefined;
	const nodeId = typeof ctx.getNode === 'function' ? ctx.getNode()?.id : undefined;
	return Boolean(workflowId) && Boolean(nodeId);
}

/**
 * The database store for saved, non-manual executions when n8n offers it; otherwise (manual runs, whose
 * state n8n never saved, or an n8n without the helpers) workflow static data as before.
 */
export function syncStoreFor(ctx: IExecuteFunctions, granularity: SyncGranularity): SyncStore {
	const helpers = deduplicationHelpers(ctx);
	const manual = typeof ctx.getMode === 'function' && ctx.getMode() === 'manual';
	if (helpers && !manual && hasIds(ctx)) return new DeduplicationSyncStore(helpers);
	return new StaticDataSyncStore(ctx.getWorkflowStaticData('node'), granularity);
}

export interface SyncDecision {
	/** Attributes to send; `undefined` means the profile is unchanged and is not sent. */
	send?: IDataObject;
	/** What to remember once Batch accepted the profile: every key of the profile as sent now. */
	remember: SyncKey[];
	changedAttributes: string[];
}

/** A profile of this run, as the node built it. */
export interface SyncCandidate {
	customId: string;
	attributes: IDataObject;
}

/**
 * "Only Send Changes": decides per profile against a store of what Batch last accepted. A fingerprint is
 * recorded only after Batch accepted the profile, so a rejected or failed profile is sent again next run.
 */
export class SyncState {
	/** What this run expects Batch to hold once its earlier items are applied (duplicate IDs in one run). */
	private readonly expected = new Map<string, SyncKey[]>();
	private readonly knownTexts = new Set<string>();
	private readonly kept = new Map<string, SyncKey[]>();
	private readonly accepted = new Map<string, SyncKey[]>();

	constructor(
		readonly store: SyncStore,
		readonly granularity: SyncGranularity,
	) {}

	keysOf(customId: string, attributes: IDataObject): SyncKey[] {
		if (this.granularity === 'profile') return [{ id: customId, print: fingerprint(attributes) }];
		return Object.entries(attributes).map(([attr, value]) => ({ id: customId, attr, print: valueFingerprint(value) }));
	}

	/** Asks the store once about every profile of the run. */
	async load(candidates: SyncCandidate[]): Promise<void> {
		const keys = candidates.flatMap((candidate) => this.keysOf(candidate.customId, candidate.attributes));
		const known = await this.store.known(keys);
		keys.forEach((key, index) => {
			if (known[index]) this.knownTexts.add(keyText(key));
		});
	}

	decide(customId: string, attributes: IDataObject, forceSend: boolean): SyncDecision {
		const keys = this.keysOf(customId, attributes);
		const earlier = this.expected.get(customId);
		const earlierTexts = earlier ? new Set(earlier.map(keyText)) : undefined;
		const held = (key: SyncKey) => (earlierTexts ? earlierTexts.has(keyText(key)) : this.knownTexts.has(keyText(key)));
		this.expected.set(customId, keys);
		const unchangedKeys = keys.filter(held);
		// Only what the store already held, and this item does not change, stays true whatever happens to
		// this run's requests.
		const texts = new Set(keys.map(keyText));
		this.kept.set(customId, earlierTexts ? (this.kept.get(customId) ?? []).filter((key) => texts.has(keyText(key))) : unchangedKeys);
		if (this.granularity === 'profile') {
			const unchanged = unchangedKeys.length === 1 && !forceSend;
			return { send: unchanged ? undefined : attributes, remember: keys, changedAttributes: unchanged ? [] : Object.keys(attributes) };
		}
		const changedAttributes = keys.filter((key) => !held(key)).map((key) => key.attr as string);
		if (changedAttributes.length === 0 && !forceSend) return { remember: keys, changedAttributes };
		const send: IDataObject = {};
		for (const key of changedAttributes) send[key] = attributes[key];
		return { send, remember: keys, changedAttributes };
	}

	/** Called once every decision is made, before anything is sent. */
	async retain(): Promise<void> {
		// A run without a single valid profile leaves the state as it is.
		if (this.kept.size === 0) return;
		await this.store.retain(this.kept);
	}

	/** Batch accepted this profile: remember what it now holds. */
	accept(customId: string, remember: SyncKey[]): void {
		this.accepted.set(customId, remember);
	}

	/** Records what Batch accepted in this run. */
	async save(): Promise<void> {
		if (this.accepted.size === 0) return;
		const accepted = new Map(this.accepted);
		this.accepted.clear();
		await this.store.record(accepted);
	}
}

/** Forgets every remembered profile in both stores; returns how many static-data profiles and database keys there were. */
export async function resetSyncState(ctx: IExecuteFunctions): Promise<{ profiles: number; databaseEntries: number }> {
	const staticData = ctx.getWorkflowStaticData('node');
	const stored = staticData[SYNC_STATE_KEY] as StoredState | undefined;
	const profiles = stored?.profiles ? Object.keys(stored.profiles).length : 0;
	if (stored !== undefined) delete staticData[SYNC_STATE_KEY];
	let databaseEntries = 0;
	const helpers = deduplicationHelpers(ctx);
	if (helpers && hasIds(ctx)) {
		databaseEntries = await helpers.getProcessedDataCount('node', ENTRIES);
		await helpers.clearAllProcessedItems('node', ENTRIES);
	}
	return { profiles, databaseEntries };
}
