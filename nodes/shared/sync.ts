import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { BulkEntry, BulkOptions, BulkSending, ChoosingBulkOptions, EntryOutcome } from './bulk';
import { runBulk } from './bulk';
import type { ChangeCandidate, ChangeKey, ChangeStore, ChangeTracker } from './changes';
import { changeStoreFor, forgetChanges, loadChanges } from './changes';
import { errorJson, itemRanges } from './results';
import { requestFailed } from './errors';
import { acquireSyncLock, clearSyncLock } from './syncLock';
import type { InputHint } from './syncShortcut';
import { inputHintsKey, inputKey, InputShortcut } from './syncShortcut';

/**
 * Profile Sync, the same in every node: with "Send: Only Changed Since Last Run" a record is sent only when it
 * is new or one of its fields changed since the last run in which the vendor accepted it; "Only Changed
 * Fields" narrows a known record to the fields that changed; "Clear Removed Fields" clears, in the vendor's
 * way, the fields a known record had and has no more; "Dry Run" sends nothing, changes no state and says per
 * item what would happen. The state is one fingerprint per field (and one presence key) per record, plus one
 * presence key per field with Clear Removed Fields, kept by the change-detection module (n8n's database, or
 * static data where the run has no database store).
 */

/**
 * A node's outputs with the Sync option: one, or two when the input is a full snapshot (the second is
 * Missing From Source). An expression, as n8n computes outputs from the node's parameters.
 */
export const SYNC_OUTPUTS =
	'={{ ($parameter.sync || {}).fullSnapshot ? [{ "type": "main", "displayName": "Synced" }, { "type": "main", "displayName": "Missing From Source" }] : ["main"] }}';

export type SyncStatus = 'new' | 'changed' | 'unchanged';

/**
 * The `syncStatus` a vendor's outcome may carry when the vendor took the entry without confirming it (e.g.
 * an answer it does not document): the item is output as sent, but its record is not remembered, so it is
 * sent again next run.
 */
export const UNCONFIRMED = 'unconfirmed';

export interface SyncSettings {
	/** Send only new and changed records. */
	changedOnly: boolean;
	/** For a known record, send only the fields whose value changed. */
	changedFieldsOnly: boolean;
	/** Send nothing, change no state, output what would happen. */
	dryRun: boolean;
	/** The input holds every record of the source: a second output lists the keys that left it. */
	fullSnapshot: boolean;
	/** For a known record, clear the fields its last accepted run had and this run lacks. */
	clearRemovedFields: boolean;
}

/** What a node's Sync option does where the user left an option out (today only Send). */
export interface SyncDefaults {
	/** Send when the collection has no Send: 'all' unless the node says otherwise (Batch version 2: 'changed'). */
	send?: 'all' | 'changed';
}

/** Which optional parts of the Sync option an operation offers. */
export interface SyncFeatures {
	/** Clear Removed Fields: only where the operation's tracking has a `clear` form. */
	clearRemovedFields?: boolean;
}

/**
 * The "Sync" option of every profile write operation; `records` names what is synced ("profiles"). A node
 * with `defaults` must pass the same ones to `runSync`, which reads the settings.
 */
