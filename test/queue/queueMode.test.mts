// Queue mode (issue #9), run by `npm run test:queue`, which starts Redis and PostgreSQL on loopback and
// passes their ports. One n8n main and two workers, each in its own user folder with this package
// installed, share the database, Redis and the encryption key. Executions start through the main's
// production webhooks (`n8n execute` ignores queue mode).
//
// - Synerise: the JWT that n8n's preAuthentication stores in the credential is reused by both workers.
// - Batch: the "Only Send Changes" state lives in n8n's deduplication table in PostgreSQL, which workers
//   read directly: after a restart of both workers, the next run sends only the changed profiles.
// - Profile Sync (Synerise): the same across a worker restart; Missing From Source says it cannot report, as
//   workers get no workflow static data.
// - Profile Sync on Talon.One, Insider, Crescendo Lab and Batch: the same story, each vendor's state in
//   PostgreSQL across the restart.
// - Both give the same items and the same vendor state as a regular-mode run of the same workflows.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Sandbox } from '../../sandbox/index.mts';
import { startSandbox } from '../../sandbox/index.mts';
import { sandboxCredentialRef, sandboxCredentials } from '../../sandbox/n8nCredentials.mts';
import { N8n } from '../e2e/harness.mts';
import { importAndPublish, N8nProcess, webhookWorkflow } from '../e2e/n8nProcess.mts';
import { SYNC_CASES } from '../e2e/syncCases.mts';
import { nodeType } from '../e2e/workflows.mts';

const REDIS_PORT = process.env.CP_QUEUE_REDIS_PORT;
const POSTGRES_PORT = process.env.CP_QUEUE_POSTGRES_PORT;

let sandbox: Sandbox;
const folders: N8n[] = [];
let main: N8nProcess;
let workers: N8nProcess[] = [];
let regular: N8n;
let regularServer: N8nProcess;


/** Profile Sync of each vendor but Synerise: webhook body `{ tier, count }`, the first 10 rows get `tier`. */
const SYNC_WORKFLOWS = () =>
	Object.values(SYNC_CASES).map((vendor) =>
		webhookWorkflow({
			id: `queueSync-${vendor.vendor}`,
			path: `queue-sync-${vendor.vendor.toLowerCase()}`,
			inputCode: `const { tier, count } = $('Webhook').first().json.body;
const row = ${vendor.row.toString()};
return Array.from({ length: count }, (_, i) => ({ json: row(i, i < 10 ? tier : 'silver') }));`,
			nodes: [
				{
					name: 'Sync',
					type: nodeType(vendor.node.type),
					typeVersion: vendor.node.typeVersion,
					credentials: vendor.node.credentials,
					parameters: { ...vendor.node.parameters, sync: { send: 'changed', changedFieldsOnly: true, fullSnapshot: true } },
				},
				{
					name: 'Summary',
					type: 'n8n-nodes-base.code',
					typeVersion: 2,
					parameters: {
						jsCode: `const synced = $('Sync').all(0).map((item) => item.json);
return [{ json: {
  sent: synced.flatMap((json, i) => (json.syncStatus === 'unchanged' ? [] : [i])),
  statuses: [...new Set(synced.map((json) => json.syncStatus))].sort(),
  unchanged: synced.filter((json) => json.syncStatus === 'unchanged').length,
  missing: $('Sync').all(1).map((item) => item.json.id ?? item.json.syncStatus),
} }];`,
					},
				},
			],
		}),
	);

