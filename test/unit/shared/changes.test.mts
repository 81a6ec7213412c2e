import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';

import type { ChangeGranularity } from '../../../nodes/shared/changes';
import { canonicalJson, ChangeTracker, changeStoreFor, DeduplicationChangeStore, fingerprint, forgetChanges, keyText } from '../../../nodes/shared/changes';
import { FakeDeduplication } from '../../helpers/fakeDeduplication.mts';

/** Where the static-data store keeps the state in these tests. */
const KEY = 'changes';

describe('fingerprint', () => {
	it('does not depend on key order, at any depth', () => {
		const a = { plan: 'gold', logins: 3, programs: { $add: ['x'], $remove: ['y'] }, 'date(seen)': '2024-01-01T00:00:00Z' };
		const b = { 'date(seen)': '2024-01-01T00:00:00Z', programs: { $remove: ['y'], $add: ['x'] }, logins: 3, plan: 'gold' };
		expect(canonicalJson(a)).toBe(canonicalJson(b));
		expect(fingerprint(a)).toBe(fingerprint(b));
		expect(fingerprint(a)).toMatch(/^[0-9a-f]{16}$/);
	});

	it('changes with any value, type or array order', () => {
		const base = fingerprint({ plan: 'gold', logins: 3, tags: ['a', 'b'] });
		expect(fingerprint({ plan: 'gold', logins: 4, tags: ['a', 'b'] })).not.toBe(base);
		expect(fingerprint({ plan: 'gold', logins: '3', tags: ['a', 'b'] })).not.toBe(base);
		expect(fingerprint({ plan: 'gold', logins: 3, tags: ['b', 'a'] })).not.toBe(base);
		expect(fingerprint({ plan: 'gold', logins: 3, tags: ['a', 'b'], extra: null })).not.toBe(base);
	});
});

type Store = 'database' | 'staticData';

/** A fake IExecuteFunctions that has only what change detection touches. */
function storeContext(staticData: IDataObject, dedup?: FakeDeduplication, mode = 'trigger') {
	return {
		getWorkflowStaticData: () => staticData,
		getMode: () => mode,
		getWorkflow: () => ({ id: 'wf1' }),
		getNode: () => ({ id: 'node1', name: 'Node' }),
		helpers: dedup ? dedup.helpers() : {},
	} as unknown as IExecuteFunctions;
}

