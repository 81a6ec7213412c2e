// The Profile Sync engine on its own: a vendor-free payload, a `send` that records what it was given and
// answers per entry as the test says, and both state stores.
import type { IDataObject } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';

import type { BulkEntry } from '../../../nodes/shared/bulk';
import type { SyncDefaults, SyncTracking } from '../../../nodes/shared/sync';
import { clearCandidatesKey, flatFields, nullFields, pickFields, runSync, syncOption, UNCONFIRMED } from '../../../nodes/shared/sync';
import { fakeContext } from '../../helpers/fakeContext.mts';
import type { SyncStore } from '../../helpers/syncState.mts';
import { nodeState, SYNC_STORES } from '../../helpers/syncState.mts';

interface Payload {
	key: string;
	fields: IDataObject;
	events?: string[];
}

const tracking: SyncTracking<Payload> = {
	stateKey: 'engineSync',
	record: (payload) => ({ id: payload.key, fields: payload.fields, always: payload.events !== undefined }),
	narrow: (payload, fields) => ({ ...payload, fields: Object.fromEntries(fields.map((field) => [field, payload.fields[field]])) }),
	unchanged: (payload) => ({ key: payload.key }),
	missing: (id) => ({ key: id }),
};


/** The engine's tracking with Clear Removed Fields: a cleared field is sent as null; `locked` never is. */
const clearing: SyncTracking<Payload> = {
	...tracking,
	clear: (payload, fields) => ({ ...payload, fields: { ...payload.fields, ...Object.fromEntries(fields.map((field) => [field, null])) } }),
	clearable: (field) => field !== 'locked',
};

function workflow(kind: SyncStore, state = nodeState(kind), engineTracking = tracking) {
	const { context } = state;
	/** `refuse`: true fails the entry; 'unconfirmed' accepts it without the vendor confirming it. */
	return async (items: Payload[], sync: IDataObject, refuse: (payload: Payload) => boolean | 'unconfirmed' = () => false, defaults?: SyncDefaults) => {
		const sent: Payload[][] = [];
		const ctx = fakeContext({
			items: items as unknown as IDataObject[],
			params: { sync },
			...context,
			continueOnFail: true,
		});
		const outputs = await runSync<Payload>(ctx, items.length, engineTracking, {
			prepare: (itemIndex) => {
				const payload = items[itemIndex];
				if (!payload.key) throw new Error(`Item ${itemIndex}: no key`);
				return payload;
			},
			limits: { maxUnits: 2 },
			send: async (batch: Array<BulkEntry<Payload>>) => {
				sent.push(batch.map((entry) => entry.payload));
				return batch.map((entry) => {
					const answer = refuse(entry.payload);
					if (answer === 'unconfirmed') return { json: { key: entry.payload.key, syncStatus: UNCONFIRMED } };
					return answer ? { error: new Error('refused') } : { json: { key: entry.payload.key } };
				});
			},
		}, defaults);
		return { outputs, sent: sent.flat(), json: outputs[0].map((item) => item.json), hints: ctx.hints };
	};
}

const CHANGED = { send: 'changed', changedFieldsOnly: true };

describe.each(SYNC_STORES)('runSync (%s store)', (kind) => {
	it('sends a payload with events every run, narrowed to its changed fields (none when nothing changed)', async () => {
		const run = workflow(kind);
		await run([{ key: 'a', fields: { tier: 'gold', city: 'Oslo' }, events: ['login'] }], CHANGED);
		const again = await run([{ key: 'a', fields: { tier: 'gold', city: 'Oslo' }, events: ['login'] }], CHANGED);
		expect(again.sent).toEqual([{ key: 'a', fields: {}, events: ['login'] }]);
		expect(again.json[0]).toMatchObject({ syncStatus: 'sent', changedFields: [] });
		const changed = await run([{ key: 'a', fields: { tier: 'silver', city: 'Oslo' }, events: ['purchase'] }], CHANGED);
		expect(changed.sent).toEqual([{ key: 'a', fields: { tier: 'silver' }, events: ['purchase'] }]);
		// Without events the same record is unchanged again.
		expect((await run([{ key: 'a', fields: { tier: 'silver', city: 'Oslo' } }], CHANGED)).sent).toEqual([]);
	});

	it('remembers a record only once every item sent for it was accepted', async () => {
		const run = workflow(kind);
		const items = [
			{ key: 'a', fields: { tier: 'gold' } },
			{ key: 'b', fields: { tier: 'gold' } },
			{ key: 'a', fields: { city: 'Oslo' } },
		];
		// The second item of "a" is refused: "a" is not remembered, "b" is.
		const first = await run(items, { send: 'changed' }, (payload) => payload.key === 'a' && 'city' in payload.fields);
		expect(first.json.map((json) => json.syncStatus ?? json.error)).toEqual(['sent', 'sent', expect.stringContaining('refused')]);
		const second = await run(items, { send: 'changed' });
		expect(second.sent.map((payload) => payload.key)).toEqual(['a', 'a']);
		expect((await run(items, { send: 'changed' })).sent).toEqual([]);
	});

	it('outputs an entry the vendor did not confirm as it is, and does not remember its record', async () => {
		const run = workflow(kind);
		const items = [{ key: 'a', fields: { tier: 'gold' } }, { key: 'b', fields: { tier: 'gold' } }];
		const first = await run(items, { send: 'changed' }, (payload) => (payload.key === 'a' ? 'unconfirmed' : false));
		expect(first.json.map((json) => json.syncStatus)).toEqual(['unconfirmed', 'sent']);
		expect((await run(items, { send: 'changed' })).sent.map((payload) => payload.key)).toEqual(['a']);
	});

	it('takes a node\'s default Send when the Sync collection has none, and the collection\'s Send over it', async () => {
		const run = workflow(kind);
		const items = [{ key: 'a', fields: { tier: 'gold' } }];
		const changedByDefault: SyncDefaults = { send: 'changed' };
		await run(items, {}, undefined, changedByDefault);
		const again = await run(items, {}, undefined, changedByDefault);
		expect(again.sent).toEqual([]);
		expect(again.json).toEqual([{ key: 'a', syncStatus: 'unchanged' }]);
		expect((await run(items, { send: 'all' }, undefined, changedByDefault)).sent).toEqual(items);
		// Without a node default, a collection without Send sends everything, as before.
		expect((await run(items, {})).sent).toEqual(items);
	});

	it('flatFields and pickFields name nested fields one level down and put them back', () => {
		const payload = { email: 'a@example.com', attributes: { tier: 'gold', city: 'Oslo' }, tags: ['x'] };
		expect(flatFields(payload, ['attributes'], ['email'])).toEqual({ 'attributes.tier': 'gold', 'attributes.city': 'Oslo', tags: ['x'] });
		expect(pickFields(payload, ['attributes.city'], ['attributes'], ['email'])).toEqual({ email: 'a@example.com', attributes: { city: 'Oslo' } });
	});
});

