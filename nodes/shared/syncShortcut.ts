import type { IDataObject, IExecuteFunctions, INodeParameters, NodeParameterValueType } from 'n8n-workflow';

import type { ChangeKey } from './changes';
import { canonicalJson, fingerprint } from './changes';

/**
 * The unchanged-input shortcut of "Send: Only Changed Since Last Run". Building a record means resolving the
 * node's parameters for its item, which is most of an unchanged re-sync's time. When every expression of the
 * node reads only the item's own JSON, the same JSON under the same parameters builds the same record, so:
 * - each record the vendor accepted (or that was unchanged) is also remembered with an input key: its ID and
 *   the fingerprint of the parameters and the item's JSON, kept in the same sync state as its fields, so it is
 *   dropped exactly when they are (a changed record, Reset Sync State, a database state rewritten);
 * - the node's static data keeps a hint per input fingerprint: the record's ID and its "unchanged" output;
 * - the next run fingerprints each item's JSON; an item whose hint names a record whose input key the state
 *   still holds is unchanged without being built. Any other item is built and decided as usual.
 * The hints only name candidates: the sync state decides. Without static data (queue-mode workers in n8n
 * 2.41.1) there are no hints and every item is built, as before.
 */

/** The attribute name of an input key; no real field name starts with this control character. */
export const INPUT_ATTR = '\u001dinput';

export function inputKey(id: string, print: string): ChangeKey {
	return { id, attr: INPUT_ATTR, print };
}

/** The collection of the Sync options (see sync.ts). */
const SYNC_PARAMETER = 'sync';

/** Where a node keeps its input hints, in its workflow static data. */
export const inputHintsKey = (stateKey: string) => `${stateKey}Inputs`;

/** Names an expression may use for its result to depend on the item's JSON alone. */
const PURE_NAMES = new Set(['$json', 'true', 'false', 'null', 'undefined', 'typeof', 'String', 'Number', 'Boolean', 'JSON', 'Object', 'Array', 'parseInt', 'parseFloat']);

/** Whether one expression (`={{ … }}` text) reads nothing but the item's JSON. */
function pureExpression(text: string): boolean {
	for (const [, code] of text.matchAll(/\{\{([\s\S]*?)\}\}/g)) {
		// String literals may hold any word; template literals may hold code, so they are not looked into.
		if (code.includes('`')) return false;
		const bare = code.replace(/'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*"/g, '""');
		for (const [name] of bare.matchAll(/(?<![\w$.])[A-Za-z_$][\w$]*/g)) if (!PURE_NAMES.has(name)) return false;
	}
	return true;
}

/** Whether every expression among these parameters reads only the item's JSON (no other node, time, variable). */
export function itemPureParameters(value: NodeParameterValueType | INodeParameters | undefined): boolean {
	if (typeof value === 'string') return !value.startsWith('=') || pureExpression(value);
	if (Array.isArray(value)) return value.every((entry) => itemPureParameters(entry as NodeParameterValueType));
	if (value !== null && typeof value === 'object') return Object.values(value).every((entry) => itemPureParameters(entry as NodeParameterValueType));
	return true;
}

type Hints = Record<string, [string] | [string, IDataObject]>;

/**
 * Kept as one JSON string, not as an object: n8n wraps every object of static data in a proxy when it loads
 * it and walks them all when it saves, which for 100,000 hints costs minutes; a string costs a parse.
 */
interface StoredHints {
	v: 2;
	/** The fingerprint of the node's parameters the hints were made under. */
	params: string;
	/** JSON of input fingerprint → [record ID] or [record ID, unchanged output] when that differs from the ID's default. */
	hints: string;
}

function readHints(stored: StoredHints | undefined, params: string): Hints {
	if (stored?.v !== 2 || stored.params !== params || typeof stored.hints !== 'string') return {};
	try {
		return JSON.parse(stored.hints) as Hints;
	} catch {
		return {};
	}
}

export interface InputHint {
	id: string;
	output: IDataObject;
}

/** One run's view of the shortcut: each item's input fingerprint, the hints of the last run, those of this run. */
export class InputShortcut {
	private readonly next: Hints = {};
	private changed = false;

	private constructor(
		private readonly staticData: IDataObject,
		private readonly key: string,
		private readonly params: string,
		/** Per item: its input fingerprint, or undefined when the item cannot take the shortcut (it has binary data). */
		readonly prints: Array<string | undefined>,
		private readonly previous: Hints,
		/** The output an unchanged record shows when its hint stores none. */
		private readonly defaultOutput: (id: string) => IDataObject,
	) {}

	/**
	 * The shortcut for this run, or undefined when the node's expressions read more than the item's JSON. The
	 * Sync options are left out of both the check and the fingerprint: they are read once per run and choose
	 * what is sent, not the record an item builds. The fingerprint covers the node type, its version, every
	 * other parameter as written, and the credential.
	 */
	static open(ctx: IExecuteFunctions, stateKey: string, defaultOutput: (id: string) => IDataObject): InputShortcut | undefined {
		const node = ctx.getNode();
		const parameters = { ...node.parameters };
		delete parameters[SYNC_PARAMETER];
		if (!itemPureParameters(parameters)) return undefined;
		const params = fingerprint({ type: node.type, version: node.typeVersion, parameters, credentials: node.credentials ?? {} });
		const staticData = ctx.getWorkflowStaticData('node');
		const key = inputHintsKey(stateKey);
		const previous = readHints(staticData[key] as StoredHints | undefined, params);
		const prints = ctx.getInputData().map((item) => (item.binary ? undefined : fingerprint([params, item.json])));
		return new InputShortcut(staticData, key, params, prints, previous, defaultOutput);
	}

	/** The last run's hint for an item, if any. */
	hint(itemIndex: number): InputHint | undefined {
		const print = this.prints[itemIndex];
		const stored = print === undefined ? undefined : this.previous[print];
		if (!stored) return undefined;
		return { id: stored[0], output: stored[1] ?? this.defaultOutput(stored[0]) };
	}

	/** Carries an item's hint of the last run over to this run's (an item skipped as unchanged). */
	carry(itemIndex: number): void {
		const print = this.prints[itemIndex];
		if (print !== undefined && this.previous[print]) this.next[print] = this.previous[print];
	}

	/** This run's hint for an item whose record the vendor holds as the item builds it. */
	keep(itemIndex: number, id: string, output: IDataObject): void {
		const print = this.prints[itemIndex];
		if (print === undefined) return;
		const entry: [string] | [string, IDataObject] = canonicalJson(output) === canonicalJson(this.defaultOutput(id)) ? [id] : [id, output];
		const before = this.previous[print];
		if (!before || before[0] !== id || canonicalJson(before[1] ?? null) !== canonicalJson(entry[1] ?? null)) this.changed = true;
		this.next[print] = entry;
	}

	/** Writes this run's hints into static data when they differ from the last run's (n8n then saves them). */
	save(): void {
		if (!this.changed && Object.keys(this.next).length === Object.keys(this.previous).length) return;
		this.staticData[this.key] = { v: 2, params: this.params, hints: JSON.stringify(this.next) } satisfies StoredHints as unknown as IDataObject;
	}
}
