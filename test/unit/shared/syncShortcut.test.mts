// The unchanged-input shortcut of Profile Sync (nodes/shared/syncShortcut.ts): an item whose JSON and node
// parameters are those of a record the state still holds is unchanged without being built. Each case counts
// the items the node built, and checks the decisions against what building every item decides.
import type { IDataObject, INodeParameters } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';

import type { BulkEntry } from '../../../nodes/shared/bulk';
import type { SyncTracking } from '../../../nodes/shared/sync';
import { resetSyncState, runSync } from '../../../nodes/shared/sync';
import { inputHintsKey, itemPureParameters } from '../../../nodes/shared/syncShortcut';
import { fakeContext } from '../../helpers/fakeContext.mts';
import type { NodeState, SyncStore } from '../../helpers/syncState.mts';
import { nodeState, SYNC_STORES } from '../../helpers/syncState.mts';

interface Row {
	email: string;
	tier?: string;
	city?: string;
	events?: string[];
	binary?: boolean;
}

interface Payload {
	key: string;
	fields: IDataObject;
	always: boolean;
}

const tracking: SyncTracking<Payload> = {
	stateKey: 'shortcutSync',
	record: (payload) => ({ id: payload.key, fields: payload.fields, always: payload.always }),
	narrow: (payload, fields) => ({ ...payload, fields: Object.fromEntries(fields.map((field) => [field, payload.fields[field]])) }),
	unchanged: (payload) => ({ email: payload.key }),
	missing: (id) => ({ email: id }),
};

const CHANGED = { send: 'changed', changedFieldsOnly: true };
/** The node's parameters as stored: the key and fields read from the item's JSON only. */
const PURE: INodeParameters = { email: '={{ $json.email }}', tier: '={{ $json.tier }}', city: "={{ $json['city'] }}" };

function node(kind: SyncStore, state: NodeState = nodeState(kind)) {
	return {
		state,
		/** One run; `refuse` fails the entries it names. */
		run: async (rows: Row[], options: { sync?: IDataObject; parameters?: INodeParameters; refuse?: (payload: Payload) => boolean; fullSnapshot?: boolean } = {}) => {
			const sync = options.sync ?? CHANGED;
			const built: number[] = [];
			const sent: Payload[] = [];
			const ctx = fakeContext({
				items: rows.map(({ binary: _binary, ...json }) => json) as unknown as IDataObject[],
				params: { sync },
				node: { parameters: { ...(options.parameters ?? PURE), sync: sync as INodeParameters } },
				...state.context,
				continueOnFail: true,
			});
			rows.forEach((row, itemIndex) => {
				if (row.binary) ctx.getInputData()[itemIndex].binary = { data: { data: '', mimeType: 'text/plain' } };
			});
			const outputs = await runSync<Payload>(ctx, rows.length, tracking, {
				prepare: (itemIndex) => {
					built.push(itemIndex);
					const row = rows[itemIndex];
					if (!row.email.includes('@')) throw new Error(`Item ${itemIndex}: email is not an address`);
					const fields: IDataObject = {};
					if (row.tier !== undefined) fields.tier = row.tier;
					if (row.city !== undefined) fields.city = row.city;
					return { key: row.email.toLowerCase(), fields, always: row.events !== undefined };
				},
				limits: { maxUnits: 50 },
				send: async (batch: Array<BulkEntry<Payload>>) => {
					sent.push(...batch.map((entry) => entry.payload));
					return batch.map((entry) => (options.refuse?.(entry.payload) ? { error: new Error('refused') } : { json: { email: entry.payload.key } }));
				},
			});
			return { built, sent, json: outputs[0].map((item) => item.json), outputs, staticData: state.staticData };
		},
	};
}

const rows = (count: number, tier = 'gold'): Row[] => Array.from({ length: count }, (_, i) => ({ email: `u${i}@example.com`, tier, city: 'Oslo' }));