export function syncOption(records = 'profiles', defaults: SyncDefaults = {}, features: SyncFeatures = {}): INodeProperties {
	const send = defaults.send ?? 'all';
	const record = records.replace(/s$/, '');
	const clearOption: INodeProperties[] = features.clearRemovedFields
		? [
				{
					displayName: 'Clear Removed Fields',
					name: 'clearRemovedFields',
					type: 'boolean',
					default: false,
					description: `Whether to clear, for a ${record} synced before, the fields its last accepted run sent and this run leaves out (the key is never cleared). Fields are known from the first run with this option on. Applies with Send: Only Changed Since Last Run.`,
				},
			]
		: [];
	return {
		displayName: 'Sync',
		name: 'sync',
		type: 'collection',
		placeholder: 'Add Sync Option',
		default: {},
		description: `Send only the ${records} that changed since the last run, or preview what would be sent`,
		options: [
			...clearOption,
			{
				displayName: 'Dry Run',
				name: 'dryRun',
				type: 'boolean',
				default: false,
				description: `Whether to send nothing and change no sync state, and output per item whether its ${records.replace(/s$/, '')} is new, changed (with the changed fields) or unchanged, or why it is invalid`,
			},
			{
				displayName: 'Input Is a Full Snapshot',
				name: 'fullSnapshot',
				type: 'boolean',
				default: false,
				description: `Whether the input holds every ${records.replace(/s$/, '')} of the source (e.g. a full nightly export). Adds a second output, Missing From Source, with one item per key the last run had and this run has not, to chain a delete or an audience removal.`,
			},
			{
				displayName: 'Only Changed Fields',
				name: 'changedFieldsOnly',
				type: 'boolean',
				default: false,
				description: `Whether to send, for a ${records.replace(/s$/, '')} synced before, only the fields whose value changed (the vendor keeps fields that are left out); a new one is sent whole. Applies with Send: Only Changed Since Last Run.`,
			},
			{
				displayName: 'Send',
				name: 'send',
				type: 'options',
				default: send,
				options: [
					{ name: 'All', value: 'all', description: `Send every ${records.replace(/s$/, '')}; no sync state is kept` },
					{
						name: 'Only Changed Since Last Run',
						value: 'changed',
						description: `Send only ${records} that are new or changed since the last run in which the vendor accepted them; the others are output as unchanged`,
					},
				],
				description: 'Which input items are sent',
			},
		],
	};
}

export function readSyncSettings(ctx: IExecuteFunctions, defaults: SyncDefaults = {}): SyncSettings {
	const sync = ctx.getNodeParameter('sync', 0, {}) as IDataObject;
	return {
		changedOnly: (sync.send ?? defaults.send ?? 'all') === 'changed',
		changedFieldsOnly: sync.changedFieldsOnly === true,
		dryRun: sync.dryRun === true,
		fullSnapshot: sync.fullSnapshot === true,
		clearRemovedFields: sync.clearRemovedFields === true,
	};
}

/** What change detection compares for one prepared payload. */
export interface SyncRecord {
	/** The record's key at the vendor, normalised the way the vendor matches it (e.g. `email:ann@example.com`). */
	id: string;
	/** Flat field name → value, without the key itself; a field left out is one the vendor keeps. */
	fields: IDataObject;
	/**
	 * The payload is sent whatever changed (it carries an action, such as events, not only state); Only Changed
	 * Fields still narrows its fields, possibly to none.
	 */
	always?: boolean;
}

export interface SyncTracking<P> {
	/** Where the static-data fallback keeps the state, unique per operation kind. */
	stateKey: string;
	/** The payload's record; throwing fails the item (e.g. no usable key). */
	record: (payload: P) => SyncRecord;
	/**
	 * The payload with only these fields (its key fields kept); the list is empty only for a record sent
	 * `always` or one that only lost fields (then `clear` follows). May return more (e.g. the whole payload)
	 * when the narrowed one would not be valid for the vendor.
	 */
	narrow: (payload: P, fields: string[]) => P;
	/** The output of an item not sent because it is unchanged: its key, as a sent item would show it. */
	unchanged: (payload: P) => IDataObject;
	/** The Missing From Source item of a key (e.g. `{ customId: 'c5' }` for `customId:c5`), besides `id`. */
	missing?: (id: string) => IDataObject;
	/**
	 * Clear Removed Fields: the payload that also clears these fields (named as `record` names them) in the
	 * vendor's documented way, e.g. each sent as null. Without it the operation cannot clear removed fields.
	 */
	clear?: (payload: P, fields: string[]) => P;
	/** Whether a field can be cleared at all (an identifier may not be); every field when left out. */
	clearable?: (field: string) => boolean;
}

type Plan<P> =
	| { fail: unknown }
	| { unchanged: IDataObject }
	| { send: P; group: Group; changedFields: string[]; clearedFields: string[] };

/** One item before the decisions: its payload and record, the error that failed it, or its input hint (not built). */
type Prepared<P> = { payload: P; record: SyncRecord } | { error: unknown } | { skipped: InputHint };

interface Group {
	id: string;
	items: number[];
	fields: IDataObject;
	status?: SyncStatus;
	changedFields: string[];
	/** Fields the vendor held that this run lacks, cleared with the record's last item. */
	removedFields: string[];
	remember: ChangeKey[];
	/** Whether an item of this record is sent whatever changed. */
	always: boolean;
	/** Items of this record still waiting for the vendor's answer. */
	pending: number;
	failed: boolean;
	/** The input key remembered with the record (a record on one item, see syncShortcut.ts). */
	input?: ChangeKey;
}

