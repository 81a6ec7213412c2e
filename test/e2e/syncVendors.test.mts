// Profile Sync in real n8n 2.41.1 on every vendor but Synerise (test/e2e/sync.test.mts has it with the delete
// branch wired): one imported workflow per vendor, executed again and again (a re-import would replace its
// static data), its input and its Dry Run switch served by a small HTTP listener the test controls. Each
// vendor gets the same story: first run, identical rerun, one field changed, one profile left the source,
// a dry run, a write that fails at the vendor followed by a rerun that sends it again, and a field that
// left a profile cleared with Clear Removed Fields.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Sandbox, VendorName } from '../../sandbox/index.mts';
import { startSandbox } from '../../sandbox/index.mts';
import { sandboxCredentials } from '../../sandbox/n8nCredentials.mts';
import { N8n, type N8nRun } from './harness.mts';
import { inputHintCount, storedState } from './storedState.mts';
import { SYNC_CASES } from './syncCases.mts';
import { SyncSource } from './syncSource.mts';
import { linearWorkflow } from './workflows.mts';

const TIME_SCALE = 0.05;
const PROFILES = 30;

let sandbox: Sandbox;
let n8n: N8n;
let source: SyncSource;

const captured = (vendor: VendorName) => sandbox.vendor(vendor).captured();

beforeAll(async () => {
	sandbox = await startSandbox({ only: ['talonOne', 'insider', 'crescendoLab', 'batch'], ports: 'random', timeScale: TIME_SCALE, capture: true });
	source = await SyncSource.start();
	source.mode = { dryRun: false, clear: false };
	n8n = N8n.create();
	await n8n.importCredentials(sandboxCredentials(sandbox));
});

afterAll(async () => {
	n8n?.dispose();
	await sandbox?.close();
	await source?.close();
});