const WORKFLOWS = () => [
	...SYNC_WORKFLOWS(),
	webhookWorkflow({
		id: 'queueSynerise',
		path: 'queue-synerise',
		inputCode: `const { run } = $('Webhook').first().json.body;
return Array.from({ length: 2500 }, (_, i) => ({ json: { customId: 'q-' + run + '-' + i, email: 'q' + run + '-' + i + '@example.com', points: i } }));`,
		nodes: [
			{
				name: 'Synerise',
				type: 'n8n-nodes-customer-profiles.synerise',
				credentials: sandboxCredentialRef('syneriseApi'),
				parameters: { resource: 'profile', operation: 'upsert' },
			},
		],
	}),
	webhookWorkflow({
		id: 'queueBatch',
		path: 'queue-batch',
		inputCode: `const { plan } = $('Webhook').first().json.body;
return Array.from({ length: 3000 }, (_, i) => ({ json: { custom_id: 'u-' + i, plan: i < 100 ? plan : 'basic' } }));`,
		nodes: [
			{
				name: 'Batch',
				type: 'n8n-nodes-customer-profiles.batch',
				credentials: sandboxCredentialRef('batchApi'),
				parameters: {
					resource: 'profile',
					operation: 'createOrUpdate',
					customIdField: 'custom_id',
					attributesToSend: 'allFields',
					options: { onlySendChanges: true },
				},
			},
		],
	}),
	webhookWorkflow({
		id: 'queueSync',
		path: 'queue-sync',
		inputCode: `const { tier, count } = $('Webhook').first().json.body;
return Array.from({ length: count }, (_, i) => ({ json: { customId: 's-' + i, email: 's' + i + '@example.com', tier: i < 10 ? tier : 'silver' } }));`,
		nodes: [
			{
				name: 'Sync',
				type: 'n8n-nodes-customer-profiles.synerise',
				typeVersion: 2,
				credentials: sandboxCredentialRef('syneriseApi'),
				parameters: {
					resource: 'profile',
					operation: 'upsert',
					columns: { mappingMode: 'autoMapInputData', value: null },
					sync: { send: 'changed', changedFieldsOnly: true, fullSnapshot: true },
				},
			},
			{
				name: 'Summary',
				type: 'n8n-nodes-base.code',
				typeVersion: 2,
				parameters: {
					jsCode: `const synced = $('Sync').all(0).map((item) => item.json);
return [{ json: {
  sent: synced.filter((json) => json.syncStatus === 'sent').map((json) => json.customId),
  unchanged: synced.filter((json) => json.syncStatus === 'unchanged').length,
  missing: $('Sync').all(1).map((item) => item.json.id ?? item.json.syncStatus),
} }];`,
				},
			},
		],
	}),
];

function queueEnv(database: string): NodeJS.ProcessEnv {
	return {
		DB_TYPE: 'postgresdb',
		DB_POSTGRESDB_HOST: '127.0.0.1',
		DB_POSTGRESDB_PORT: POSTGRES_PORT,
		DB_POSTGRESDB_DATABASE: database,
		DB_POSTGRESDB_USER: 'postgres',
		DB_POSTGRESDB_PASSWORD: '',
		EXECUTIONS_MODE: 'queue',
		QUEUE_BULL_REDIS_HOST: '127.0.0.1',
		QUEUE_BULL_REDIS_PORT: REDIS_PORT,
		QUEUE_HEALTH_CHECK_ACTIVE: 'true',
	};
}

/** Synerise applies writes after a short delay; waits until none is pending. */
async function syneriseSettled(): Promise<any> {
	let state = await sandbox.control('synerise').state();
	for (let i = 0; i < 200 && state.pending > 0; i++) {
		await new Promise((resolve) => setTimeout(resolve, 100));
		state = await sandbox.control('synerise').state();
	}
	return state;
}

function psql(sql: string): string {
	const bin = process.env.CP_QUEUE_POSTGRES_BIN ? join(process.env.CP_QUEUE_POSTGRES_BIN, 'psql') : 'psql';
	const database = process.env.CP_QUEUE_DATABASE ?? 'n8n_queue';
	return execFileSync(bin, ['-h', '127.0.0.1', '-p', String(POSTGRES_PORT), '-U', 'postgres', '-d', database, '-At', '-c', sql], {
		encoding: 'utf8',
	}).trim();
}

