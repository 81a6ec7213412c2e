// The Sync option's lock: two overlapping runs of one node's sync could lose a change (each rewrites the
// state from what it saw when it started), so the second is refused before it sends anything.
import type { IDataObject } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';

import type { BulkEntry } from '../../../nodes/shared/bulk';
import type { SyncTracking } from '../../../nodes/shared/sync';
import { resetSyncState, runSync } from '../../../nodes/shared/sync';
import { acquireSyncLock, LOCK_BUCKET_MS, LOCK_HOLD_BUCKETS } from '../../../nodes/shared/syncLock';
import { fakeContext } from '../../helpers/fakeContext.mts';
import type { NodeState, SyncStore } from '../../helpers/syncState.mts';
import { nodeState } from '../../helpers/syncState.mts';

interface Payload {
	key: string;
	fields: IDataObject;
}

const tracking: SyncTracking<Payload> = {
	stateKey: 'lockedSync',
	record: (payload) => ({ id: payload.key, fields: payload.fields }),
	narrow: (payload) => payload,
	unchanged: (payload) => ({ key: payload.key }),
};

const CHANGED = { send: 'changed' };

/** One run of the node's sync; `gate` holds its send until the test opens it. */
async function run(state: NodeState, items: Payload[], sent: string[], gate?: Promise<void>) {
	const ctx = fakeContext({ items: items as unknown as IDataObject[], params: { sync: CHANGED }, ...state.context });
	return await runSync<Payload>(ctx, items.length, tracking, {
		prepare: (itemIndex) => items[itemIndex],
		limits: { maxUnits: 100 },
		send: async (batch: Array<BulkEntry<Payload>>) => {
			await gate;
			sent.push(...batch.map((entry) => entry.payload.key));
			return batch.map((entry) => ({ json: { key: entry.payload.key } }));
		},
	});
}

const lockContext = (state: NodeState) => fakeContext({ items: [{}], params: {}, ...state.context });
const people = (tier: string) => [
	{ key: 'a', fields: { tier } },
	{ key: 'b', fields: { tier } },
];

