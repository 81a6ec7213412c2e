import type { IExecuteFunctions } from 'n8n-workflow';

import type { ChangeGranularity, ChangeTracker } from '../../shared/changes';
import { forgetChanges, loadChanges } from '../../shared/changes';
import type { Profile } from './profiles';
import { groupByCustomId } from './profiles';

/** Where "Only Send Changes" keeps its state inside the node's workflow static data (the fallback store). */
export const SYNC_STATE_KEY = 'batchProfileSync';

/**
 * "Only Send Changes": one look at the store for every profile of the run. A Custom ID on several items is
 * looked up as Batch holds it once all of them are applied (later items win).
 */
export async function loadSyncState(
	ctx: IExecuteFunctions,
	granularity: ChangeGranularity,
	profiles: Array<Profile | Error>,
): Promise<ChangeTracker> {
	const candidates = [...groupByCustomId(profiles).values()].map(({ final }) => ({ id: final.customId, attributes: final.attributes }));
	return await loadChanges(ctx, SYNC_STATE_KEY, granularity, candidates);
}

/** Forgets every remembered profile in both stores; returns how many static-data profiles and database keys there were. */
export async function resetSyncState(ctx: IExecuteFunctions): Promise<{ profiles: number; databaseEntries: number }> {
	const { records, databaseEntries } = await forgetChanges(ctx, SYNC_STATE_KEY);
	return { profiles: records, databaseEntries };
}
