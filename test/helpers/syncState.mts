// The state a workflow's node keeps between runs for the Sync option, as n8n keeps it: n8n's deduplication
// table for a saved workflow's production runs, or the workflow's static data (manual runs). Tests of every
// vendor's Sync run their cases once per store.
import type { IDataObject } from 'n8n-workflow';

import type { FakeContextOptions } from './fakeContext.mts';
import { FakeDeduplication } from './fakeDeduplication.mts';

export type SyncStore = 'database' | 'staticData';

export const SYNC_STORES: SyncStore[] = ['database', 'staticData'];

export interface NodeState {
	staticData: IDataObject;
	deduplication: FakeDeduplication;
	/** The fake context options of one run of this node: the same stores every run. */
	context: Pick<FakeContextOptions, 'staticData' | 'deduplication' | 'mode'>;
}

export function nodeState(kind: SyncStore): NodeState {
	const staticData: IDataObject = {};
	const deduplication = new FakeDeduplication();
	return {
		staticData,
		deduplication,
		context: kind === 'database' ? { staticData, deduplication, mode: 'trigger' } : { staticData, mode: 'manual' },
	};
}