describe.each(SYNC_STORES)('runSync: Clear Removed Fields (%s store)', (kind) => {
	const CLEAR = { send: 'changed', clearRemovedFields: true };
	const setup = () => {
		const state = nodeState(kind);
		return { state, run: workflow(kind, state, clearing) };
	};

	it('costs nothing more with the option off: the same look-ups and the same keys as without it', async () => {
		const off = nodeState(kind);
		const plain = nodeState(kind);
		const items = [{ key: 'a', fields: { tier: 'gold', city: 'Oslo' } }];
		for (const fields of [{ tier: 'gold', city: 'Oslo' }, { tier: 'gold' }]) {
			await workflow(kind, off, clearing)([{ key: 'a', fields }], { send: 'changed', clearRemovedFields: false });
			await workflow(kind, plain, clearing)([{ key: 'a', fields }], { send: 'changed' });
		}
		expect(off.deduplication.calls).toEqual(plain.deduplication.calls);
		expect([...off.deduplication.hashes]).toEqual([...plain.deduplication.hashes]);
		expect(off.staticData).toEqual(plain.staticData);
		expect(off.staticData[clearCandidatesKey('engineSync')]).toBeUndefined();
		// With Send: All the option keeps no state at all.
		const all = nodeState(kind);
		await workflow(kind, all, clearing)(items, { send: 'all', clearRemovedFields: true });
		expect(all.deduplication.calls).toEqual([]);
		expect(all.staticData).toEqual({});
	});

	it('clears a removed field with the record\'s last item, and never a field that cannot be cleared', async () => {
		const { run } = setup();
		await run([{ key: 'a', fields: { tier: 'gold', locked: 'x' } }, { key: 'a', fields: { city: 'Oslo' } }], CLEAR);
		const second = await run([{ key: 'a', fields: { city: 'Oslo' } }, { key: 'a', fields: {} }], CLEAR);
		expect(second.sent).toEqual([{ key: 'a', fields: { city: 'Oslo' } }, { key: 'a', fields: { tier: null } }]);
		expect(second.json.map((json) => json.clearedFields)).toEqual([[], ['tier']]);
		expect((await run([{ key: 'a', fields: { city: 'Oslo' } }], CLEAR)).sent).toEqual([]);
	});

	it('a new record clears nothing, and a field sent as null is not cleared again', async () => {
		const { run } = setup();
		const first = await run([{ key: 'a', fields: { tier: 'gold', city: null } }], CLEAR);
		expect(first.json[0]).toMatchObject({ syncStatus: 'sent', clearedFields: [] });
		const second = await run([{ key: 'a', fields: { tier: 'gold' } }], CLEAR);
		expect(second.sent).toEqual([]);
	});

	it('warns that nothing is cleared where the operation has no clear form', async () => {
		const run = workflow(kind);
		await run([{ key: 'a', fields: { tier: 'gold' } }], CLEAR);
		const second = await run([{ key: 'a', fields: {} }], CLEAR);
		expect(second.sent).toEqual([]);
		expect(second.hints.map((hint) => hint.message)).toEqual([expect.stringMatching(/^Clear Removed Fields has no effect here/)]);
	});

	it('nullFields sets flat fields to null, nested ones one level down', () => {
		expect(nullFields({ email: 'a@x.io', attributes: { tier: 'gold' } }, ['firstName', 'attributes.city'], ['attributes'])).toEqual({
			email: 'a@x.io',
			firstName: null,
			attributes: { tier: 'gold', city: null },
		});
	});
});

describe('syncOption', () => {
	const send = (option: ReturnType<typeof syncOption>) => (option.options as Array<{ name: string; default: unknown }>).find((entry) => entry.name === 'send')!.default;

	it('defaults Send to All, or to the node\'s default', () => {
		expect(send(syncOption())).toBe('all');
		expect(send(syncOption('profiles', { send: 'changed' }))).toBe('changed');
	});

	it('offers Clear Removed Fields only where asked, and keeps every other option as it was', () => {
		const names = (option: ReturnType<typeof syncOption>) => (option.options as Array<{ name: string }>).map((entry) => entry.name);
		expect(names(syncOption())).toEqual(['dryRun', 'fullSnapshot', 'changedFieldsOnly', 'send']);
		expect(names(syncOption('profiles', {}, { clearRemovedFields: true }))).toEqual(['clearRemovedFields', 'dryRun', 'fullSnapshot', 'changedFieldsOnly', 'send']);
	});
});