/**
 * A profile write operation's run with the Sync option applied. Without it (Send: All, no dry run) this is
 * the plain bulk run. With it, every item is prepared first, so a record on several items is decided once on
 * what the vendor holds after all of them (later items win), with one look at the state for the whole run.
 * A record is remembered only once every item sent for it was accepted, so a failed or refused record is sent
 * again next run, and a run that stops midway keeps what the vendor accepted.
 */
export async function runSync<P>(
	ctx: IExecuteFunctions,
	itemCount: number,
	tracking: SyncTracking<P>,
	options: BulkOptions<P> | ChoosingBulkOptions<P>,
	defaults: SyncDefaults = {},
): Promise<INodeExecutionData[][]> {
	const settings = readSyncSettings(ctx, defaults);
	// Send: All needs no state, unless the input is a full snapshot: then the state tells a first run from a
	// run whose list of keys n8n did not hand over (see snapshotOutput).
	if (!settings.changedOnly && !settings.dryRun && !settings.fullSnapshot) return (await runBulk(ctx, itemCount, options)).results.output();
	// One run of this node's sync at a time: an overlapping one is refused before anything is sent.
	const lock = await acquireSyncLock(ctx, tracking.stateKey);
	const { refusal } = lock;
	if (refusal) {
		if (!ctx.continueOnFail()) throw refusal;
		// On Error: Continue: every item fails with the refusal (nothing sent, nothing remembered).
		const failEach = (itemIndex: number) => {
			throw new NodeOperationError(ctx.getNode(), `Item ${itemIndex}: ${refusal.message}`, { itemIndex, description: refusal.description ?? undefined });
		};
		const refused = (await runBulk(ctx, itemCount, { ...options, prepare: failEach } as BulkOptions<P>)).results.output();
		return settings.fullSnapshot ? [...refused, []] : refused;
	}
	try {
		return await syncRun(ctx, itemCount, tracking, options, settings);
	} finally {
		await lock.release();
	}
}

