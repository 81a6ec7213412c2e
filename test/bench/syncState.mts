// Scenario 8: the Sync option's state at scale, in process: 1,000,000 keys (200,000 profiles of four fields
// and a presence key) looked up, retained and recorded through n8n's deduplication helpers as the fake in
// test/helpers keeps them (MD5 hashes in a set, as n8n's processed_data row holds them), and through the
// static-data store. Prints the time of each step and the heap it grew by.
import type { IDataObject } from 'n8n-workflow';

import { ChangeTracker, DeduplicationChangeStore, StaticDataChangeStore } from '../../nodes/shared/changes';
import { FakeDeduplication } from '../helpers/fakeDeduplication.mts';

export interface SyncStateFigure {
	store: 'database' | 'staticData';
	keys: number;
	firstLoadMs: number;
	firstSaveMs: number;
	rerunLoadMs: number;
	rerunSaveMs: number;
	heapGrowthMb: number;
	storedMb?: number;
}

const heapMb = () => {
	(globalThis as { gc?: () => void }).gc?.();
	return process.memoryUsage().heapUsed / 1024 ** 2;
};

async function timed(action: () => Promise<unknown>): Promise<number> {
	const started = performance.now();
	await action();
	return performance.now() - started;
}

/** One run of the Sync option's state steps over `profiles` records; returns its timings. */
async function syncRun(store: () => DeduplicationChangeStore | StaticDataChangeStore, profiles: Array<{ id: string; attributes: IDataObject }>) {
	const tracker = new ChangeTracker(store(), 'attribute', true);
	const loadMs = await timed(async () => {
		await tracker.load(profiles);
		for (const { id, attributes } of profiles) {
			const decision = tracker.decide(id, attributes, false);
			if (decision.send || !tracker.isKnown(id)) tracker.accept(id, decision.remember);
		}
		await tracker.retain();
	});
	const saveMs = await timed(async () => await tracker.save());
	return { loadMs, saveMs };
}

export async function syncStateFigures(keys: number): Promise<SyncStateFigure[]> {
	const perProfile = 5;
	const count = Math.round(keys / perProfile);
	const profiles = Array.from({ length: count }, (_, i) => ({
		id: `customId:p-${i}`,
		attributes: { email: `user${i}@example.com`, firstName: `User ${i}`, 'attributes.city': ['Warsaw', 'Krakow'][i % 2], 'attributes.points': i },
	}));
	const figures: SyncStateFigure[] = [];

	const before = heapMb();
	const dedup = new FakeDeduplication();
	const database = () => new DeduplicationChangeStore(dedup.helpers() as never);
	const first = await syncRun(database, profiles);
	const rerun = await syncRun(database, profiles);
	figures.push({
		store: 'database',
		keys: dedup.hashes.size,
		firstLoadMs: first.loadMs,
		firstSaveMs: first.saveMs,
		rerunLoadMs: rerun.loadMs,
		rerunSaveMs: rerun.saveMs,
		heapGrowthMb: heapMb() - before,
		// n8n keeps the set as one JSON array of base64 MD5 hashes (24 characters and quotes, a comma).
		storedMb: (dedup.hashes.size * 27) / 1024 ** 2,
	});

	const staticBefore = heapMb();
	const staticData: IDataObject = {};
	const staticStore = () => new StaticDataChangeStore(staticData, 'bench', 'attribute');
	const staticFirst = await syncRun(staticStore, profiles);
	const staticRerun = await syncRun(staticStore, profiles);
	figures.push({
		store: 'staticData',
		keys: count * perProfile,
		firstLoadMs: staticFirst.loadMs,
		firstSaveMs: staticFirst.saveMs,
		rerunLoadMs: staticRerun.loadMs,
		rerunSaveMs: staticRerun.saveMs,
		heapGrowthMb: heapMb() - staticBefore,
		storedMb: JSON.stringify(staticData).length / 1024 ** 2,
	});
	return figures;
}