describe('Sync lock (database store)', () => {
	it('refuses a run that overlaps a running one before it sends anything, and lets the next run through', async () => {
		const state = nodeState('database');
		const sent: string[] = [];
		let open!: () => void;
		const first = run(state, people('gold'), sent, new Promise<void>((resolve) => (open = resolve)));
		// Let the first run take the lock and reach its send.
		await new Promise((resolve) => setTimeout(resolve, 20));
		const secondSent: string[] = [];
		const second = run(state, people('silver'), secondSent);
		await expect(second).rejects.toThrow(NodeOperationError);
		await expect(second).rejects.toThrow(/Another execution of this workflow is running this node's sync/);
		expect(secondSent).toEqual([]);

		open();
		const output = await first;
		expect(output[0].map((item) => item.json.syncStatus)).toEqual(['sent', 'sent']);
		expect(state.deduplication.workflowHashes.size, 'the finished run released its lock').toBe(0);

		// Free again: the change the refused run carried goes out now.
		const third: string[] = [];
		await run(state, people('silver'), third);
		expect(third).toEqual(['a', 'b']);
	});

	it('takes back the keys a refused look recorded, so the holder alone frees the node', async () => {
		const state = nodeState('database');
		const now = Date.UTC(2026, 0, 1, 12, 0);
		const held = await acquireSyncLock(lockContext(state), 'lockedSync', now);
		const keys = state.deduplication.workflowHashes.size;
		expect(keys).toBe(LOCK_HOLD_BUCKETS + 1);
		// Ten minutes later the look covers one bucket the holder has not recorded.
		const refused = await acquireSyncLock(lockContext(state), 'lockedSync', now + LOCK_BUCKET_MS);
		expect(refused.refusal).toBeInstanceOf(NodeOperationError);
		expect(refused.refusal?.message).toMatch(/started at about 2026-01-01 12:00 UTC/);
		expect(state.deduplication.workflowHashes.size).toBe(keys);
		await held.release();
		await (await acquireSyncLock(lockContext(state), 'lockedSync', now + LOCK_BUCKET_MS)).release();
		expect(state.deduplication.workflowHashes.size).toBe(0);
	});

	it('a run that never ended blocks the node for the hold window only, or until Reset Sync State', async () => {
		const state = nodeState('database');
		const now = Date.UTC(2026, 0, 1, 12, 0);
		await acquireSyncLock(lockContext(state), 'lockedSync', now); // never released: n8n was killed
		expect((await acquireSyncLock(lockContext(state), 'lockedSync', now + LOCK_HOLD_BUCKETS * LOCK_BUCKET_MS)).refusal).toBeDefined();
		const later = await acquireSyncLock(lockContext(state), 'lockedSync', now + (LOCK_HOLD_BUCKETS + 1) * LOCK_BUCKET_MS);
		expect(later.refusal).toBeUndefined();
		await later.release();

		const stuck = nodeState('database');
		await acquireSyncLock(lockContext(stuck), 'lockedSync');
		expect((await acquireSyncLock(lockContext(stuck), 'lockedSync')).refusal).toBeDefined();
		await resetSyncState(lockContext(stuck), 'lockedSync');
		expect((await acquireSyncLock(lockContext(stuck), 'lockedSync')).refusal).toBeUndefined();
	});

	it('locks each node on its own: another state key is not blocked', async () => {
		const state = nodeState('database');
		const held = await acquireSyncLock(lockContext(state), 'lockedSync');
		expect((await acquireSyncLock(lockContext(state), 'otherSync')).refusal).toBeUndefined();
		await held.release();
	});

	it('with On Error: Continue, a refused run fails every item with the refusal, in input order, and sends nothing', async () => {
		const state = nodeState('database');
		const held = await acquireSyncLock(lockContext(state), 'lockedSync');
		const sent: string[] = [];
		const ctx = fakeContext({ items: people('gold') as unknown as IDataObject[], params: { sync: CHANGED }, ...state.context, continueOnFail: true });
		const output = await runSync<Payload>(ctx, 2, tracking, {
			prepare: (itemIndex) => people('gold')[itemIndex],
			limits: { maxUnits: 100 },
			send: async (batch: Array<BulkEntry<Payload>>) => {
				sent.push(...batch.map((entry) => entry.payload.key));
				return batch.map((entry) => ({ json: { key: entry.payload.key } }));
			},
		});
		expect(sent).toEqual([]);
		expect(output[0].map((item) => [item.pairedItem, String(item.json.error)])).toEqual([
			[{ item: 0 }, expect.stringMatching(/^Item 0: Another execution of this workflow is running this node's sync/)],
			[{ item: 1 }, expect.stringMatching(/^Item 1: Another execution of this workflow is running this node's sync/)],
		]);
		await held.release();
	});

	it('releases the lock when the run fails', async () => {
		const state = nodeState('database');
		const ctx = fakeContext({ items: [{}], params: { sync: CHANGED }, ...state.context });
		await expect(
			runSync<Payload>(ctx, 1, tracking, {
				prepare: () => ({ key: 'a', fields: {} }),
				limits: { maxUnits: 100 },
				send: async () => {
					throw new NodeOperationError(ctx.getNode(), 'vendor down');
				},
			}),
		).rejects.toThrow('vendor down');
		expect(state.deduplication.workflowHashes.size).toBe(0);
	});
});

describe.each(['staticData'] as SyncStore[])('Sync lock (%s store)', (kind) => {
	it('is not taken for manual runs, whose state n8n does not save', async () => {
		const state = nodeState(kind);
		const held = await acquireSyncLock(lockContext(state), 'lockedSync');
		expect((await acquireSyncLock(lockContext(state), 'lockedSync')).refusal).toBeUndefined();
		await held.release();
	});
});