async function syncRun<P>(
	ctx: IExecuteFunctions,
	itemCount: number,
	tracking: SyncTracking<P>,
	options: BulkOptions<P> | ChoosingBulkOptions<P>,
	settings: SyncSettings,
): Promise<INodeExecutionData[][]> {
	const clearing = settings.changedOnly && settings.clearRemovedFields && tracking.clear !== undefined;
	if (settings.changedOnly && settings.clearRemovedFields && !clearing) {
		ctx.addExecutionHints?.({
			message: 'Clear Removed Fields has no effect here: this API has no documented way to clear a field, so nothing is cleared.',
			type: 'warning',
			location: 'outputPane',
		});
	}
	const clearable = tracking.clearable ?? (() => true);
	// Clear Removed Fields needs every field of every record, so it builds every item.
	const shortcut = settings.changedOnly && !clearing ? InputShortcut.open(ctx, tracking.stateKey, (id) => tracking.missing?.(id) ?? {}) : undefined;
	const prepared = new Array<Prepared<P>>(itemCount);
	const build = async (itemIndex: number) => {
		try {
			const payload = await options.prepare(itemIndex);
			prepared[itemIndex] = { payload, record: tracking.record(payload) };
		} catch (error) {
			prepared[itemIndex] = { error };
		}
	};
	const store = changeStoreFor(ctx, tracking.stateKey, 'attribute');
	const skipped = shortcut ? await heldInputs(store, shortcut, itemCount) : new Map<number, InputHint>();
	for (let itemIndex = 0; itemIndex < itemCount; itemIndex++) if (!skipped.has(itemIndex)) await build(itemIndex);
	// A record that another item of this run builds is decided on all its items: its skipped items are built too.
	const builtIds = new Set(prepared.flatMap((entry) => ('record' in entry ? [entry.record.id] : [])));
	for (const [itemIndex, hint] of skipped) {
		if (builtIds.has(hint.id)) {
			skipped.delete(itemIndex);
			await build(itemIndex);
		}
	}
	const groups = new Map<string, Group>();
	const candidates = groupRecords(prepared, groups);
	const tracker = await loadChanges(
		ctx,
		tracking.stateKey,
		'attribute',
		candidates,
		true,
		clearing ? { names: clearCandidates(ctx, tracking, groups, clearable), tracks: clearable } : undefined,
		store,
	);
	// The state is about to be rewritten with only what this run keeps, or the look-up moved to the static-data
	// fallback, which never saw the input keys: the skipped records are built and decided as usual.
	if (skipped.size > 0 && (tracker.store !== store || tracker.rewritesOnRetain())) {
		const late = [...skipped.keys()];
		skipped.clear();
		for (const itemIndex of late) await build(itemIndex);
		await tracker.load(groupRecords(prepared, groups, late));
	}
	for (const [itemIndex, hint] of skipped) prepared[itemIndex] = { skipped: hint };
	const plan = decide(prepared, groups, tracker, tracking, settings, clearing);
	if (shortcut) rememberInputs(shortcut, prepared, groups, tracker, tracking);

	if (settings.dryRun) {
		// Looking at the database store records what it did not know; a dry run takes that back.
		await tracker.forgetLookup();
		const output = [dryRunOutput(ctx, prepared, plan, clearing)];
		return settings.fullSnapshot ? [...output, snapshotOutput(ctx, tracking, idsOf(prepared), tracker, false)] : output;
	}
	await tracker.retain();
	if (clearing) saveClearCandidates(ctx, tracking, groups, clearable);

	const settleGroup = (group: Group, accepted: boolean) => {
		if (!accepted) group.failed = true;
		if (--group.pending !== 0 || group.failed) return;
		tracker.accept(group.id, group.remember);
		if (shortcut && group.input) keepHint(shortcut, group, prepared, tracking);
	};
	const tracked = (sendBatch: BulkSending<P>['send']) => async (batch: Array<BulkEntry<P>>, batchNumber: number): Promise<EntryOutcome[]> => {
		const planned = batch.map((entry) => plan[entry.itemIndex] as Extract<Plan<P>, { send: P }>);
		let outcomes: EntryOutcome[];
		try {
			outcomes = await sendBatch(batch, batchNumber);
		} catch (error) {
			// The whole request failed: every entry fails with it, as a failed bulk request does.
			outcomes = batch.map(() => ({ error }));
		}
		return planned.map((item, position) => {
			const outcome = outcomes[position];
			const accepted = outcome !== undefined && 'json' in outcome;
			settleGroup(item.group, accepted && outcome.json.syncStatus !== UNCONFIRMED);
			if (!accepted) return outcome;
			const json = outcome.json;
			return {
				json: {
					...json,
					syncStatus: json.syncStatus ?? 'sent',
					changedFields: item.changedFields,
					...(clearing ? { clearedFields: item.clearedFields } : {}),
				},
			};
		});
	};
	const sending: Pick<BulkOptions<P>, 'send'> | Pick<ChoosingBulkOptions<P>, 'choose'> =
		'choose' in options
			? {
					choose: {
						lookahead: options.choose.lookahead,
						sending: (entries, complete) => {
							const chosen = options.choose.sending(entries, complete);
							return { ...chosen, send: tracked(chosen.send) };
						},
					},
				}
			: { send: tracked(options.send) };
	const run = await runBulk<P>(ctx, itemCount, {
		...options,
		...sending,
		prepare: (itemIndex) => {
			const item = plan[itemIndex];
			if ('fail' in item) throw item.fail;
			// An unchanged item is settled at once; a skipped one was never built.
			if ('unchanged' in item) return (prepared[itemIndex] as { payload?: P }).payload as P;
			return item.send;
		},
		settle: (_, itemIndex) => {
			const item = plan[itemIndex];
			return 'unchanged' in item ? item.unchanged : undefined;
		},
	} as BulkOptions<P> | ChoosingBulkOptions<P>).finally(async () => {
		await tracker.save();
		shortcut?.save();
	});
	const output = run.results.output();
	return settings.fullSnapshot ? [...output, snapshotOutput(ctx, tracking, idsOf(prepared), tracker, true)] : output;
}

function idsOf<P>(prepared: Array<Prepared<P>>): Array<string | undefined> {
	return prepared.map((entry) => ('record' in entry ? entry.record.id : 'skipped' in entry ? entry.skipped.id : undefined));
}

