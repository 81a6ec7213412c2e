// Concurrency (issue #9): two executions at once in one running n8n, started through a production webhook.
// - Crescendo Lab runs one import at a time per account: the second execution's task start is refused as
//   busy (429) and waited out; both finish with every contact imported.
// - Profile Sync (Batch node version 2) runs one sync of a node at a time: an execution that starts while
//   another is syncing is refused before it sends anything, and the next run sends what it carried.
// - Batch "Only Send Changes" keeps its fingerprints in the workflow's static data, which concurrent
//   executions overwrite (last writer wins). Whatever survives must never claim a profile Batch did not
//   accept: a later run sends every refused profile again and skips only profiles Batch holds as sent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Sandbox } from '../../sandbox/index.mts';
import { startSandbox } from '../../sandbox/index.mts';
import { sandboxCredentialRef, sandboxCredentials } from '../../sandbox/n8nCredentials.mts';
import { N8n } from './harness.mts';
import { importAndPublish, N8nProcess, webhookWorkflow } from './n8nProcess.mts';

const TIME_SCALE = 0.05;
let sandbox: Sandbox;
let n8n: N8n;
let server: N8nProcess;


const fromBody = `const { prefix, from, to } = $('Webhook').first().json.body;`;

beforeAll(async () => {
	sandbox = await startSandbox({ only: ['crescendoLab', 'batch'], ports: 'random', timeScale: TIME_SCALE });
	n8n = N8n.create();
	await n8n.importCredentials(sandboxCredentials(sandbox));
	await importAndPublish(n8n, [
		webhookWorkflow({
			id: 'concCrescendo',
			path: 'conc-crescendo',
			inputCode: `${fromBody}
return Array.from({ length: to - from }, (_, i) => ({ json: { customer_id: prefix + (from + i), display_name: prefix + ' ' + (from + i) } }));`,
			nodes: [
				{
					name: 'Import',
					type: 'n8n-nodes-customer-profiles.crescendoLab',
					credentials: sandboxCredentialRef('crescendoLabApi'),
					parameters: {
						authentication: 'profileApi',
						resource: 'contact',
						operation: 'import',
						importKey: 'customer_id',
						columns: { mappingMode: 'autoMapInputData', value: null },
						options: { maxRequestsPerMinute: 300, pollIntervalSeconds: 0.25, maxWaitSeconds: 300 },
					},
				},
			],
		}),
		webhookWorkflow({
			id: 'concBatch',
			path: 'conc-batch',
			inputCode: `${fromBody}
return Array.from({ length: to - from }, (_, i) => ({ json: { custom_id: 'p-' + (from + i), plan: 'plan-' + ((from + i) % 7) } }));`,
			nodes: [
				{
					name: 'Sync',
					type: 'n8n-nodes-customer-profiles.batch',
					credentials: sandboxCredentialRef('batchApi'),
					onError: 'continueErrorOutput',
					parameters: {
						resource: 'profile',
						operation: 'createOrUpdate',
						customIdField: 'custom_id',
						attributesToSend: 'allFields',
						options: { onlySendChanges: true, route: 'update' },
					},
				},
			],
		}),
		webhookWorkflow({
			id: 'concBatchSync',
			path: 'conc-batch-sync',
			inputCode: `const { plan } = $('Webhook').first().json.body;
return Array.from({ length: 1000 }, (_, i) => ({ json: { custom_id: 's-' + i, plan } }));`,
			nodes: [
				{
					name: 'Sync',
					type: 'n8n-nodes-customer-profiles.batch',
					typeVersion: 2,
					credentials: sandboxCredentialRef('batchApi'),
					onError: 'continueRegularOutput',
					parameters: { resource: 'profile', operation: 'createOrUpdate', customIdField: 'custom_id', attributesToSend: 'allFields', sync: {} },
				},
			],
		}),
	]);
	server = await N8nProcess.start(n8n);
});

afterAll(async () => {
	await server?.stop();
	n8n?.dispose();
	await sandbox?.close();
});

