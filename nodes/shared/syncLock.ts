import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { databaseStoreHelpers, ENTRIES } from './changes';

/**
 * Overlapping runs of one sync node are refused: each run rewrites the node's state from what it saw when it
 * started, so two at once could leave a fingerprint of a value the vendor no longer holds, and a later run
 * would skip a real change. The lock lives in n8n's deduplication table, which every n8n process (queue
 * workers included) shares, in the workflow's scope so that the node's own state rewrites leave it alone.
 *
 * n8n's table holds keys, not times, so a lock is a set of time buckets: a run records the keys of the
 * current bucket and of the LOCK_HOLD_BUCKETS before it, and a run that finds any of its own keys already
 * held knows another run started less than LOCK_HOLD_BUCKETS buckets ago and has not finished. A run that
 * ends removes its keys; one that never ends (n8n killed) blocks the node until its keys fall out of the
 * window, or until Reset Sync State.
 */
export const LOCK_BUCKET_MS = 10 * 60_000;
/** How long a run that never ended blocks the node: 36 buckets of 10 minutes, 6 hours. */
export const LOCK_HOLD_BUCKETS = 36;

const SEP = '\u001f';

export interface SyncLock {
	/** Why this run may not sync (another run holds the lock); the run must send nothing. */
	refusal?: NodeOperationError;
	release(): Promise<void>;
}

const NO_LOCK: SyncLock = { release: async () => {} };

function lockKeys(ctx: IExecuteFunctions, stateKey: string, now: number): string[] {
	const node = ctx.getNode().id;
	const bucket = Math.floor(now / LOCK_BUCKET_MS);
	return Array.from({ length: LOCK_HOLD_BUCKETS + 1 }, (_, back) => ['sync-lock', node, stateKey, bucket - back].join(SEP));
}

/**
 * Takes the node's sync lock, or answers with the refusal (a NodeOperationError saying another run holds it),
 * before anything is sent. Runs whose state is in static data (manual runs) are not locked: n8n runs one manual execution of a
 * workflow at a time from the editor, and static data is saved only by production runs.
 */
export async function acquireSyncLock(ctx: IExecuteFunctions, stateKey: string, now = Date.now()): Promise<SyncLock> {
	const helpers = databaseStoreHelpers(ctx);
	if (!helpers) return NO_LOCK;
	const keys = lockKeys(ctx, stateKey, now);
	const answer = await helpers.checkProcessedAndRecord(keys, 'workflow', ENTRIES);
	if (answer.processed.length > 0) {
		// Another run holds the lock: take back the keys this look recorded, which are not ours to hold.
		if (answer.new.length > 0) await helpers.removeProcessed(answer.new.map(String), 'workflow', ENTRIES);
		const held = new Set(answer.processed.map(String));
		// The holder's newest key is the bucket it started in (the window of keys reaches back from there).
		const newest = keys.findIndex((key) => held.has(key));
		const started = new Date((Math.floor(now / LOCK_BUCKET_MS) - newest) * LOCK_BUCKET_MS);
		const refusal = new NodeOperationError(
			ctx.getNode(),
			`Another execution of this workflow is running this node's sync (it started at about ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC), so this run sent nothing`,
			{
				description: `Two syncs of one node at once could lose a change. Let the other execution finish, or schedule the sync less often than it takes to run. If that execution was stopped without finishing (n8n was killed), the node is free again ${(LOCK_HOLD_BUCKETS * LOCK_BUCKET_MS) / 3_600_000} hours after it started, or at once after a run of Reset Sync State.`,
			},
		);
		return { refusal, release: async () => {} };
	}
	return {
		release: async () => {
			await helpers.removeProcessed(keys, 'workflow', ENTRIES);
		},
	};
}

/** Frees the node's lock whatever holds it (Reset Sync State): the keys of every bucket of the window. */
export async function clearSyncLock(ctx: IExecuteFunctions, stateKey: string, now = Date.now()): Promise<void> {
	const helpers = databaseStoreHelpers(ctx);
	if (!helpers) return;
	const keys = lockKeys(ctx, stateKey, now);
	await helpers.removeProcessed(keys, 'workflow', ENTRIES);
}