/**
 * Adds the records of these items (every item when left out) to the run's groups, a record on several items
 * decided once on all of them (later items win); returns the new records, for the state to be asked about.
 */
function groupRecords<P>(prepared: Array<Prepared<P>>, groups: Map<string, Group>, itemIndexes?: number[]): ChangeCandidate[] {
	const added: Group[] = [];
	for (const itemIndex of itemIndexes ?? prepared.keys()) {
		const entry = prepared[itemIndex];
		if (!entry || !('record' in entry)) continue;
		const { id, fields } = entry.record;
		let group = groups.get(id);
		if (!group) {
			group = { id, items: [], fields: {}, changedFields: [], removedFields: [], remember: [], always: false, pending: 0, failed: false };
			groups.set(id, group);
			added.push(group);
		}
		group.items.push(itemIndex);
		Object.assign(group.fields, fields);
		if (entry.record.always) group.always = true;
	}
	return added.map((group) => ({ id: group.id, attributes: group.fields }));
}

/**
 * The items whose hint names a record whose input key the state holds: unchanged without being built. One
 * look-up in the run's store, part of the run's own: in the database store the keys it did not hold are
 * recorded by it and dropped again when the state is rewritten (taking each back would cost n8n a scan of
 * the whole set per key). A store that fails to answer skips nothing. A record named by several hints is
 * built, as the usual decision takes all its items into account.
 */
async function heldInputs(
	store: ChangeStore,
	shortcut: InputShortcut,
	itemCount: number,
): Promise<Map<number, InputHint>> {
	const candidates: Array<[number, InputHint]> = [];
	for (let itemIndex = 0; itemIndex < itemCount; itemIndex++) {
		const hint = shortcut.hint(itemIndex);
		if (hint) candidates.push([itemIndex, hint]);
	}
	if (candidates.length === 0) return new Map();
	let held: boolean[];
	try {
		held = await store.known(candidates.map(([itemIndex, hint]) => inputKey(hint.id, shortcut.prints[itemIndex]!)));
	} catch {
		return new Map();
	}
	const hints = new Map(candidates.filter((_, position) => held[position]));
	const named = new Map<string, number>();
	for (const hint of hints.values()) named.set(hint.id, (named.get(hint.id) ?? 0) + 1);
	for (const [itemIndex, hint] of hints) if (named.get(hint.id)! > 1) hints.delete(itemIndex);
	return hints;
}

/** This run's hint for a record built from one item, which the vendor now holds as that item builds it. */
function keepHint<P>(shortcut: InputShortcut, group: Group, prepared: Array<Prepared<P>>, tracking: SyncTracking<P>): void {
	const itemIndex = group.items[0];
	shortcut.keep(itemIndex, group.id, tracking.unchanged((prepared[itemIndex] as { payload: P }).payload));
}

/**
 * The input keys of this run (see syncShortcut.ts): a record built from one item, not sent for its action, is
 * remembered with its item's input key once accepted, and an unchanged one keeps it now; skipped items keep
 * their hints.
 */
function rememberInputs<P>(shortcut: InputShortcut, prepared: Array<Prepared<P>>, groups: Map<string, Group>, tracker: ChangeTracker, tracking: SyncTracking<P>): void {
	prepared.forEach((entry, itemIndex) => {
		if ('skipped' in entry) shortcut.carry(itemIndex);
	});
	for (const group of groups.values()) {
		const print = group.items.length === 1 && !group.always ? shortcut.prints[group.items[0]] : undefined;
		if (print === undefined) continue;
		group.input = inputKey(group.id, print);
		group.remember = [...group.remember, group.input];
		if (group.status !== 'unchanged') continue;
		tracker.keepAlso(group.input);
		keepHint(shortcut, group, prepared, tracking);
	}
}

/** Why Missing From Source has no answer when the last snapshot's keys did not reach this execution. */
export const MISSING_NOT_REPORTED =
	"The keys of the last snapshot are not available to this execution, so who left the source cannot be told: either this is the first run with Input Is a Full Snapshot of a node that already kept a sync state (the next run will report), or n8n gave this execution no workflow static data, as queue-mode workers get none in n8n 2.41.1 (run the workflow in regular mode to use Missing From Source).";

