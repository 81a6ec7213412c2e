import type { IDataObject } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';

import { canonicalJson, fingerprint } from '../../../nodes/Batch/helpers/fingerprint';
import { resetSyncState, SYNC_STATE_KEY, SyncState } from '../../../nodes/Batch/helpers/syncState';

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

describe('SyncState', () => {
	const run = (staticData: IDataObject, profiles: Record<string, IDataObject>, accept = true, granularity: 'profile' | 'attribute' = 'profile') => {
		const state = new SyncState(staticData, granularity);
		const sent: Record<string, IDataObject> = {};
		for (const [id, attributes] of Object.entries(profiles)) {
			const decision = state.decide(id, attributes, false);
			if (decision.send) {
				sent[id] = decision.send;
				if (accept) state.accept(id, decision.remember);
			}
		}
		state.save();
		return sent;
	};

	it('sends new and changed profiles, skips unchanged ones, and catches A → B → A', () => {
		const data: IDataObject = {};
		expect(Object.keys(run(data, { u1: { plan: 'a' }, u2: { plan: 'a' } }))).toEqual(['u1', 'u2']);
		expect(Object.keys(run(data, { u1: { plan: 'a' }, u2: { plan: 'a' } }))).toEqual([]);
		expect(Object.keys(run(data, { u1: { plan: 'b' }, u2: { plan: 'a' }, u3: { plan: 'a' } }))).toEqual(['u1', 'u3']);
		expect(Object.keys(run(data, { u1: { plan: 'a' }, u2: { plan: 'a' }, u3: { plan: 'a' } }))).toEqual(['u1']);
	});

	it('remembers nothing for a profile Batch did not accept', () => {
		const data: IDataObject = {};
		run(data, { u1: { plan: 'a' } }, false);
		expect(Object.keys(run(data, { u1: { plan: 'a' } }))).toEqual(['u1']);
		expect(Object.keys(run(data, { u1: { plan: 'a' } }))).toEqual([]);
	});

	it('compares a duplicate ID in one run with the earlier item, not with the stored state', () => {
		const data: IDataObject = {};
		run(data, { u1: { plan: 'a' } });
		const state = new SyncState(data, 'profile');
		expect(state.decide('u1', { plan: 'b' }, false).send).toEqual({ plan: 'b' });
		// Back to the stored value within the same run: must be sent, or Batch would keep "b".
		expect(state.decide('u1', { plan: 'a' }, false).send).toEqual({ plan: 'a' });
	});

	it('sends only changed attributes at attribute granularity', () => {
		const data: IDataObject = {};
		run(data, { u1: { plan: 'a', logins: 1, city: 'Paris' } }, true, 'attribute');
		expect(run(data, { u1: { plan: 'a', logins: 2, city: 'Paris', tier: 'x' } }, true, 'attribute')).toEqual({ u1: { logins: 2, tier: 'x' } });
		expect(run(data, { u1: { city: 'Paris', tier: 'x', logins: 2, plan: 'a' } }, true, 'attribute')).toEqual({});
	});

	it('starts over when the granularity changes, and resets', () => {
		const data: IDataObject = {};
		run(data, { u1: { plan: 'a' } });
		expect(run(data, { u1: { plan: 'a' } }, true, 'attribute')).toEqual({ u1: { plan: 'a' } });
		expect(resetSyncState(data)).toBe(1);
		expect(data[SYNC_STATE_KEY]).toBeUndefined();
		expect(run(data, { u1: { plan: 'a' } }, true, 'attribute')).toEqual({ u1: { plan: 'a' } });
	});
});