describe.each(['database', 'staticData'] as Store[])('ChangeTracker (%s store)', (kind) => {
	const fresh = () => ({ staticData: {} as IDataObject, dedup: kind === 'database' ? new FakeDeduplication() : undefined });

	/** One run: decide every profile, "send" the changed ones, accept those `accept` allows, save. */
	const run = async (
		where: ReturnType<typeof fresh>,
		profiles: Record<string, IDataObject>,
		accept: boolean | ((id: string) => boolean) = true,
		granularity: ChangeGranularity = 'record',
	) => {
		const store = changeStoreFor(storeContext(where.staticData, where.dedup), KEY, granularity);
		expect(store.location).toBe(kind);
		const state = new ChangeTracker(store, granularity);
		await state.load(Object.entries(profiles).map(([id, attributes]) => ({ id, attributes })));
		const decisions = Object.entries(profiles).map(([id, attributes]) => [id, state.decide(id, attributes, false)] as const);
		await state.retain();
		const sent: Record<string, IDataObject> = {};
		for (const [id, decision] of decisions) {
			if (!decision.send) continue;
			sent[id] = decision.send;
			if (accept === true || (typeof accept === 'function' && accept(id))) state.accept(id, decision.remember);
		}
		await state.save();
		return sent;
	};

	it('sends new and changed profiles, skips unchanged ones, and catches A → B → A', async () => {
		const data = fresh();
		expect(Object.keys(await run(data, { u1: { plan: 'a' }, u2: { plan: 'a' } }))).toEqual(['u1', 'u2']);
		expect(Object.keys(await run(data, { u1: { plan: 'a' }, u2: { plan: 'a' } }))).toEqual([]);
		expect(Object.keys(await run(data, { u1: { plan: 'b' }, u2: { plan: 'a' }, u3: { plan: 'a' } }))).toEqual(['u1', 'u3']);
		expect(Object.keys(await run(data, { u1: { plan: 'a' }, u2: { plan: 'a' }, u3: { plan: 'a' } }))).toEqual(['u1']);
		expect(Object.keys(await run(data, { u1: { plan: 'a' }, u2: { plan: 'a' }, u3: { plan: 'a' } }))).toEqual([]);
		if (data.dedup) expect(data.dedup.hashes.size, 'one key per profile, old fingerprints dropped').toBe(3);
	});

	it('catches A → B → A per attribute', async () => {
		const data = fresh();
		await run(data, { u1: { plan: 'a', city: 'Paris' } }, true, 'attribute');
		expect(await run(data, { u1: { plan: 'b', city: 'Paris' } }, true, 'attribute')).toEqual({ u1: { plan: 'b' } });
		expect(await run(data, { u1: { plan: 'a', city: 'Paris' } }, true, 'attribute')).toEqual({ u1: { plan: 'a' } });
		expect(await run(data, { u1: { plan: 'a', city: 'Paris' } }, true, 'attribute')).toEqual({});
	});

	it('remembers nothing for a record the vendor did not accept', async () => {
		const data = fresh();
		await run(data, { u1: { plan: 'a' } }, false);
		expect(Object.keys(await run(data, { u1: { plan: 'a' } }))).toEqual(['u1']);
		expect(Object.keys(await run(data, { u1: { plan: 'a' } }))).toEqual([]);
		// A change that the vendor refuses is sent again next run, and the refused value is never marked synced.
		expect(Object.keys(await run(data, { u1: { plan: 'b' } }, false))).toEqual(['u1']);
		expect(Object.keys(await run(data, { u1: { plan: 'b' } }))).toEqual(['u1']);
		expect(Object.keys(await run(data, { u1: { plan: 'b' } }))).toEqual([]);
	});

	it('records only the accepted ones of a run', async () => {
		const data = fresh();
		await run(data, { u1: { plan: 'a' }, u2: { plan: 'a' }, u3: { plan: 'a' } }, (id) => id !== 'u2');
		expect(Object.keys(await run(data, { u1: { plan: 'a' }, u2: { plan: 'a' }, u3: { plan: 'a' } }))).toEqual(['u2']);
	});

	it('leaves the state alone in a run without a valid profile', async () => {
		const data = fresh();
		await run(data, { u1: { plan: 'a' } });
		await run(data, {});
		expect(Object.keys(await run(data, { u1: { plan: 'a' } }))).toEqual([]);
	});

	it('compares a duplicate ID in one run with the earlier item, not with the stored state', async () => {
		const data = fresh();
		await run(data, { u1: { plan: 'a' } });
		const state = new ChangeTracker(changeStoreFor(storeContext(data.staticData, data.dedup), KEY, 'record'), 'record');
		await state.load([
			{ id: 'u1', attributes: { plan: 'b' } },
			{ id: 'u1', attributes: { plan: 'a' } },
		]);
		const first = state.decide('u1', { plan: 'b' }, false);
		expect(first.send).toEqual({ plan: 'b' });
		// Back to the stored value within the same run: must be sent, or the vendor would keep "b".
		const second = state.decide('u1', { plan: 'a' }, false);
		expect(second.send).toEqual({ plan: 'a' });
		await state.retain();
		// Only the first is accepted: the vendor holds "b", so a next run with "a" must send.
		state.accept('u1', first.remember);
		await state.save();
		expect(Object.keys(await run(data, { u1: { plan: 'a' } }))).toEqual(['u1']);
	});

	it('sends only changed attributes at attribute granularity', async () => {
		const data = fresh();
		await run(data, { u1: { plan: 'a', logins: 1, city: 'Paris' } }, true, 'attribute');
		expect(await run(data, { u1: { plan: 'a', logins: 2, city: 'Paris', tier: 'x' } }, true, 'attribute')).toEqual({ u1: { logins: 2, tier: 'x' } });
		expect(await run(data, { u1: { city: 'Paris', tier: 'x', logins: 2, plan: 'a' } }, true, 'attribute')).toEqual({});
	});

	it('starts over when the granularity changes, and resets', async () => {
		const data = fresh();
		await run(data, { u1: { plan: 'a' } });
		expect(await run(data, { u1: { plan: 'a' } }, true, 'attribute')).toEqual({ u1: { plan: 'a' } });
		const forgotten = await forgetChanges(storeContext(data.staticData, data.dedup), KEY);
		expect(forgotten).toEqual(kind === 'database' ? { records: 0, databaseEntries: 1 } : { records: 1, databaseEntries: 0 });
		expect(data.staticData[KEY]).toBeUndefined();
		expect(await run(data, { u1: { plan: 'a' } }, true, 'attribute')).toEqual({ u1: { plan: 'a' } });
	});
});