/** Where a node keeps the keys of its last full snapshot, in its workflow static data. */
export const snapshotKey = (stateKey: string) => `${stateKey}Snapshot`;

interface StoredSnapshot {
	v: 1;
	ids: string[];
}

/**
 * The Missing From Source output: the keys of the last run's snapshot that this run's input lacks. The keys
 * themselves (not fingerprints) are needed to name what left, so they are kept in the node's workflow static
 * data, which n8n saves with the workflow after every production run (but hands no queue-mode worker in n8n 2.41.1). When an item
 * has no readable key, nothing is reported (a key that only looks gone could start a delete): a warning names
 * the items, and the list keeps every key it had. A run that stops on an error never gets here, so its list is
 * left as it was. `save` is false for a dry run.
 */
function snapshotOutput<P>(
	ctx: IExecuteFunctions,
	tracking: SyncTracking<P>,
	ids: Array<string | undefined>,
	tracker: ChangeTracker,
	save: boolean,
): INodeExecutionData[] {
	const staticData = ctx.getWorkflowStaticData('node');
	const key = snapshotKey(tracking.stateKey);
	const stored = staticData[key] as StoredSnapshot | undefined;
	const previous = stored?.v === 1 && Array.isArray(stored.ids) ? stored.ids : [];
	const seen = new Set(ids.filter((id): id is string => id !== undefined));
	if (stored === undefined && [...seen].some((id) => tracker.isKnown(id))) {
		// The sync state knows records from an earlier run, so that run kept a list of keys, yet this run has
		// none: n8n did not hand the workflow's static data to this execution (a queue-mode worker in n8n
		// 2.41.1 gets none). Saying so beats reporting nobody missing.
		if (save) staticData[key] = { v: 1, ids: [...seen] } satisfies StoredSnapshot as unknown as IDataObject;
		return [{ json: { syncStatus: 'notReported', reason: MISSING_NOT_REPORTED } }];
	}
	const unreadable = ids.flatMap((id, itemIndex) => (id === undefined ? [itemIndex] : []));
	if (unreadable.length > 0) {
		ctx.addExecutionHints?.({
			message: `Missing From Source is not reported for this run: ${itemRanges(unreadable)} could not be read, so a key that seems gone may still be in the source. Fix those items and run again.`,
			type: 'warning',
			location: 'outputPane',
		});
		if (save) staticData[key] = { v: 1, ids: [...new Set([...previous, ...seen])] } satisfies StoredSnapshot as unknown as IDataObject;
		return [];
	}
	if (save) staticData[key] = { v: 1, ids: [...seen] } satisfies StoredSnapshot as unknown as IDataObject;
	return previous
		.filter((id) => !seen.has(id))
		.map((id) => ({ json: { id, ...tracking.missing?.(id), syncStatus: 'missing' } }));
}

/** Every item's plan: its error, unchanged, or the payload to send (narrowed to the changed fields when asked). */
function decide<P>(
	prepared: Array<Prepared<P>>,
	groups: Map<string, Group>,
	tracker: ChangeTracker,
	tracking: SyncTracking<P>,
	settings: SyncSettings,
	clearing: boolean,
): Array<Plan<P>> {
	const plan = new Array<Plan<P>>(prepared.length);
	prepared.forEach((entry, itemIndex) => {
		if ('error' in entry) plan[itemIndex] = { fail: entry.error };
		else if ('skipped' in entry) plan[itemIndex] = { unchanged: { ...entry.skipped.output, syncStatus: 'unchanged' } };
	});
	for (const group of groups.values()) {
		const known = tracker.isKnown(group.id);
		const decision = tracker.decide(group.id, group.fields, group.always);
		group.remember = decision.remember;
		group.status = !known ? 'new' : decision.send ? 'changed' : 'unchanged';
		group.changedFields = group.status === 'new' ? Object.keys(group.fields) : decision.changedAttributes;
		group.removedFields = clearing ? decision.removedAttributes : [];
		const changed = new Set(group.changedFields);
		// The record's last item clears its removed fields, once every item of the record is applied.
		const clearer = group.removedFields.length > 0 ? group.items[group.items.length - 1] : undefined;
		for (const itemIndex of group.items) {
			const { payload, record } = prepared[itemIndex] as { payload: P; record: SyncRecord };
			const itemChanged = Object.keys(record.fields).filter((field) => changed.has(field));
			const clearedFields = itemIndex === clearer ? group.removedFields : [];
			if (
				settings.changedOnly &&
				!record.always &&
				(group.status === 'unchanged' ||
					(group.status === 'changed' && settings.changedFieldsOnly && itemChanged.length === 0 && clearedFields.length === 0))
			) {
				plan[itemIndex] = { unchanged: { ...tracking.unchanged(payload), syncStatus: 'unchanged' } };
				continue;
			}
			const narrowed = settings.changedOnly && group.status === 'changed' && settings.changedFieldsOnly;
			const send = narrowed ? tracking.narrow(payload, itemChanged) : payload;
			plan[itemIndex] = {
				send: clearedFields.length > 0 ? tracking.clear!(send, clearedFields) : send,
				group,
				changedFields: group.status === 'new' ? Object.keys(record.fields) : itemChanged,
				clearedFields,
			};
			group.pending++;
		}
	}
	return plan;
}