describe('two executions at the same time, in a running n8n', () => {
	it('Crescendo Lab: two imports both finish with every contact imported, one task after the other', async () => {
		await sandbox.control('crescendoLab').reset();
		// 3,000 contacts take 120 s of vendor time (6 s here): the second task start meets a running task.
		await sandbox.control('crescendoLab').configure({ knobs: { processingMsPer1000: 40_000 } });
		const [a, b] = await Promise.all([
			server.webhook('conc-crescendo', { prefix: 'a-', from: 0, to: 3000 }),
			server.webhook('conc-crescendo', { prefix: 'b-', from: 0, to: 3000 }),
		]);
		for (const answer of [a, b]) {
			expect(answer.status, JSON.stringify(answer.body).slice(0, 500)).toBe(200);
			expect(answer.body).toHaveLength(3000);
			expect(answer.body.every((item: any) => item.outcome === 'imported')).toBe(true);
		}
		const state = await sandbox.control('crescendoLab').state();
		const ids = (state.contacts as any[]).map((contact) => contact.customer_id).sort();
		const want = ['a-', 'b-'].flatMap((prefix) => Array.from({ length: 3000 }, (_, i) => `${prefix}${i}`)).sort();
		expect(ids).toEqual(want);
		const tasks = (state.tasks as any[]).filter((task) => task.kind === 'import');
		expect(tasks.map((task) => [task.rows, task.status])).toEqual([
			[3000, 'done'],
			[3000, 'done'],
		]);
		expect(tasks[1].createdAt).toBeGreaterThanOrEqual(tasks[0].doneAt);
		const stats = await sandbox.control('crescendoLab').stats();
		// The second execution was refused as busy at least once and waited.
		expect(stats.byRoute['POST /cdh/v1/member/import/']).toBeGreaterThan(2);
		console.info(
			`[concurrency] Crescendo Lab: 2 × 3,000 contacts, ${stats.byRoute['POST /cdh/v1/member/import/']} task starts ` +
				`(${stats.byStatus['429'] ?? 0} busy answers waited out), answers after ${a.ms} and ${b.ms} ms`,
		);
	});

	it('Profile Sync (Batch v2): an overlapping run of the same node is refused before it sends anything, and the next run sends its change', async () => {
		await sandbox.control('batch').reset();
		// Each write takes two seconds, so the second execution starts while the first is sending.
		await sandbox.control('batch').configure({ faults: { latencyMs: [2000, 2000], routes: ['/profiles/'] } });
		let answers;
		try {
			const gold = server.webhook('conc-batch-sync', { plan: 'gold' });
			await new Promise((resolve) => setTimeout(resolve, 1500));
			const platinum = server.webhook('conc-batch-sync', { plan: 'platinum' });
			answers = { gold: await gold, platinum: await platinum };
		} finally {
			await sandbox.control('batch').configure({ faults: { latencyMs: [0, 0], routes: [] } });
		}
		// Whichever took the lock first synced; the other was refused before it sent anything.
		const shown = (answer: any) => `${answer.status} ${JSON.stringify(answer.body).slice(0, 600)}`;
		expect([answers.gold.status, answers.platinum.status], `gold: ${shown(answers.gold)}\nplatinum: ${shown(answers.platinum)}`).toEqual([200, 200]);
		const refused = (body: any[]) => body.every((item, i) => new RegExp(`^Item ${i}: Another execution of this workflow is running this node's sync .* so this run sent nothing$`).test(item.error));
		const [winner, loser] = refused(answers.platinum.body) ? (['gold', 'platinum'] as const) : (['platinum', 'gold'] as const);
		expect(answers[winner].status).toBe(200);
		expect(answers[winner].body.every((item: any) => item.syncStatus === 'sent')).toBe(true);
		expect(answers[loser].status).toBe(200);
		expect(answers[loser].body, 'On Error: Continue: one error item per input item').toHaveLength(1000);
		expect(refused(answers[loser].body)).toBe(true);
		const calls = (await sandbox.control('batch').state()).calls as any[];
		expect(calls.flatMap((call) => call.customIds).length, 'only one execution sent').toBe(1000);

		// The refused run's change was not lost: the next run sends it.
		const third = await server.webhook('conc-batch-sync', { plan: loser });
		expect(third.body.filter((item: any) => item.syncStatus === 'sent')).toHaveLength(1000);
		expect((await sandbox.control('batch').state()).profiles['s-5'].attributes.plan.value).toBe(loser);
		const second = answers[loser];
		console.info(`[concurrency] Profile Sync: the overlapping execution was refused after ${second.ms} ms; the next run sent its 1,000 changes`);
	});

	it('Batch: two overlapping "Only Send Changes" syncs never leave a refused profile marked as synced', async () => {
		await sandbox.control('batch').reset();
		// Every attribute of these profiles is refused (a partial error), so Batch never holds them.
		const poisoned = [...Array.from({ length: 10 }, (_, i) => `p-${100 + i}`), ...Array.from({ length: 10 }, (_, i) => `p-${1600 + i}`)];
		await sandbox.control('batch').configure({ knobs: { poisonCustomIds: poisoned } });
		const [a, b] = await Promise.all([
			server.webhook('conc-batch', { from: 0, to: 1500 }),
			server.webhook('conc-batch', { from: 500, to: 2000 }),
		]);
		expect(a.status).toBe(200);
		expect(b.status).toBe(200);

		// Batch now accepts everything; a third run of the whole range shows what the sync state claims.
		await sandbox.control('batch').configure({ knobs: { poisonCustomIds: [] } });
		const before = (await sandbox.control('batch').state()).calls.length as number;
		const c = await server.webhook('conc-batch', { from: 0, to: 2000 });
		expect(c.status).toBe(200);
		const state = await sandbox.control('batch').state();
		const items = c.body as Array<{ customId: string; status: string }>;
		expect(items).toHaveLength(2000);
		const skipped = items.filter((item) => item.status === 'skipped').map((item) => item.customId);
		const sent = new Set((state.calls as any[]).slice(before).flatMap((entry) => entry.customIds as string[]));
		// Every refused profile is sent again; every skipped one is held by Batch with the input's value.
		for (const id of poisoned) expect(sent.has(id), `${id} was refused before, so it must be sent`).toBe(true);
		for (const id of skipped) {
			const n = Number(id.slice(2));
			expect(state.profiles[id]?.attributes?.plan?.value, `${id} is marked synced`).toBe(`plan-${n % 7}`);
		}
		expect(skipped.length + sent.size).toBe(2000);
		console.info(
			`[concurrency] Batch: overlapping syncs of 1,500 + 1,500 profiles (20 refused); the next run skipped ` +
				`${skipped.length} and sent ${sent.size} (the 20 refused and any fingerprint lost to the last writer)`,
		);
	});
});