/** The workflow's deduplication entries (the Batch sync state) as PostgreSQL holds them: the hashes, sorted. */
function storedSyncState(workflowId: string): string[] {
	const text = psql(`SELECT value::text FROM processed_data WHERE "workflowId" = '${workflowId}'`);
	if (text === '') return [];
	// n8n's JSON column may hold the object or a JSON string of it.
	const parse = (row: string): { data: string[] } => (typeof JSON.parse(row) === 'string' ? JSON.parse(JSON.parse(row)) : JSON.parse(row));
	return text.split('\n').flatMap((row) => parse(row).data).sort();
}

/** The workflow's static data as PostgreSQL holds it. */
function storedStaticData(workflowId: string): string {
	return psql(`SELECT coalesce("staticData"::text, '') FROM workflow_entity WHERE id = '${workflowId}'`);
}

/** Batch profiles as custom ID → attribute values, without timestamps. */
const profileValues = (profiles: Record<string, any>) =>
	Object.fromEntries(
		Object.entries(profiles).map(([id, profile]) => [
			id,
			Object.fromEntries(Object.entries(profile.attributes as Record<string, any>).map(([name, a]) => [name, a.value])),
		]),
	);

/** Output items without what differs from run to run. */
const stable = (items: any[]) => items.map(({ clientId: _c, ...rest }) => rest);

async function startWorker(index: number): Promise<N8nProcess> {
	// Two jobs at a time each, so that four executions at once are spread over both workers.
	return await N8nProcess.start(folders[index + 1], { command: 'worker', args: ['--concurrency=2'], logName: `worker-${index}-${Date.now()}.log` });
}

beforeAll(async () => {
	if (!REDIS_PORT || !POSTGRES_PORT) throw new Error('Run queue-mode tests with `npm run test:queue` (it starts Redis and PostgreSQL).');
	sandbox = await startSandbox({ only: ['synerise', 'batch', 'talonOne', 'insider', 'crescendoLab'], ports: 'random' });
	await sandbox.control('synerise').configure({ knobs: { applyDelayMs: 0 } });
	// Crescendo Lab's import tasks take seconds at the vendor's pace; a twentieth of it keeps the test short.
	await sandbox.control('crescendoLab').configure({ timeScale: 0.05 });
	const database = process.env.CP_QUEUE_DATABASE ?? 'n8n_queue';
	for (let i = 0; i < 3; i++) {
		const folder = N8n.create();
		folder.extraEnv = queueEnv(database);
		folders.push(folder);
	}
	// The main migrates the database on its first command; credentials and workflows go in before it starts.
	await folders[0].importCredentials(sandboxCredentials(sandbox));
	await importAndPublish(folders[0], WORKFLOWS());
	main = await N8nProcess.start(folders[0], { logName: 'main.log' });
	workers = [await startWorker(0), await startWorker(1)];
}, 20 * 60_000);

afterAll(async () => {
	for (const server of [...workers, main, regularServer]) await server?.stop();
	for (const folder of [...folders, regular]) folder?.dispose();
	await sandbox?.close();
});

const queueResults: Record<string, any> = {};