/** One item per input item: what a real run would do with it, or why it is invalid. */
function dryRunOutput<P>(
	ctx: IExecuteFunctions,
	prepared: Array<Prepared<P>>,
	plan: Array<Plan<P>>,
	clearing: boolean,
): INodeExecutionData[] {
	const cleared = (fields: string[]) => (clearing ? { clearedFields: fields } : {});
	return prepared.map((entry, itemIndex) => {
		const item = plan[itemIndex];
		let json: IDataObject;
		if ('error' in entry) {
			// A preview shows every invalid item on the main output (with its own status), whatever Continue On Fail says.
			json = { syncStatus: 'invalid', ...errorJson(requestFailed(ctx.getNode(), entry.error, itemIndex), itemIndex) };
		} else if ('unchanged' in item) {
			json = { id: 'skipped' in entry ? entry.skipped.id : entry.record.id, syncStatus: 'unchanged', changedFields: [], ...cleared([]) };
		} else {
			const { group, changedFields, clearedFields, send } = item as Extract<Plan<P>, { send: P }>;
			json = { id: group.id, syncStatus: group.status, changedFields, ...cleared(clearedFields), payload: send as IDataObject };
		}
		return { json, pairedItem: { item: itemIndex } };
	});
}

/**
 * How many field names Clear Removed Fields keeps from one run to the next in the node's static data, so a
 * field that every record of a run lacks (a mapping removed) is still looked for. Bounds the look-ups: each
 * known record is asked about every name.
 */
export const MAX_CLEAR_CANDIDATES = 200;

/** Where a node keeps the field names of its last run with Clear Removed Fields, in its workflow static data. */
export const clearCandidatesKey = (stateKey: string) => `${stateKey}Fields`;

interface StoredFieldNames {
	v: 1;
	names: string[];
}

/**
 * The names a known record may have lost: every field of this run's records and the names the last run
 * kept in static data. n8n hands queue-mode workers no static data (n8n 2.41.1), so there only this run's
 * names are looked for.
 */
function clearCandidates<P>(
	ctx: IExecuteFunctions,
	tracking: SyncTracking<P>,
	groups: Map<string, Group>,
	clearable: (field: string) => boolean,
): string[] {
	const stored = ctx.getWorkflowStaticData('node')[clearCandidatesKey(tracking.stateKey)] as StoredFieldNames | undefined;
	const previous = stored?.v === 1 && Array.isArray(stored.names) ? stored.names : [];
	const names = new Set<string>();
	for (const group of groups.values()) for (const name of Object.keys(group.fields)) names.add(name);
	for (const name of previous) names.add(name);
	return [...names].filter(clearable);
}

/** Keeps this run's field names, and the removed ones (cleared again if their clear fails), for the next run. */
function saveClearCandidates<P>(
	ctx: IExecuteFunctions,
	tracking: SyncTracking<P>,
	groups: Map<string, Group>,
	clearable: (field: string) => boolean,
): void {
	const names = new Set<string>();
	for (const group of groups.values()) for (const name of [...Object.keys(group.fields), ...group.removedFields]) if (clearable(name)) names.add(name);
	const stored: StoredFieldNames = { v: 1, names: [...names].slice(0, MAX_CLEAR_CANDIDATES) };
	const staticData = ctx.getWorkflowStaticData('node');
	const key = clearCandidatesKey(tracking.stateKey);
	const previous = staticData[key] as StoredFieldNames | undefined;
	if (previous?.v === 1 && JSON.stringify(previous.names) === JSON.stringify(stored.names)) return;
	staticData[key] = stored as unknown as IDataObject;
}