describe('itemPureParameters', () => {
	it('accepts expressions of the item JSON alone and refuses anything else a run may change', () => {
		expect(itemPureParameters({ a: '={{ $json.email }}', b: "={{ $json['first name'].trim() + ' ' + $json.last }}", c: 'fixed', d: [{ e: '={{ String($json.id ?? "") }}' }] })).toBe(true);
		expect(itemPureParameters({ a: '=Name: {{ $json.name }} ({{ $json.city }})' })).toBe(true);
		// A word inside a string literal is not code.
		expect(itemPureParameters({ a: "={{ $json.plan || '$now' }}" })).toBe(true);
		for (const impure of [
			'={{ $now.toISO() }}',
			"={{ $('Fetch').item.json.email }}",
			'={{ $node["Fetch"].json.email }}',
			'={{ $vars.plan }}',
			'={{ $execution.id }}',
			'={{ $itemIndex }}',
			'={{ $input.item.json.email }}',
			'={{ new Date().getFullYear() }}',
			'={{ Math.random() }}',
			'={{ DateTime.now() }}',
			'={{ `${$json.a}` }}',
			'={{ $binary.data.fileName }}',
		]) {
			expect(itemPureParameters({ nested: { value: impure } }), impure).toBe(false);
		}
	});
});

describe.each(SYNC_STORES)('the unchanged-input shortcut (%s store)', (kind) => {
	it('an identical rerun builds no item, sends nothing and outputs what building every item outputs', async () => {
		const { run } = node(kind);
		const input = rows(120);
		const first = await run(input);
		expect(first.built).toHaveLength(120);
		expect(first.sent).toHaveLength(120);
		const second = await run(input);
		expect(second.built).toEqual([]);
		expect(second.sent).toEqual([]);
		// The same rerun on a copy of the state with the shortcut impossible (an impure expression) builds them all.
		const reference = node(kind);
		await reference.run(input, { parameters: { ...PURE, stamp: '={{ $now }}' } });
		const built = await reference.run(input, { parameters: { ...PURE, stamp: '={{ $now }}' } });
		expect(built.built).toHaveLength(120);
		expect(second.json).toEqual(built.json);
		expect(second.json[0]).toEqual({ email: 'u0@example.com', syncStatus: 'unchanged' });
		expect(second.outputs[0].map((item) => item.pairedItem)).toEqual(input.map((_, item) => ({ item })));
	});

	it('builds a changed item and sends its changed field alone; the others stay unbuilt, and the next change is narrowed too', async () => {
		const { run, state } = node(kind);
		const input = rows(50);
		await run(input);
		const changed = input.map((row, i) => (i === 7 ? { ...row, tier: 'silver' } : row));
		const second = await run(changed);
		expect(second.sent).toEqual([{ key: 'u7@example.com', fields: { tier: 'silver' }, always: false }]);
		expect(second.json[7]).toMatchObject({ syncStatus: 'sent', changedFields: ['tier'] });
		expect(second.json.filter((json) => json.syncStatus === 'unchanged')).toHaveLength(49);
		// The database state is rewritten when a record changes, so there the others are built to be kept.
		expect([...second.built].sort((a, b) => a - b)).toEqual(kind === 'database' ? Array.from({ length: 50 }, (_, i) => i) : [7]);
		expect(second.built[0]).toBe(7);
		// Whatever the store, a later change of another record still sends only its changed field.
		const third = await run(changed.map((row, i) => (i === 30 ? { ...row, city: 'Bergen' } : row)));
		expect(third.sent).toEqual([{ key: 'u30@example.com', fields: { city: 'Bergen' }, always: false }]);
		// And an identical rerun after that builds nothing.
		const fourth = await run(changed.map((row, i) => (i === 30 ? { ...row, city: 'Bergen' } : row)));
		expect(fourth.built).toEqual([]);
		expect(fourth.sent).toEqual([]);
		expect(state.staticData[inputHintsKey('shortcutSync')]).toBeDefined();
	});

	it('A → B → A: an input whose record changed since is built and sent again', async () => {
		const { run } = node(kind);
		const a = [{ email: 'ann@example.com', tier: 'gold' }];
		const b = [{ email: 'ann@example.com', tier: 'silver' }];
		await run(a);
		expect((await run(b)).sent).toEqual([{ key: 'ann@example.com', fields: { tier: 'silver' }, always: false }]);
		const back = await run(a);
		expect(back.built).toEqual([0]);
		expect(back.sent).toEqual([{ key: 'ann@example.com', fields: { tier: 'gold' }, always: false }]);
	});

	it('a refused record is built and sent again next run, and one whose answer was refused is never skipped', async () => {
		const { run } = node(kind);
		const input = rows(5);
		const first = await run(input, { refuse: (payload) => payload.key === 'u2@example.com' });
		expect(first.json[2].error).toContain('refused');
		const second = await run(input);
		expect(second.built).toContain(2);
		expect(second.sent.map((payload) => payload.key)).toEqual(['u2@example.com']);
		expect((await run(input)).built).toEqual([]);
	});

	it('another parameter, an impure expression, an item with binary data, events or a record on two items are built', async () => {
		const { run } = node(kind);
		const input = rows(4);
		await run(input);
		// A changed parameter other than the Sync options: every item is built (the state still says unchanged).
		const reparametered = await run(input, { parameters: { ...PURE, city: '={{ $json.city.toUpperCase() }}' } });
		expect(reparametered.built).toEqual([0, 1, 2, 3]);
		expect(reparametered.sent).toEqual([]);
		// Changing only the Sync options keeps the shortcut, even to an expression that reads another node.
		expect((await run(input, { parameters: { ...PURE, city: '={{ $json.city.toUpperCase() }}' }, sync: { send: 'changed', dryRun: '={{ $("Mode").first().json.dryRun }}' } })).built).toEqual([]);
		const withBinary = await run(input.map((row, i) => (i === 1 ? { ...row, binary: true } : row)), { parameters: { ...PURE, city: '={{ $json.city.toUpperCase() }}' } });
		expect(withBinary.built).toEqual([1]);
		// The same record on two items: both are built and decided together.
		const twice = await run([...input, { ...input[0] }], { parameters: { ...PURE, city: '={{ $json.city.toUpperCase() }}' } });
		// Item 1 had binary data last run, so it has no hint either.
		expect(twice.built.sort()).toEqual([0, 1, 4]);
		expect(twice.sent).toEqual([]);
		const events = [{ email: 'e@example.com', tier: 'gold', events: ['login'] }];
		await run(events);
		const again = await run(events);
		expect(again.built).toEqual([0]);
		expect(again.sent).toEqual([{ key: 'e@example.com', fields: {}, always: true }]);
	});

	it('an invalid item is built and fails every run without costing the others the shortcut', async () => {
		const { run } = node(kind);
		const input = [...rows(3), { email: 'not-an-address', tier: 'gold' }];
		await run(input);
		const second = await run(input);
		expect(second.built).toEqual([3]);
		expect(second.json[3].error).toContain('Item 3: email is not an address');
		expect(second.json.slice(0, 3).map((json) => json.syncStatus)).toEqual(['unchanged', 'unchanged', 'unchanged']);
	});

	it('a dry run keeps the hints as they were, and Reset Sync State forgets them', async () => {
		const { run, state } = node(kind);
		const input = rows(3);
		await run(input);
		const hints = JSON.stringify(state.staticData[inputHintsKey('shortcutSync')]);
		const dry = await run(input.map((row) => ({ ...row, tier: 'bronze' })), { sync: { ...CHANGED, dryRun: true } });
		expect(dry.json.map((json) => json.syncStatus)).toEqual(['changed', 'changed', 'changed']);
		expect(JSON.stringify(state.staticData[inputHintsKey('shortcutSync')])).toBe(hints);
		const preview = await run(input, { sync: { ...CHANGED, dryRun: true } });
		expect(preview.built).toEqual([]);
		expect(preview.json[0]).toMatchObject({ id: 'u0@example.com', syncStatus: 'unchanged' });
		await resetSyncState(fakeContext({ ...state.context }), 'shortcutSync');
		expect(state.staticData[inputHintsKey('shortcutSync')]).toBeUndefined();
		expect((await run(input)).sent).toHaveLength(3);
	});

	it('Missing From Source names the keys of skipped items as present', async () => {
		const { run } = node(kind);
		const input = rows(4);
		const snapshot = { ...CHANGED, fullSnapshot: true };
		await run(input, { sync: snapshot });
		const second = await run(input.slice(1), { sync: snapshot });
		expect(second.built).toEqual([]);
		expect(second.outputs[1].map((item) => item.json)).toEqual([{ id: 'u0@example.com', email: 'u0@example.com', syncStatus: 'missing' }]);
		expect((await run(input.slice(1), { sync: snapshot })).outputs[1]).toEqual([]);
	});
});

describe('the unchanged-input shortcut at size', () => {
	it('a first run of 40,000 records keeps its state in the database (no fallback), and the rerun builds none', async () => {
		const { run, state } = node('database');
		const input = rows(40_000);
		const first = await run(input);
		expect(first.sent).toHaveLength(40_000);
		// 40,000 × (2 fields, presence, input key): one look-up recorded 120,000 unknown keys at once.
		expect(state.deduplication.hashes.size).toBe(160_000);
		expect(Object.keys(state.staticData)).toEqual([inputHintsKey('shortcutSync')]);
		const second = await run(input);
		expect(second.built).toEqual([]);
		expect(second.sent).toEqual([]);
	});
});
