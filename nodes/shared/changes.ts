import type { IDataObject, IExecuteFunctions } from "n8n-workflow";

/**
 * Change detection ("only send what changed"): records keyed by an ID, each a set of attributes. After the
 * vendor accepted a record, its fingerprint (or one per attribute) is remembered, so a later run sends only
 * the records, or the attributes, that are new or changed. The fingerprints live in n8n's deduplication
 * store, or in the node's workflow static data where n8n has no such store for the run.
 */

/**
 * JSON with object keys sorted at every level, so two objects with the same content give the same text
 * whatever order their keys arrived in. Array order is kept: vendors replace arrays as given.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object")
    return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const keys = Object.keys(value as object)
    .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
    .sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`).join(",")}}`;
}

/** 32-bit FNV-1a over UTF-16 code units, from a given offset basis. */
function fnv1a32(text: string, basis: number): number {
  let hash = basis >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

const hex8 = (n: number) => n.toString(16).padStart(8, "0");

/**
 * A short, stable fingerprint (16 hex characters, two independent FNV-1a hashes) of a value's canonical
 * JSON. Pure TypeScript so the node needs no runtime module; it detects change, it is not a security hash.
 */
export function fingerprint(value: unknown): string {
  const text = canonicalJson(value);
  return hex8(fnv1a32(text, 0x811c9dc5)) + hex8(fnv1a32(text, 0x050c5d1f));
}

/** One attribute value's fingerprint; shorter, as a record stores one per attribute. */
export function valueFingerprint(value: unknown): string {
  return hex8(fnv1a32(canonicalJson(value), 0x811c9dc5));
}

/**
 * `record`: one fingerprint per ID, a changed record is sent whole.
 * `attribute`: one fingerprint per attribute, only changed attributes are sent.
 */
export type ChangeGranularity = "record" | "attribute";

/** One remembered fact: "the vendor holds this fingerprint for this record (or this attribute of it)". */
export interface ChangeKey {
  id: string;
  /** Set at attribute granularity; `PRESENCE_ATTR` for the key that says the record is known at all. */
  attr?: string;
  print: string;
}

/**
 * The attribute name of a presence key: "the vendor holds this record", whatever its values. It tells a new
 * record from a changed one; no real attribute is named with the empty string.
 */
export const PRESENCE_ATTR = "";

export function presenceKey(id: string): ChangeKey {
  return { id, attr: PRESENCE_ATTR, print: "" };
}

const isPresence = (key: ChangeKey) => key.attr === PRESENCE_ATTR;

/**
 * Marks the attribute name of a field presence key: "the vendor holds this field of this record", whatever
 * its value, kept only by runs that clear removed fields. No real field name starts with this control
 * character.
 */
const FIELD_MARK = "\u001e";

export function fieldPresenceKey(id: string, field: string): ChangeKey {
  return { id, attr: `${FIELD_MARK}${field}`, print: "" };
}

/**
 * A place that remembers which fingerprints the vendor accepted.
 * - `known` says which of the given keys are remembered;
 * - `retain` is called once the run's decisions are made, with the keys of this run that are still true
 *   (unchanged records or attributes), per ID;
 * - `record` is called once at the end with everything the vendor accepted in this run, per ID.
 */
export interface ChangeStore {
  readonly location: "database" | "staticData";
  known(keys: ChangeKey[]): Promise<boolean[]>;
  /** Like `known`, but leaves no trace in the store (asked after `known`, about field presence keys). */
  probe(keys: ChangeKey[]): Promise<boolean[]>;
  /**
   * `added`: keys of `kept` the store may not hold yet (field presence learnt from held fingerprints);
   * `dropUnkept`: some record lost fields, whose fingerprints must go even if every key of the run was held.
   */
  retain(kept: Map<string, ChangeKey[]>, added: ChangeKey[], dropUnkept: boolean): Promise<void>;
  record(accepted: Map<string, ChangeKey[]>): Promise<void>;
  /** Drops these keys (the presence of fields the vendor cleared). */
  forget(keys: ChangeKey[]): Promise<void>;
  /** Undoes whatever `known` wrote, for a run that only looks (a dry run). */
  forgetLookup(): Promise<void>;
  /** Whether `retain` will rewrite the state after what `known` saw (so that keys not kept are lost). */
  rewritesOnRetain(): boolean;
}

type Remembered = string | Record<string, string>;

/**
 * The shape kept in static data. Its names date from when every record was a customer profile (the record
 * granularity is stored as "profile", the records under `profiles`); they stay, so saved states still match.
 */
interface StoredState {
  v: number;
  granularity: "profile" | "attribute";
  profiles: Record<string, Remembered>;
}

const STORED_VERSION = 1;
const STORED_GRANULARITY: Record<
  ChangeGranularity,
  StoredState["granularity"]
> = {
  record: "profile",
  attribute: "attribute",
};

/**
 * Fallback store: workflow static data under `stateKey`, which n8n saves to its database after every
 * non-manual execution of a saved workflow, but which n8n 2.41.1 does not hand to queue-mode workers.
 * Records absent from a run keep their fingerprints.
 */
export class StaticDataChangeStore implements ChangeStore {
  readonly location = "staticData" as const;
  private readonly remembered = new Map<string, Remembered>();
  private changed = false;

  constructor(
    private readonly staticData: IDataObject,
    private readonly stateKey: string,
    private readonly granularity: ChangeGranularity,
  ) {
    const stored = staticData[stateKey] as StoredState | undefined;
    if (
      stored &&
      stored.v === STORED_VERSION &&
      stored.granularity === STORED_GRANULARITY[granularity] &&
      stored.profiles
    ) {
      for (const [id, value] of Object.entries(stored.profiles))
        this.remembered.set(id, value);
    } else if (stored) {
      // A state of another shape cannot be compared with; start over (every record is sent once).
      this.changed = true;
    }
  }

  get size(): number {
    return this.remembered.size;
  }

  async known(keys: ChangeKey[]): Promise<boolean[]> {
    return keys.map((key) => {
      const previous = this.remembered.get(key.id);
      if (isPresence(key)) return previous !== undefined;
      if (key.attr === undefined) return previous === key.print;
      return typeof previous === "object" && previous[key.attr] === key.print;
    });
  }

  async probe(keys: ChangeKey[]): Promise<boolean[]> {
    return await this.known(keys);
  }

  async retain(_kept: Map<string, ChangeKey[]>, added: ChangeKey[]): Promise<void> {
    // Nothing to drop: a record's entry is replaced as a whole when the vendor accepts it again.
    if (added.length === 0) return;
    for (const key of added) {
      const previous = this.remembered.get(key.id);
      if (typeof previous !== "object" || key.attr === undefined) continue;
      this.remembered.set(key.id, { ...previous, [key.attr]: key.print });
      this.changed = true;
    }
    this.save();
  }

  async forget(keys: ChangeKey[]): Promise<void> {
    for (const key of keys) {
      const previous = this.remembered.get(key.id);
      if (typeof previous !== "object" || key.attr === undefined || !(key.attr in previous)) continue;
      const rest = { ...previous };
      delete rest[key.attr];
      this.remembered.set(key.id, rest);
      this.changed = true;
    }
    this.save();
  }

  async forgetLookup(): Promise<void> {
    // Looking writes nothing here.
  }

  rewritesOnRetain(): boolean {
    // A record's entry is only ever replaced whole or added to: records absent from the run keep theirs.
    return false;
  }

  async record(accepted: Map<string, ChangeKey[]>): Promise<void> {
    for (const [id, allKeys] of accepted) {
      // Presence is implied by the entry itself.
      const keys = allKeys.filter((key) => !isPresence(key));
      if (this.granularity === "record") {
        if (keys[0]) this.remembered.set(id, keys[0].print);
      } else {
        const prints: Record<string, string> = {};
        for (const key of keys)
          if (key.attr !== undefined) prints[key.attr] = key.print;
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
    const stored: StoredState = {
      v: STORED_VERSION,
      granularity: STORED_GRANULARITY[this.granularity],
      profiles,
    };
    // A fresh plain object assigned at the top level marks the static data as changed for n8n.
    this.staticData[this.stateKey] = stored as unknown as IDataObject;
    this.changed = false;
  }
}

/** The part of n8n's deduplication helpers (n8n ≥ 1.60) the database store uses. */
export interface DeduplicationHelpers {
  checkProcessedAndRecord(
    items: string[],
    scope: "node" | "workflow",
    options: { mode: "entries" },
  ): Promise<{ new: unknown[]; processed: unknown[] }>;
  clearAllProcessedItems(
    scope: "node",
    options: { mode: "entries" },
  ): Promise<void>;
  getProcessedDataCount(
    scope: "node",
    options: { mode: "entries" },
  ): Promise<number>;
  removeProcessed(
    items: string[],
    scope: "node" | "workflow",
    options: { mode: "entries" },
  ): Promise<void>;
}

/** The deduplication helpers' mode for a set of keys (not an incremental value). */
export const ENTRIES = { mode: "entries" } as const;
const SEP = "\u001f";

/** The text n8n hashes for one key; record and attribute keys never collide. */
export function keyText(key: ChangeKey): string {
  return key.attr === undefined
    ? `p${SEP}${key.id}${SEP}${key.print}`
    : `a${SEP}${key.id}${SEP}${key.attr}${SEP}${key.print}`;
}

/**
 * Main store: n8n's deduplication table (`processed_data`, one row per workflow and node, holding a set of
 * hashes), which every n8n process, queue workers included, reads and writes directly in the database.
 * A key is "ID + fingerprint" (or "ID + attribute + fingerprint"), so the set can only answer "does the
 * vendor hold exactly this?". The helper records every key it is asked about, so:
 * 1. `known`: one check of all the run's keys; the ones it did not know are now (wrongly) recorded;
 * 2. `retain`: right after the decisions, the set is cleared and refilled with only the keys that are still
 *    true (unchanged records of this run). That drops the keys recorded by step 1 and every older
 *    fingerprint of a record that changed, so A → B → A is caught: when B is accepted, A is gone;
 * 3. `record`: at the end, one check-and-record of the keys the vendor accepted.
 * Records absent from the run are forgotten at step 2 (they are sent again when they come back). A run in
 * which every key was already held skips step 2: nothing changed, so nothing needs dropping.
 */
export class DeduplicationChangeStore implements ChangeStore {
  readonly location = "database" as const;

  /** Whether step 1 ran on some keys. */
  private looked = false;
  /** Whether step 1 recorded keys the set did not hold (a new or changed record). */
  private recordedUnknownKeys = false;
  /** The keys step 1 recorded that the set did not hold. */
  private lookupRecorded: string[] = [];

  constructor(private readonly helpers: DeduplicationHelpers) {}

  /** One check-and-record of the keys' texts: which were held, and which the check has just recorded. */
  private async check(keys: ChangeKey[]): Promise<{ held: boolean[]; recorded: string[] }> {
    const texts = keys.map(keyText);
    const unique = [...new Set(texts)];
    if (unique.length === 0) return { held: [], recorded: [] };
    const answer = await this.helpers.checkProcessedAndRecord(
      unique,
      "node",
      ENTRIES,
    );
    const processed = new Set(answer.processed.map(String));
    return { held: texts.map((text) => processed.has(text)), recorded: answer.new as string[] };
  }

  async known(keys: ChangeKey[]): Promise<boolean[]> {
    const { held, recorded } = await this.check(keys);
    if (keys.length === 0) return held;
    // Step 1 may come in parts (records built later in the run): what any part recorded counts.
    this.looked = true;
    if (recorded.length > 0) this.recordedUnknownKeys = true;
    // Concatenated, not spread into push: a first run records hundreds of thousands of keys.
    this.lookupRecorded = this.lookupRecorded.length === 0 ? recorded : this.lookupRecorded.concat(recorded);
    return held;
  }

  async probe(keys: ChangeKey[]): Promise<boolean[]> {
    const { held, recorded } = await this.check(keys);
    // The helper records what it is asked about: a probe takes that back at once.
    if (recorded.length > 0)
      await this.helpers.removeProcessed(recorded, "node", ENTRIES);
    return held;
  }

  async retain(kept: Map<string, ChangeKey[]>, added: ChangeKey[], dropUnkept: boolean): Promise<void> {
    // When the set held every key of the run, step 1 recorded nothing and no record changed, so there is
    // nothing to drop: skipping the rewrite makes an unchanged re-sync cheap. A removed field's fingerprint
    // is not a key of the run, so it goes only with a rewrite (else the same value sent back would look held).
    if (!this.rewritesOnRetain() && !dropUnkept) {
      const texts = [...new Set(added.map(keyText))];
      if (texts.length > 0)
        await this.helpers.checkProcessedAndRecord(texts, "node", ENTRIES);
      return;
    }
    await this.helpers.clearAllProcessedItems("node", ENTRIES);
    const texts = [...new Set([...kept.values()].flat().map(keyText))];
    if (texts.length > 0)
      await this.helpers.checkProcessedAndRecord(texts, "node", ENTRIES);
  }

  rewritesOnRetain(): boolean {
    return !this.looked || this.recordedUnknownKeys;
  }

  async forgetLookup(): Promise<void> {
    const recorded = this.lookupRecorded;
    this.lookupRecorded = [];
    if (recorded.length > 0)
      await this.helpers.removeProcessed(recorded, "node", ENTRIES);
  }

  async record(accepted: Map<string, ChangeKey[]>): Promise<void> {
    const texts = [...new Set([...accepted.values()].flat().map(keyText))];
    if (texts.length > 0)
      await this.helpers.checkProcessedAndRecord(texts, "node", ENTRIES);
  }

  async forget(keys: ChangeKey[]): Promise<void> {
    const texts = [...new Set(keys.map(keyText))];
    if (texts.length > 0)
      await this.helpers.removeProcessed(texts, "node", ENTRIES);
  }
}

/** n8n's deduplication helpers when this n8n has them (n8n ≥ 1.60), else undefined. */
export function deduplicationHelpers(
  ctx: IExecuteFunctions,
): DeduplicationHelpers | undefined {
  const helpers = ctx.helpers as unknown as Partial<DeduplicationHelpers>;
  if (
    typeof helpers.checkProcessedAndRecord !== "function" ||
    typeof helpers.clearAllProcessedItems !== "function" ||
    typeof helpers.getProcessedDataCount !== "function" ||
    typeof helpers.removeProcessed !== "function"
  ) {
    return undefined;
  }
  return helpers as DeduplicationHelpers;
}

/** n8n keys deduplication entries by workflow ID and node ID: both must exist. */
function hasIds(ctx: IExecuteFunctions): boolean {
  const workflowId =
    typeof ctx.getWorkflow === "function" ? ctx.getWorkflow()?.id : undefined;
  const nodeId =
    typeof ctx.getNode === "function" ? ctx.getNode()?.id : undefined;
  return Boolean(workflowId) && Boolean(nodeId);
}

/**
 * n8n's deduplication helpers when this run keeps its state in n8n's database: a saved, non-manual execution
 * (manual runs' state n8n never saves) of an n8n that has the helpers; else undefined.
 */
export function databaseStoreHelpers(
  ctx: IExecuteFunctions,
): DeduplicationHelpers | undefined {
  const helpers = deduplicationHelpers(ctx);
  const manual =
    typeof ctx.getMode === "function" && ctx.getMode() === "manual";
  return helpers && !manual && hasIds(ctx) ? helpers : undefined;
}

/**
 * The database store where `databaseStoreHelpers` finds it; otherwise workflow static data under `stateKey`.
 */
export function changeStoreFor(
  ctx: IExecuteFunctions,
  stateKey: string,
  granularity: ChangeGranularity,
): ChangeStore {
  const helpers = databaseStoreHelpers(ctx);
  if (helpers) return new DeduplicationChangeStore(helpers);
  return new StaticDataChangeStore(
    ctx.getWorkflowStaticData("node"),
    stateKey,
    granularity,
  );
}

export interface ChangeDecision {
  /** Attributes to send; `undefined` means the record is unchanged and is not sent. */
  send?: IDataObject;
  /** What to remember once the vendor accepted the record: every key of the record as sent now. */
  remember: ChangeKey[];
  changedAttributes: string[];
  /**
   * Fields the vendor held for this known record (their presence was remembered) that this run left out;
   * only when the tracker keeps field presence. The record then counts as changed.
   */
  removedAttributes: string[];
}

/** A record of this run, as the node built it. */
export interface ChangeCandidate {
  id: string;
  attributes: IDataObject;
}

/**
 * Decides per record against a store of what the vendor last accepted. A fingerprint is recorded only
 * after the vendor accepted the record, so a rejected or failed record is sent again next run.
 */
export class ChangeTracker {
  /** What this run expects the vendor to hold once its earlier items are applied (duplicate IDs in one run). */
  private readonly expected = new Map<string, ChangeKey[]>();
  /** What `load` learnt per record: its keys, and which of them the store held. */
  private readonly loaded = new Map<
    string,
    { attributes: IDataObject; keys: ChangeKey[]; known: boolean[]; presenceKnown: boolean; fieldsHeld?: Set<string> }
  >();
  private knownTextSet?: Set<string>;
  private readonly kept = new Map<string, ChangeKey[]>();
  private readonly accepted = new Map<string, ChangeKey[]>();
  /** Field presence keys this run learnt from held fingerprints (records accepted before fields were tracked). */
  private readonly added: ChangeKey[] = [];
  /** Per record decided: the presence keys of its removed fields, dropped once the vendor accepts it. */
  private readonly removedKeys = new Map<string, ChangeKey[]>();
  private readonly cleared: ChangeKey[] = [];

  constructor(
    readonly store: ChangeStore,
    readonly granularity: ChangeGranularity,
    /** Whether records carry a presence key, so `isKnown` can tell a new record from a changed one. */
    readonly presence = false,
    /**
     * Whether to keep one presence key per field (attribute granularity, with `presence`), so that a field
     * the vendor holds and a later run leaves out can be told (`removedAttributes`).
     */
    readonly fieldPresence = false,
    /** With field presence: which fields it is kept for (those the vendor can clear). */
    readonly tracksField: (field: string) => boolean = () => true,
  ) {}

  /** Whether the store holds this record at all (always false without presence keys). */
  isKnown(id: string): boolean {
    if (!this.presence) return false;
    const loaded = this.loaded.get(id);
    return loaded ? loaded.presenceKnown : this.knownTexts().has(keyText(presenceKey(id)));
  }

  keysOf(id: string, attributes: IDataObject): ChangeKey[] {
    if (this.granularity === "record")
      return [{ id, print: fingerprint(attributes) }];
    return Object.entries(attributes).map(([attr, value]) => ({
      id,
      attr,
      print: valueFingerprint(value),
    }));
  }

  /** Asks the store once about every record of the run. */
  async load(candidates: ChangeCandidate[]): Promise<void> {
    const keys: ChangeKey[] = [];
    const spans: Array<{ candidate: ChangeCandidate; own: ChangeKey[]; start: number }> = [];
    for (const candidate of candidates) {
      const own = this.keysOf(candidate.id, candidate.attributes);
      spans.push({ candidate, own, start: keys.length });
      for (const key of own) keys.push(key);
      if (this.presence) keys.push(presenceKey(candidate.id));
    }
    const known = await this.store.known(keys);
    for (const { candidate, own, start } of spans) {
      this.loaded.set(candidate.id, {
        attributes: candidate.attributes,
        keys: own,
        known: known.slice(start, start + own.length),
        presenceKnown: this.presence && known[start + own.length] === true,
      });
    }
  }

  /**
   * Asks the store, for every known record, whether it remembers these fields as held: its own fields and
   * the candidate names it lacks. Only for a tracker with field presence, after `load`.
   */
  async probeFields(candidates: readonly string[]): Promise<void> {
    if (!this.fieldPresence) return;
    const keys: ChangeKey[] = [];
    const spans: Array<{ entry: { fieldsHeld?: Set<string> }; names: string[]; start: number }> = [];
    for (const [id, entry] of this.loaded) {
      if (!entry.presenceKnown) continue;
      const names = [...new Set([...Object.keys(entry.attributes), ...candidates])].filter(this.tracksField);
      spans.push({ entry, names, start: keys.length });
      for (const name of names) keys.push(fieldPresenceKey(id, name));
    }
    const held = keys.length > 0 ? await this.store.probe(keys) : [];
    for (const { entry, names, start } of spans)
      entry.fieldsHeld = new Set(names.filter((_, index) => held[start + index]));
  }

  /** Every key the store held, as text: built only when a record is decided on other attributes than it was loaded with. */
  private knownTexts(): Set<string> {
    if (!this.knownTextSet) {
      this.knownTextSet = new Set<string>();
      for (const [id, entry] of this.loaded) {
        entry.keys.forEach((key, index) => {
          if (entry.known[index]) this.knownTextSet!.add(keyText(key));
        });
        if (entry.presenceKnown) this.knownTextSet.add(keyText(presenceKey(id)));
      }
    }
    return this.knownTextSet;
  }

  decide(
    id: string,
    attributes: IDataObject,
    forceSend: boolean,
  ): ChangeDecision {
    const loaded = this.loaded.get(id);
    // A record decided on the attributes it was loaded with (the usual case) reuses the keys and answers of `load`.
    const keys =
      loaded && loaded.attributes === attributes
        ? loaded.keys
        : this.keysOf(id, attributes);
    const earlier = this.expected.get(id);
    let held: boolean[];
    if (earlier) {
      const earlierTexts = new Set(earlier.map(keyText));
      held = keys.map((key) => earlierTexts.has(keyText(key)));
    } else if (loaded && keys === loaded.keys) {
      held = loaded.known;
    } else {
      const known = this.knownTexts();
      held = keys.map((key) => known.has(keyText(key)));
    }
    this.expected.set(id, keys);
    const unchangedKeys = keys.filter((_, index) => held[index]);
    // Only what the store already held, and this item does not change, stays true whatever happens to
    // this run's requests.
    const presence = this.presence ? [presenceKey(id)] : [];
    if (earlier) {
      const texts = new Set(keys.map(keyText));
      this.kept.set(
        id,
        (this.kept.get(id) ?? []).filter(
          (key) => isPresence(key) || texts.has(keyText(key)),
        ),
      );
    } else {
      this.kept.set(
        id,
        this.isKnown(id) ? [...unchangedKeys, ...presence] : unchangedKeys,
      );
    }
    const remember = this.presence ? [...keys, ...presence] : keys;
    if (this.granularity === "record") {
      const unchanged = unchangedKeys.length === 1 && !forceSend;
      return {
        send: unchanged ? undefined : attributes,
        remember,
        changedAttributes: unchanged ? [] : Object.keys(attributes),
        removedAttributes: [],
      };
    }
    const changedAttributes: string[] = [];
    keys.forEach((key, index) => {
      if (!held[index]) changedAttributes.push(key.attr as string);
    });
    const removedAttributes = this.fieldPresence && !earlier ? this.trackFields(id, attributes, changedAttributes, remember) : [];
    if (changedAttributes.length === 0 && removedAttributes.length === 0 && !forceSend)
      return { remember, changedAttributes, removedAttributes };
    const send: IDataObject = {};
    for (const key of changedAttributes) send[key] = attributes[key];
    return { send, remember, changedAttributes, removedAttributes };
  }

  /**
   * Field presence of one record: what to remember (every field it has now, but a null, which clears), what
   * stays true whatever this run's requests do (held fields, a field whose fingerprint is held, and a removed
   * field until its clear is accepted), and the removed fields.
   */
  private trackFields(id: string, attributes: IDataObject, changed: string[], remember: ChangeKey[]): string[] {
    const present = Object.keys(attributes).filter((name) => attributes[name] !== null && this.tracksField(name));
    for (const name of present) remember.push(fieldPresenceKey(id, name));
    const held = this.loaded.get(id)?.fieldsHeld;
    if (!held) return [];
    const changedSet = new Set(changed);
    const kept = this.kept.get(id) ?? [];
    for (const name of present) {
      if (held.has(name)) kept.push(fieldPresenceKey(id, name));
      else if (!changedSet.has(name)) {
        // Its fingerprint is held, so the vendor holds the field: a record accepted before fields were tracked.
        const key = fieldPresenceKey(id, name);
        kept.push(key);
        this.added.push(key);
      }
    }
    const removed = [...held].filter((name) => !(name in attributes));
    const removedKeys = removed.map((name) => fieldPresenceKey(id, name));
    kept.push(...removedKeys);
    this.kept.set(id, kept);
    if (removedKeys.length > 0) this.removedKeys.set(id, removedKeys);
    return removed;
  }

  /**
   * Keeps a key of a record decided unchanged that the store may not hold yet (an input key, see
   * syncShortcut.ts): it stays true whatever this run's requests do.
   */
  keepAlso(key: ChangeKey): void {
    this.kept.set(key.id, [...(this.kept.get(key.id) ?? []), key]);
    this.added.push(key);
  }

  /** Whether retaining will rewrite the state, dropping what this run did not load and keep. */
  rewritesOnRetain(): boolean {
    return this.kept.size > 0 || this.loaded.size > 0 ? this.store.rewritesOnRetain() : false;
  }

  /** Called once every decision is made, before anything is sent. */
  async retain(): Promise<void> {
    // A run without a single valid record leaves the state as it is (taking back what a look-up recorded).
    if (this.kept.size === 0) {
      await this.store.forgetLookup();
      return;
    }
    await this.store.retain(this.kept, this.added, this.removedKeys.size > 0);
  }

  /**
   * The vendor accepted this record: remember what it now holds. Its removed fields were cleared with it, so
   * their presence is forgotten (a record never accepted keeps it, and is cleared again next run).
   */
  accept(id: string, remember: ChangeKey[]): void {
    this.accepted.set(id, remember);
    this.cleared.push(...(this.removedKeys.get(id) ?? []));
  }

  /** For a run that only looks: leaves the store as it was before `load`. */
  async forgetLookup(): Promise<void> {
    await this.store.forgetLookup();
  }

  /** Records what the vendor accepted in this run. */
  async save(): Promise<void> {
    if (this.accepted.size === 0) return;
    const accepted = new Map(this.accepted);
    this.accepted.clear();
    await this.store.record(accepted);
    const cleared = this.cleared.splice(0);
    if (cleared.length > 0) await this.store.forget(cleared);
  }
}

/**
 * A tracker for this run that has asked its store about every record. When the database store fails (for
 * example an n8n without its deduplication service), it falls back to workflow static data rather than
 * fail the run; the static-data store itself cannot fail.
 */
export async function loadChanges(
  ctx: IExecuteFunctions,
  stateKey: string,
  granularity: ChangeGranularity,
  candidates: ChangeCandidate[],
  presence = false,
  /**
   * With field presence (see `ChangeTracker.fieldPresence`): the names a known record may have lost, and
   * which fields presence is kept for.
   */
  fields?: { names: readonly string[]; tracks: (field: string) => boolean },
  /** The store this run already asked (see syncShortcut.ts); by default the one `changeStoreFor` finds. */
  store: ChangeStore = changeStoreFor(ctx, stateKey, granularity),
): Promise<ChangeTracker> {
  const fieldPresence = fields !== undefined;
  const tracker = new ChangeTracker(
    store,
    granularity,
    presence,
    fieldPresence,
    fields?.tracks,
  );
  try {
    await tracker.load(candidates);
    if (fields) await tracker.probeFields(fields.names);
    return tracker;
  } catch {
    const fallback = new ChangeTracker(
      new StaticDataChangeStore(
        ctx.getWorkflowStaticData("node"),
        stateKey,
        granularity,
      ),
      granularity,
      presence,
      fieldPresence,
      fields?.tracks,
    );
    await fallback.load(candidates);
    if (fields) await fallback.probeFields(fields.names);
    return fallback;
  }
}

/** Forgets every remembered record in both stores; returns how many static-data records and database keys there were. */
export async function forgetChanges(
  ctx: IExecuteFunctions,
  stateKey: string,
): Promise<{ records: number; databaseEntries: number }> {
  const staticData = ctx.getWorkflowStaticData("node");
  const stored = staticData[stateKey] as StoredState | undefined;
  const records = stored?.profiles ? Object.keys(stored.profiles).length : 0;
  if (stored !== undefined) delete staticData[stateKey];
  let databaseEntries = 0;
  const helpers = deduplicationHelpers(ctx);
  if (helpers && hasIds(ctx)) {
    databaseEntries = await helpers.getProcessedDataCount("node", ENTRIES);
    await helpers.clearAllProcessedItems("node", ENTRIES);
  }
  return { records, databaseEntries };
}