/** The two halves of a `field:value` record key (the value may itself hold colons). */
export function splitRecordKey(id: string): [field: string, value: string] {
	const colon = id.indexOf(':');
	return [id.slice(0, colon), id.slice(colon + 1)];
}

/** A key → value object flattened one level for the named nested objects (`attributes.tier`). */
export function flatFields(payload: IDataObject, nested: readonly string[], exclude: readonly string[] = []): IDataObject {
	const fields: IDataObject = {};
	for (const [key, value] of Object.entries(payload)) {
		if (exclude.includes(key) || value === undefined) continue;
		if (nested.includes(key) && value !== null && typeof value === 'object' && !Array.isArray(value)) {
			for (const [name, inner] of Object.entries(value as IDataObject)) if (inner !== undefined) fields[`${key}.${name}`] = inner;
		} else {
			fields[key] = value;
		}
	}
	return fields;
}

/** The payload with only the given flat fields (as `flatFields` names them) and the fields in `keep`. */
export function pickFields(payload: IDataObject, fields: readonly string[], nested: readonly string[], keep: readonly string[] = []): IDataObject {
	const wanted = new Set(fields);
	const picked: IDataObject = {};
	for (const [key, value] of Object.entries(payload)) {
		if (keep.includes(key) || wanted.has(key)) {
			picked[key] = value;
			continue;
		}
		if (!nested.includes(key) || value === null || typeof value !== 'object' || Array.isArray(value)) continue;
		const inner: IDataObject = {};
		for (const [name, innerValue] of Object.entries(value as IDataObject)) if (wanted.has(`${key}.${name}`)) inner[name] = innerValue;
		if (Object.keys(inner).length > 0) picked[key] = inner;
	}
	return picked;
}

/**
 * The payload with each given flat field (as `flatFields` names them) set to null, the clear form of the
 * vendors where null clears a field.
 */
export function nullFields(payload: IDataObject, fields: readonly string[], nested: readonly string[]): IDataObject {
	const result: IDataObject = { ...payload };
	for (const field of fields) {
		const dot = field.indexOf('.');
		const outer = dot > 0 ? field.slice(0, dot) : undefined;
		if (outer !== undefined && nested.includes(outer)) {
			const inner = result[outer];
			const copy = inner !== null && typeof inner === 'object' && !Array.isArray(inner) ? { ...(inner as IDataObject) } : {};
			copy[field.slice(dot + 1)] = null;
			result[outer] = copy;
		} else {
			result[field] = null;
		}
	}
	return result;
}

/** The Reset Sync State operation of a node: forgets the state of this node, so its next run sends everything. */
export function resetSyncStateDescription(displayOptions: INodeProperties['displayOptions'], records = 'profiles'): INodeProperties[] {
	return [
		{
			displayName: `Forgets what the Sync option remembered for this node (in n8n's database and in the workflow's static data), so its next run with Send: Only Changed Since Last Run sends every ${records.replace(/s$/, '')} again. The state belongs to this node of this workflow: switch this node to this operation, run it once, and switch it back.`,
			name: 'resetNotice',
			type: 'notice',
			default: '',
			displayOptions,
		},
	];
}

export async function resetSyncState(ctx: IExecuteFunctions, stateKey: string): Promise<INodeExecutionData[][]> {
	const forgotten = await forgetChanges(ctx, stateKey);
	// Frees the node from a sync that never ended (n8n stopped mid-run), which would refuse runs for hours.
	await clearSyncLock(ctx, stateKey);
	delete ctx.getWorkflowStaticData('node')[snapshotKey(stateKey)];
	delete ctx.getWorkflowStaticData('node')[clearCandidatesKey(stateKey)];
	delete ctx.getWorkflowStaticData('node')[inputHintsKey(stateKey)];
	return [
		ctx.getInputData().map((_, itemIndex) => ({
			json: { syncStateReset: true, forgottenRecords: forgotten.records, forgottenDatabaseEntries: forgotten.databaseEntries },
			pairedItem: { item: itemIndex },
		})),
	];
}