describe('store choice and fallback', () => {
	it('uses the database for saved non-manual executions and static data otherwise', () => {
		const dedup = new FakeDeduplication();
		expect(changeStoreFor(storeContext({}, dedup), KEY, 'record').location).toBe('database');
		expect(changeStoreFor(storeContext({}, dedup, 'manual'), KEY, 'record').location).toBe('staticData');
		expect(changeStoreFor(storeContext({}), KEY, 'record').location, 'an n8n without the helpers').toBe('staticData');
		const unsaved = { ...storeContext({}, dedup), getWorkflow: () => ({ id: undefined }) } as unknown as IExecuteFunctions;
		expect(changeStoreFor(unsaved, KEY, 'record').location).toBe('staticData');
		const noNodeId = { ...storeContext({}, dedup), getNode: () => ({ name: 'Node' }) } as unknown as IExecuteFunctions;
		expect(changeStoreFor(noNodeId, KEY, 'record').location).toBe('staticData');
	});

	it('the database store asks n8n once, clears once, and refills or records only when there is something', async () => {
		const dedup = new FakeDeduplication();
		const state = new ChangeTracker(new DeduplicationChangeStore(dedup.helpers()), 'record');
		await state.load([{ id: 'u1', attributes: { plan: 'a' } }]);
		state.decide('u1', { plan: 'a' }, false);
		await state.retain();
		await state.save();
		expect(dedup.calls).toEqual(['check 1', 'clear']);
		expect(keyText({ id: 'u1', print: 'x' })).not.toBe(keyText({ id: 'u1', attr: 'x', print: '' }));
	});
	it('with field presence, an unchanged rerun only asks (one look-up, one probe) and a clear is forgotten once accepted', async () => {
		const dedup = new FakeDeduplication();
		const run = async (attributes: Record<string, string>, accepted = true) => {
			const state = new ChangeTracker(new DeduplicationChangeStore(dedup.helpers()), 'attribute', true, true);
			await state.load([{ id: 'u1', attributes }]);
			await state.probeFields(['plan', 'city']);
			const decision = state.decide('u1', attributes, false);
			await state.retain();
			if (decision.send && accepted) state.accept('u1', decision.remember);
			await state.save();
			return decision;
		};
		await run({ plan: 'a', city: 'Oslo' });
		expect(dedup.hashes.size, 'two fingerprints, two field presence keys, one record presence key').toBe(5);
		dedup.calls = [];
		expect((await run({ plan: 'a', city: 'Oslo' })).send).toBeUndefined();
		expect(dedup.calls).toEqual(['check 3', 'check 2']);
		expect((await run({ plan: 'a' }, false)).removedAttributes).toEqual(['city']);
		expect((await run({ plan: 'a' })).removedAttributes, 'refused: cleared again').toEqual(['city']);
		expect((await run({ plan: 'a' })).send, 'accepted: not again').toBeUndefined();
		expect((await run({ plan: 'a', city: 'Oslo' })).changedAttributes, 'the old value is no longer held').toEqual(['city']);
	});

	it('the database store skips the rewrite when the set held every key, and still catches A → B → A', async () => {
		const dedup = new FakeDeduplication();
		const run = async (plan: string) => {
			const state = new ChangeTracker(new DeduplicationChangeStore(dedup.helpers()), 'record');
			await state.load([{ id: 'u1', attributes: { plan } }, { id: 'u2', attributes: { plan: 'x' } }]);
			const decisions = ['u1', 'u2'].map((id) => state.decide(id, { plan: id === 'u1' ? plan : 'x' }, false));
			await state.retain();
			decisions.forEach((decision, index) => {
				if (decision.send) state.accept(index === 0 ? 'u1' : 'u2', decision.remember);
			});
			await state.save();
			return decisions.filter((decision) => decision.send).length;
		};
		expect(await run('a')).toBe(2);
		dedup.calls = [];
		expect(await run('a')).toBe(0);
		expect(dedup.calls, 'an unchanged run only asks').toEqual(['check 2']);
		expect(await run('b')).toBe(1);
		expect(dedup.calls).toContain('clear');
		expect(await run('a'), 'back to the first value: sent again').toBe(1);
		expect(await run('a')).toBe(0);
	});
});
