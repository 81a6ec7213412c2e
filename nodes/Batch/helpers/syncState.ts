import type { IDataObject } from 'n8n-workflow';

import { fingerprint, valueFingerprint } from './fingerprint';

/** Where the node keeps its sync state inside the node's workflow static data. */
export const SYNC_STATE_KEY = 'batchProfileSync';
const SYNC_STATE_VERSION = 1;

/**
 * `profile`: one fingerprint per Custom ID, a changed profile is sent whole.
 * `attribute`: one fingerprint per attribute, only changed attributes are sent.
 */
export type SyncGranularity = 'profile' | 'attribute';

type Remembered = string | Record<string, string>;

interface StoredState {
	v: number;
	granularity: SyncGranularity;
	profiles: Record<string, Remembered>;
}

export interface SyncDecision {
	/** Attributes to send; `undefined` means the profile is unchanged and is not sent. */
	send?: IDataObject;
	/** What to remember once Batch accepted the profile. */
	remember: Remembered;
	changedAttributes: string[];
}

/**
 * "Only send changes": what Batch last accepted for each Custom ID, kept in workflow static data, which n8n
 * saves to its database after every non-manual execution. A fingerprint is recorded only after Batch
 * accepted the profile, so a rejected or failed profile is sent again next run. Concurrent executions of
 * one workflow overwrite each other's state (last writer wins); a lost fingerprint only causes a re-send.
 */
export class SyncState {
	private readonly remembered = new Map<string, Remembered>();
	/** What this run expects Batch to hold once its earlier items are applied (duplicate IDs in one run). */
	private readonly expected = new Map<string, Remembered>();
	private changed = false;

	constructor(
		private readonly staticData: IDataObject,
		readonly granularity: SyncGranularity,
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

	decide(customId: string, attributes: IDataObject, forceSend: boolean): SyncDecision {
		const previous = this.expected.get(customId) ?? this.remembered.get(customId);
		if (this.granularity === 'profile') {
			const print = fingerprint(attributes);
			const unchanged = previous === print && !forceSend;
			this.expected.set(customId, print);
			return {
				send: unchanged ? undefined : attributes,
				remember: print,
				changedAttributes: unchanged ? [] : Object.keys(attributes),
			};
		}
		const prints: Record<string, string> = {};
		for (const [key, value] of Object.entries(attributes)) prints[key] = valueFingerprint(value);
		const before = typeof previous === 'object' ? previous : {};
		const changedAttributes = Object.keys(prints).filter((key) => before[key] !== prints[key]);
		this.expected.set(customId, prints);
		if (changedAttributes.length === 0 && !forceSend) return { remember: prints, changedAttributes };
		const send: IDataObject = {};
		for (const key of changedAttributes) send[key] = attributes[key];
		return { send, remember: prints, changedAttributes };
	}

	/** Batch accepted this profile: remember what it now holds. */
	accept(customId: string, remember: Remembered): void {
		this.remembered.set(customId, remember);
		this.changed = true;
	}

	/** Writes the state back into static data when anything changed (n8n then persists it). */
	save(): void {
		if (!this.changed) return;
		const profiles: Record<string, Remembered> = {};
		for (const [id, value] of this.remembered) profiles[id] = value;
		const stored: StoredState = { v: SYNC_STATE_VERSION, granularity: this.granularity, profiles };
		// A fresh plain object assigned at the top level marks the static data as changed for n8n.
		this.staticData[SYNC_STATE_KEY] = stored as unknown as IDataObject;
		this.changed = false;
	}
}

/** Forgets every remembered profile; returns how many there were. */
export function resetSyncState(staticData: IDataObject): number {
	const stored = staticData[SYNC_STATE_KEY] as StoredState | undefined;
	const count = stored?.profiles ? Object.keys(stored.profiles).length : 0;
	if (stored !== undefined) delete staticData[SYNC_STATE_KEY];
	return count;
}