describe.each(Object.entries(SYNC_CASES))('Profile Sync in real n8n: %s', (title, vendor) => {
	it('first run, identical rerun, a change, a removal, a dry run, a failed write sent again, a removed field cleared', async () => {
		const control = sandbox.control(vendor.vendor);
		await control.reset();
		const workflow = linearWorkflow({
			id: `sync-${vendor.vendor}`,
			inputItems: [{}],
			nodes: [
				...source.fetchNodes(),
				{
					name: 'Sync',
					...vendor.node,
					onError: 'continueErrorOutput',
					parameters: {
						...vendor.node.parameters,
						sync: {
							send: 'changed',
							changedFieldsOnly: true,
							fullSnapshot: true,
							dryRun: '={{ $("Fetch Mode").first().json.dryRun }}',
							clearRemovedFields: '={{ $("Fetch Mode").first().json.clear }}',
						},
					},
				},
			],
		});
		await n8n.importWorkflows([workflow]);
		const timings: number[] = [];
		const run = async (): Promise<{ result: N8nRun; sent: Array<{ key: string; fields: string[] }> }> => {
			const before = captured(vendor.vendor).length;
			const started = Date.now();
			const result = await n8n.execute(workflow.id);
			timings.push(Date.now() - started);
			expect(result.status, result.logs.slice(-3000)).toBe('success');
			const writes = captured(vendor.vendor).slice(before).filter((request) => vendor.isWrite(request) && request.status < 300);
			return { result, sent: writes.flatMap((request) => vendor.sent(request)) };
		};
		const statuses = (result: N8nRun) => result.items('Sync').map((item) => item.json.syncStatus);
		const keysOf = (sent: Array<{ key: string }>) => sent.map((entry) => entry.key).sort();
		const all = Array.from({ length: PROFILES }, (_, i) => vendor.key(i)).sort();
		const rows = (tier: (i: number) => string, without: number[] = []) =>
			Array.from({ length: PROFILES }, (_, i) => vendor.row(i, tier(i))).filter((_, i) => !without.includes(i));

		// 1. First run: every profile is new and sent.
		source.rows = rows(() => 'silver');
		const first = await run();
		expect(keysOf(first.sent)).toEqual(all);
		expect(new Set(statuses(first.result))).not.toContain('unchanged');
		expect(first.result.items('Sync')).toHaveLength(PROFILES);
		expect(first.result.items('Sync', 1)).toEqual([]);
		expect(await vendor.storedTier(sandbox, 3)).toBe('silver');
		// The node's expressions read only the item, so each profile has an input hint (syncShortcut.ts):
		// the identical rerun below takes every item as unchanged without building it.
		expect(inputHintCount(storedState(n8n.userFolder, workflow.id), 'Sync')).toBe(PROFILES);

		// 2. Identical rerun: nothing is sent; every item says unchanged, in input order.
		const second = await run();
		expect(second.sent).toEqual([]);
		expect(statuses(second.result)).toEqual(Array(PROFILES).fill('unchanged'));
		expect(second.result.items('Sync').map((item) => item.pairedItem)).toEqual(source.rows.map((_, item) => ({ item })));

		// 3. One profile changes one field and one leaves the source: that profile alone is sent, with that
		//    field alone, and the one that left is on Missing From Source.
		source.rows = rows((i) => (i === 7 ? 'gold' : 'silver'), [20]);
		const third = await run();
		expect(third.sent).toEqual([{ key: vendor.key(7), fields: [vendor.tierField] }]);
		const changed = third.result.items('Sync').filter((item) => item.json.syncStatus !== 'unchanged');
		expect(changed.map((item) => [item.pairedItem, item.json.changedFields])).toEqual([[{ item: 7 }, [vendor.tierField]]]);
		expect(third.result.items('Sync', 1).map((item) => item.json)).toEqual([
			{ id: expect.stringContaining(`sync-20`), ...vendor.missing(20), syncStatus: 'missing' },
		]);
		expect(await vendor.storedTier(sandbox, 7)).toBe('gold');

		// 4. Dry run: a change and a new profile are previewed; nothing is sent or remembered.
		source.mode.dryRun = true;
		source.rows = [...rows((i) => (i === 7 || i === 8 ? 'gold' : 'silver'), [20]), vendor.row(99, 'bronze')];
		const dry = await run();
		expect(dry.sent).toEqual([]);
		const previewed = dry.result
			.items('Sync')
			.filter((item) => item.json.syncStatus !== 'unchanged')
			.map((item) => ({ status: item.json.syncStatus, changedFields: item.json.changedFields }));
		expect(previewed).toEqual([
			{ status: 'changed', changedFields: [vendor.tierField] },
			{ status: 'new', changedFields: expect.arrayContaining([vendor.tierField]) },
		]);
		expect(dry.result.items('Sync', 1)).toEqual([]);
		source.mode.dryRun = false;

		// 5. Every write fails at the vendor (5xx until the retries run out): the items go to the error output,
		//    nothing is remembered, and the next run sends the same two profiles again.
		await control.configure({ faults: { error5xxRate: 1, routes: [vendor.writeRoute] } });
		let failed;
		try {
			failed = await run();
		} finally {
			await control.configure({ faults: { error5xxRate: 0, routes: [] } });
		}
		expect(failed.sent).toEqual([]);
		expect(failed.result.items('Sync', 2).map((item) => item.pairedItem)).toEqual([{ item: 8 }, { item: PROFILES - 1 }]);
		const again = await run();
		expect(keysOf(again.sent)).toEqual([vendor.key(8), vendor.key(99)].sort());
		expect(again.result.items('Sync', 2)).toEqual([]);
		expect(await vendor.storedTier(sandbox, 99)).toBe('bronze');
		const last = await run();
		expect(last.sent).toEqual([]);

		// 6. Clear Removed Fields: its first run learns which fields each profile has (sending nothing); then a
		//    profile that lost its tier has it cleared at the vendor, once.
		source.mode.clear = true;
		expect((await run()).sent).toEqual([]);
		const lost = source.rows.map((row, i) => (i === 4 ? vendor.row(4, undefined) : row));
		source.rows = lost;
		const cleared = await run();
		const clearedItems = cleared.result.items('Sync').filter((item) => item.json.syncStatus !== 'unchanged');
		expect(clearedItems.map((item) => [item.pairedItem, item.json.clearedFields])).toEqual([[{ item: 4 }, [vendor.tierField]]]);
		expect(await vendor.storedTier(sandbox, 4)).toBeOneOf([null, undefined]);
		expect(await vendor.storedTier(sandbox, 5)).toBe('silver');
		const settled = await run();
		expect(settled.result.items('Sync').every((item) => item.json.syncStatus === 'unchanged')).toBe(true);
		expect(settled.sent).toEqual([]);
		source.mode.clear = false;
		console.info(`${title} sync e2e: first run ${first.result.executionTime('Sync')} ms, identical rerun ${second.result.executionTime('Sync')} ms; executions ${timings.join(', ')} ms`);
	});
});