describe('queue mode: one main, two workers', () => {
	it('Synerise: both workers run batch executions and share one JWT', async () => {
		await sandbox.control('synerise').reset();
		// The first execution logs in and n8n stores the token in the credential.
		const first = await main.webhook('queue-synerise', { run: 0 });
		expect(first.status, JSON.stringify(first.body).slice(0, 500)).toBe(200);
		// Four more at once: both workers take some; none needs to log in again.
		const rest = await Promise.all([1, 2, 3, 4].map((run) => main.webhook('queue-synerise', { run })));
		for (const answer of rest) expect(answer.status).toBe(200);
		const answers = [first, ...rest];
		answers.forEach((answer, run) => {
			expect(answer.body).toHaveLength(2500);
			expect(answer.body[7]).toMatchObject({ accepted: true, status: 'queued', customId: `q-${run}-7` });
		});
		const state = await syneriseSettled();
		expect(state.logins, 'one login for all executions on both workers').toBe(1);
		expect(state.unauthorized).toBe(0);
		expect(state.profiles).toHaveLength(5 * 2500);
		const ran = workers.map((worker) => (worker.logs.match(/Worker started execution|started execution/gi) ?? []).length);
		expect(ran.every((count) => count > 0), `executions per worker: ${ran.join(', ')}`).toBe(true);
		queueResults.synerise = { items: answers.map((answer) => stable(answer.body)), profiles: state.profiles.length };
		console.info(`[queue] Synerise: 5 executions of 2,500 profiles, worker split ${ran.join('/')}, ${state.logins} login`);
	});

	it('Batch: the "Only Send Changes" state is kept in PostgreSQL, survives a restart of the workers, and the next run sends only the changes', async () => {
		await sandbox.control('batch').reset();
		const first = await main.webhook('queue-batch', { plan: 'gold' });
		expect(first.status, JSON.stringify(first.body).slice(0, 500)).toBe(200);
		expect(first.body.filter((item: any) => item.status === 'sent')).toHaveLength(3000);
		const saved = storedSyncState('queueBatch');
		expect(saved, 'one fingerprint per accepted profile in n8n\'s deduplication table').toHaveLength(3000);
		expect(storedStaticData('queueBatch')).not.toContain('batchProfileSync');

		await Promise.all(workers.map((worker) => worker.stop()));
		workers = [await startWorker(0), await startWorker(1)];
		expect(storedSyncState('queueBatch'), 'the sync state outlives the workers').toEqual(saved);

		const second = await main.webhook('queue-batch', { plan: 'platinum' });
		expect(second.status).toBe(200);
		const sent = second.body.filter((item: any) => item.status === 'sent').map((item: any) => item.customId);
		// Exactly the 100 changed profiles, on whichever worker ran it.
		expect(sent).toEqual(Array.from({ length: 100 }, (_, i) => `u-${i}`));
		expect(second.body.filter((item: any) => item.status === 'skipped')).toHaveLength(2900);
		const after = storedSyncState('queueBatch');
		expect(after).toHaveLength(3000);
		expect(after.filter((hash) => !saved.includes(hash)), 'the 100 changed fingerprints replaced the old ones').toHaveLength(100);

		// Back to the first value (A → B → A): the same 100 go out again, the rest stays skipped.
		const third = await main.webhook('queue-batch', { plan: 'gold' });
		expect(third.status).toBe(200);
		expect(third.body.filter((item: any) => item.status === 'sent').map((item: any) => item.customId)).toEqual(
			Array.from({ length: 100 }, (_, i) => `u-${i}`),
		);
		expect(storedSyncState('queueBatch')).toEqual(saved);
		const state = await sandbox.control('batch').state();
		expect(state.profiles['u-5'].attributes.plan.value).toBe('gold');
		queueResults.batch = { first: first.body, profiles: profileValues(state.profiles) };
		console.info(
			`[queue] Batch: 3,000 sent, ${saved.length} fingerprints in PostgreSQL's processed_data, unchanged after a worker ` +
				`restart; the next run sent ${sent.length}, the change back sent 100 again`,
		);
	});

	it('Profile Sync (Synerise): the state outlives a restart of the workers, the next run sends only the changes, and Missing From Source says it cannot report', async () => {
		await sandbox.control('synerise').reset();
		const first = await main.webhook('queue-sync', { tier: 'silver', count: 1000 });
		expect(first.status, JSON.stringify(first.body).slice(0, 500)).toBe(200);
		expect(first.body[0].sent).toHaveLength(1000);
		expect(first.body[0].missing).toEqual([]);

		await Promise.all(workers.map((worker) => worker.stop()));
		workers = [await startWorker(0), await startWorker(1)];

		const second = await main.webhook('queue-sync', { tier: 'gold', count: 995 });
		expect(second.status).toBe(200);
		expect(second.body[0].sent).toEqual(Array.from({ length: 10 }, (_, i) => `s-${i}`));
		expect(second.body[0].unchanged).toBe(985);
		// n8n 2.41.1 hands queue-mode workers no workflow static data, where the snapshot's keys are kept:
		// the node says so instead of reporting nobody missing.
		expect(second.body[0].missing).toEqual(['notReported']);
		const identical = await main.webhook('queue-sync', { tier: 'gold', count: 995 });
		expect(identical.body[0]).toEqual({ sent: [], unchanged: 995, missing: ['notReported'] });
		const state = await syneriseSettled();
		expect(state.profiles.find((profile: any) => profile.customId === 's-3').attributes.tier).toBe('gold');
		console.info('[queue] Profile Sync: 1,000 sent; after a worker restart 10 changed sent, 985 unchanged, Missing From Source not reported (no static data on workers); identical rerun sent 0');
	});

	it('Profile Sync (Talon.One, Insider, Crescendo Lab, Batch): each state outlives a restart of the workers and the next run sends only the changes', async () => {
		const cases = Object.values(SYNC_CASES);
		const sync = async (vendor: (typeof cases)[number], body: { tier: string; count: number }) => {
			const answer = await main.webhook(`queue-sync-${vendor.vendor.toLowerCase()}`, body);
			expect(answer.status, `${vendor.vendor}: ${JSON.stringify(answer.body).slice(0, 500)}`).toBe(200);
			return answer.body[0];
		};
		for (const vendor of cases) {
			await sandbox.control(vendor.vendor).reset();
			const first = await sync(vendor, { tier: 'silver', count: 200 });
			expect(first.sent, vendor.vendor).toHaveLength(200);
			expect(first.missing, vendor.vendor).toEqual([]);
		}

		await Promise.all(workers.map((worker) => worker.stop()));
		workers = [await startWorker(0), await startWorker(1)];

		for (const vendor of cases) {
			const second = await sync(vendor, { tier: 'gold', count: 195 });
			expect(second, vendor.vendor).toEqual({
				sent: Array.from({ length: 10 }, (_, i) => i),
				statuses: ['sent', 'unchanged'],
				unchanged: 185,
				missing: ['notReported'],
			});
			expect(await vendor.storedTier(sandbox, 3), vendor.vendor).toBe('gold');
			const identical = await sync(vendor, { tier: 'gold', count: 195 });
			expect(identical, vendor.vendor).toEqual({ sent: [], statuses: ['unchanged'], unchanged: 195, missing: ['notReported'] });
		}
		console.info('[queue] Profile Sync on Talon.One, Insider, Crescendo Lab, Batch: 200 sent each; after a worker restart 10 changed sent, 185 unchanged; identical rerun sent 0');
	});

	it('gives the same items and vendor state as regular mode', async () => {
		expect(queueResults.synerise && queueResults.batch, 'the queue-mode runs above passed').toBeTruthy();
		regular = N8n.create();
		await regular.importCredentials(sandboxCredentials(sandbox));
		await importAndPublish(regular, WORKFLOWS());
		regularServer = await N8nProcess.start(regular, { logName: 'regular.log' });

		await sandbox.control('synerise').reset();
		const synerise = [];
		for (let run = 0; run < 5; run++) synerise.push(stable((await regularServer.webhook('queue-synerise', { run })).body));
		expect(synerise).toEqual(queueResults.synerise.items);
		const regularState = await syneriseSettled();
		expect(regularState.profiles).toHaveLength(queueResults.synerise.profiles);
		expect(regularState.logins).toBe(1);

		await sandbox.control('batch').reset();
		const first = (await regularServer.webhook('queue-batch', { plan: 'gold' })).body;
		const second = (await regularServer.webhook('queue-batch', { plan: 'platinum' })).body;
		const third = (await regularServer.webhook('queue-batch', { plan: 'gold' })).body;
		expect(first).toEqual(queueResults.batch.first);
		// The same as queue mode: only the 100 changed profiles go out, twice.
		for (const run of [second, third]) {
			expect(run.filter((item: any) => item.status === 'sent').map((item: any) => item.customId)).toEqual(
				Array.from({ length: 100 }, (_, i) => `u-${i}`),
			);
		}
		expect(profileValues((await sandbox.control('batch').state()).profiles)).toEqual(queueResults.batch.profiles);
	});
});
