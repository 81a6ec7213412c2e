// `npm run bench` (through scripts/bench.mjs): issue #8's scenarios in real n8n against the sandbox. Prints
// one table (scenario, figure, baseline, ratio) with the machine's cores and memory, and writes the figures
// to test/.artifacts/bench.json. Options: --only=1,3 (scenarios), --reps=N (runs per side of a
// comparison, default 3), --vendors=batch (the vendors of scenarios 1, 2 and 7), --quick (small sizes, to try the set-up),
// --charts-only (redraw docs/images/bench-*.svg from the last bench.json, running nothing).
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

import { prepareTemplate } from '../e2e/globalSetup.mts';
import { N8n } from '../e2e/harness.mts';
import { startSandbox, type Sandbox, type VendorName } from '../../sandbox/index.mts';
import { sandboxCredentialRef, sandboxCredentials } from '../../sandbox/n8nCredentials.mts';
import { writeChartsFromFile, type BenchRow } from './charts.mts';
import { engineOverhead } from './engine.mts';
import { SYNC_CASES, type VendorCase } from '../e2e/syncCases.mts';
import { syncStateFigures } from './syncState.mts';
import { executeMeasured, type MeasuredRun } from './n8nProcess.mts';
import { bulkNode, httpRequestNode, naiveTarget, profileCode, workflow, type BulkVendor } from './workloads.mts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const argv = process.argv.slice(2);
const flag = (name: string) => argv.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1];
const quick = argv.includes('--quick');
const reps = Number(flag('reps') ?? (quick ? 1 : 3));
const only = new Set((flag('only') ?? '1,2,3,4,5,6,7,8').split(',').map(Number));

const SIZES = quick
	? { s1: 1_000, crescendo: 20_000, batchLimit: 20_000, exportFile: 100_000, exportItems: 20_000, resync: 10_000, engine: 20_000, insiderReads: 300, syncKeys: 100_000 }
	: { s1: 10_000, crescendo: 50_000, batchLimit: 100_000, exportFile: 1_000_000, exportItems: 200_000, resync: 100_000, engine: 100_000, insiderReads: 2_000, syncKeys: 1_000_000 };
/** The HTTP Request node's Batching option as users set it to stay under a vendor's limit: 100 requests per 100 ms. */
const HTTP_BATCHING = { batchSize: 100, batchInterval: 100 };

type Row = BenchRow;
const rows: Row[] = [];
const raw: Record<string, unknown> = {};

const log = (text: string) => process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${text}\n`);
const median = (values: number[]) => {
	const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
	if (sorted.length === 0) return Number.NaN;
	const mid = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const perSecond = (count: number, ms: number) => `${Math.round((count / ms) * 1000).toLocaleString('en-US')}/s`;
const mb = (value: number) => `${Math.round(value)} MB`;

let sandbox: Sandbox;
let n8n: N8n;


/** A node's time from n8n's run data, or from its debug log lines when the run data was too big to print. */
function nodeMs(measured: MeasuredRun, node: string): number {
	const fromRunData = measured.run.executionTime(node);
	if (Number.isFinite(fromRunData)) return fromRunData;
	const stamp = (pattern: string) => {
		const line = measured.run.logs.split('\n').find((text) => text.includes(pattern));
		const match = line ? /(\d\d):(\d\d):(\d\d)\.(\d{3})/.exec(line) : null;
		return match ? ((Number(match[1]) * 60 + Number(match[2])) * 60 + Number(match[3])) * 1000 + Number(match[4]) : Number.NaN;
	};
	return stamp(`Running node "${node}" finished`) - stamp(`Running node "${node}" started`);
}

/** Output counts of a node (main and error output), or undefined when the run data was not printed. */
function outputs(measured: MeasuredRun, node: string): { ok: number; failed: number } | undefined {
	if (!measured.run.result) return undefined;
	try {
		return { ok: measured.run.items(node, 0).length, failed: measured.run.items(node, 1).length };
	} catch {
		return undefined;
	}
}

function describeFailure(measured: MeasuredRun, node: string): string {
	const error = measured.run.nodeError(node) ?? measured.run.error;
	const message = error?.message ?? measured.run.logs.split('\n').filter((line) => /error/i.test(line)).slice(-3).join(' | ');
	return `exit ${measured.run.exitCode}, ${String(message).slice(0, 300)}`;
}

async function execute(id: string, options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<MeasuredRun> {
	const measured = await executeMeasured(n8n, id, options);
	log(`${id}: exit ${measured.run.exitCode}, wall ${seconds(measured.wallMs)}, n8n peak RSS ${mb(measured.memory.hwmMb)} (tree ${mb(measured.memory.treeRssMb)})`);
	return measured;
}

// ---- scenario 1: our bulk node vs one HTTP request per item -------------------------------------------------

const S1_VENDORS = (flag('vendors')?.split(',') ?? ['insider', 'synerise', 'batch']) as BulkVendor[];

async function naiveSecrets(vendor: BulkVendor): Promise<Record<string, string>> {
	const keys = sandbox.credentials[vendor] as Record<string, string>;
	if (vendor !== 'synerise') return keys;
	const login = await fetch(`${sandbox.vendor('synerise').url}/uauth/v2/auth/login/profile`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ apiKey: keys.apiKey }),
	});
	return { token: ((await login.json()) as { token: string }).token };
}

async function limitsOff(vendor: BulkVendor): Promise<void> {
	const knobs: Record<BulkVendor, Record<string, unknown>> = {
		insider: { rateLimits: { userWrite: 1e9 }, applyDelayMs: 0 },
		synerise: { ratePerSecond: 0, applyDelayMs: 0 },
		batch: { updatePerSecond: 1e9, updateBurst: 1e9, massUpdatePerSecond: 1e9, massUpdateBurst: 1e9 },
	};
	await sandbox.control(vendor).configure({ knobs: knobs[vendor] });
}

async function scenario1Workflows(): Promise<any[]> {
	const workflows: any[] = [];
	for (const vendor of S1_VENDORS) {
		if (!sandbox.vendors[vendor]) continue;
		const code = profileCode(vendor, SIZES.s1);
		const target = naiveTarget(vendor, sandbox.vendor(vendor).url, await naiveSecrets(vendor));
		workflows.push(
			workflow(`s1-${vendor}-node`, code, [bulkNode(vendor, 'Bulk')]),
			workflow(`s1-${vendor}-http`, code, [httpRequestNode('Bulk', target)]),
			workflow(`s1-${vendor}-batching`, code, [httpRequestNode('Bulk', target, HTTP_BATCHING)]),
		);
	}
	return workflows;
}

async function scenario1(): Promise<void> {
	for (const vendor of S1_VENDORS) {
		if (!sandbox.vendors[vendor]) {
			rows.push({ scenario: `1 ${vendor}`, figure: 'not run', baseline: '', ratio: '', notes: 'vendor node not in this checkout' });
			continue;
		}
		const sides = ['node', 'http', 'batching'] as const;
		const times: Record<(typeof sides)[number], number[]> = { node: [], http: [], batching: [] };
		const requests: Record<string, number[]> = { node: [], http: [], batching: [] };
		const problems: string[] = [];
		for (let rep = 0; rep < reps; rep++) {
			const order = rep % 2 === 0 ? sides : [...sides].reverse();
			for (const side of order) {
				// Synerise's reset forgets issued tokens, and the HTTP Request workflows carry one.
				if (vendor !== 'synerise') await sandbox.control(vendor).reset();
				await limitsOff(vendor);
				const before = (await sandbox.control(vendor).stats()).requests as number;
				const measured = await execute(`s1-${vendor}-${side}`);
				const counts = outputs(measured, 'Bulk');
				if (!counts || counts.ok !== SIZES.s1 || counts.failed > 0) {
					problems.push(`${side}: ${counts ? `${counts.ok} ok, ${counts.failed} failed` : describeFailure(measured, 'Bulk')}`);
				}
				times[side].push(nodeMs(measured, 'Bulk'));
				requests[side].push((await sandbox.control(vendor).stats()).requests - before);
			}
		}
		const node = median(times.node);
		const http = median(times.http);
		const batching = median(times.batching);
		raw[`s1-${vendor}`] = { times, requests, problems };
		const label = `1 ${vendor}: ${SIZES.s1.toLocaleString('en-US')} profiles`;
		rows.push({
			scenario: `${label}, node vs HTTP Request per item`,
			figure: `${seconds(node)} (${perSecond(SIZES.s1, node)}, ${median(requests.node)} req)`,
			baseline: `${seconds(http)} (${perSecond(SIZES.s1, http)}, ${median(requests.http)} req)`,
			ratio: `${(http / node).toFixed(1)}×`,
			target: '≥ 20×',
			notes: problems.length ? `problems: ${problems.slice(0, 3).join('; ')}` : undefined,
		});
		rows.push({
			scenario: `${label}, node vs HTTP Request with Batching (${HTTP_BATCHING.batchSize} per ${HTTP_BATCHING.batchInterval} ms)`,
			figure: `${seconds(node)}`,
			baseline: `${seconds(batching)} (${perSecond(SIZES.s1, batching)})`,
			ratio: `${(batching / node).toFixed(1)}×`,
		});
	}
}

// ---- scenario 2: throughput against the documented limits ---------------------------------------------------

/** Scenario 7's vendors: all, or those of --vendors. */
const inScenario7 = (vendor: VendorName) => Boolean(sandbox.vendors[vendor]) && (flag('vendors')?.split(',').includes(vendor) ?? true);

/** Scenario 2's vendors: all, or those of --vendors. */
const inScenario2 = (vendor: 'crescendoLab' | 'batch') => sandbox.vendors[vendor] && (flag('vendors')?.split(',').includes(vendor) ?? true);

function scenario2Workflows(): any[] {
	const crescendoCode = `const out = new Array(${SIZES.crescendo});\nfor (let i = 0; i < ${SIZES.crescendo}; i++) out[i] = { json: { customer_id: 'c-' + i, display_name: 'Contact ' + i, city: ['Taipei', 'Tainan'][i % 2] } };\nreturn out;`;
	return [
		workflow('s2-crescendo', crescendoCode, [
			{
				name: 'Crescendo',
				type: 'crescendoLab',
				credentials: sandboxCredentialRef('crescendoLabApi'),
				onError: 'continueErrorOutput',
				parameters: {
					authentication: 'profileApi',
					resource: 'contact',
					operation: 'import',
					importKey: 'customer_id',
					columns: { mappingMode: 'autoMapInputData', value: null },
					options: {},
				},
			},
		]),
		workflow('s2-batch', profileCode('batch', SIZES.batchLimit, 'limit'), [bulkNode('batch', 'Batch')]),
	];
}

async function scenario2(): Promise<void> {
	// Crescendo Lab: the vendor's defaults in the fake (15 task starts a minute, one import at a time, 10,000
	// rows per task, 1 s pending + 1 s per 1,000 rows) and the node's defaults (15 requests a minute, a status
	// check every 5 s). Tasks cannot overlap, so the ceiling is back-to-back tasks.
	if (inScenario2('crescendoLab')) {
		await sandbox.control('crescendoLab').reset();
		await sandbox.control('crescendoLab').configure({ timeScale: 1, knobs: { rateLimit: 15, rateWindowMs: 60_000, pendingMs: 1_000, processingMsPer1000: 1_000, maxRows: 10_000, generatedExport: null } });
		const measured = await execute('s2-crescendo');
		const ms = nodeMs(measured, 'Crescendo');
		const counts = outputs(measured, 'Crescendo');
		const stats = await sandbox.control('crescendoLab').stats();
		const tasks = Math.ceil(SIZES.crescendo / 10_000);
		const ceilingMs = tasks * (1_000 + 10_000);
		raw.s2crescendo = { ms, counts, byStatus: stats.byStatus, byRoute: stats.byRoute };
		rows.push({
			scenario: `2 crescendoLab: ${SIZES.crescendo.toLocaleString('en-US')} contacts, ${tasks} tasks, documented limits`,
			figure: `${seconds(ms)} (${perSecond(SIZES.crescendo, ms)})`,
			baseline: `ceiling ${seconds(ceilingMs)} (${perSecond(SIZES.crescendo, ceilingMs)})`,
			ratio: (ceilingMs / ms).toFixed(2),
			target: '≥ 0.90, 0 errors',
			notes: `429s from the fake ${stats.byStatus['429'] ?? 0}, error items ${counts?.failed ?? '?'}, requests ${stats.requests}`,
		});
	}
	// Batch: 100,000 profiles on the automatic route (mass-update above 2,000), whose per-profile token bucket
	// is 10,000 profiles a second with a 10,000 burst.
	if (inScenario2('batch')) {
		await sandbox.control('batch').reset();
		await sandbox.control('batch').configure({ timeScale: 1, knobs: { updatePerSecond: 300, updateBurst: 1_000, massUpdatePerSecond: 10_000, massUpdateBurst: 10_000 } });
		const measured = await execute('s2-batch');
		const ms = nodeMs(measured, 'Batch');
		const counts = outputs(measured, 'Batch');
		const stats = await sandbox.control('batch').stats();
		const ceilingMs = (Math.max(0, SIZES.batchLimit - 10_000) / 10_000) * 1000;
		raw.s2batch = { ms, counts, byStatus: stats.byStatus, byRoute: stats.byRoute };
		rows.push({
			scenario: `2 batch: ${SIZES.batchLimit.toLocaleString('en-US')} profiles, mass-update bucket 10,000/s`,
			figure: `${seconds(ms)} (${perSecond(SIZES.batchLimit, ms)})`,
			baseline: `ceiling ${seconds(ceilingMs)} (${perSecond(SIZES.batchLimit, ceilingMs)})`,
			ratio: (ceilingMs / ms).toFixed(2),
			target: '≥ 0.90, 0 errors',
			notes: `429s from the fake ${stats.byStatus['429'] ?? 0}, error items ${counts?.failed ?? '?'}, requests ${stats.requests}`,
		});
	}
}

// ---- scenario 3: memory of large exports -------------------------------------------------------------------

const EXPORT_OPTIONS = { pollIntervalSeconds: 0.5, maxRequestsPerMinute: 600, maxWaitSeconds: 600 };

function scenario3Workflows(): any[] {
	const exportNode = (output: 'binary' | 'items', options: Record<string, unknown>) => ({
		name: 'Export',
		type: 'crescendoLab',
		credentials: sandboxCredentialRef('crescendoLabApi'),
		parameters: { authentication: 'profileApi', resource: 'contact', operation: 'export', output, binaryPropertyName: 'data', options: { ...EXPORT_OPTIONS, ...options } },
	});
	return [
		workflow('s3-idle', 'return [{ json: {} }];', []),
		workflow('s3-file', 'return [{ json: {} }];', [exportNode('binary', { fileName: 'contacts.csv' })]),
		workflow('s3-items', 'return [{ json: {} }];', [exportNode('items', { limit: SIZES.exportItems })]),
	];
}

async function scenario3(): Promise<void> {
	const idle: MeasuredRun[] = [];
	for (let rep = 0; rep < 2; rep++) idle.push(await execute('s3-idle'));
	const idleHwm = median(idle.map((m) => m.memory.hwmMb));
	const idleTree = median(idle.map((m) => m.memory.treeRssMb));
	raw.s3idle = idle.map((m) => m.memory);
	const cases = [
		{ id: 's3-file', rows: SIZES.exportFile, what: 'to a binary file', target: '≤ 150 MB', debug: false },
		{ id: 's3-items', rows: SIZES.exportItems, what: 'to items', target: undefined, debug: true },
	];
	for (const spec of cases) {
		await sandbox.control('crescendoLab').reset();
		await sandbox.control('crescendoLab').configure({ knobs: { generatedExport: { rows: spec.rows, columns: 100 }, pendingMs: 100, processingMsPer1000: 1 } });
		// Debug logs carry each node's start and end, for when the run data is too big to print or parse.
		const measured = await execute(spec.id, { env: spec.debug ? { N8N_LOG_LEVEL: 'debug' } : {}, timeoutMs: 15 * 60_000 });
		const ms = nodeMs(measured, 'Export');
		const counts = outputs(measured, 'Export');
		const binary = counts && spec.id === 's3-file' ? measured.run.items('Export')[0]?.binary?.data : undefined;
		const growth = measured.memory.hwmMb - idleHwm;
		const treeGrowth = measured.memory.treeRssMb - idleTree;
		raw[spec.id] = { ms, memory: measured.memory, idleHwm, idleTree, counts, binary: binary ? { fileSize: binary.fileSize, id: binary.id } : undefined };
		const ok = Number.isFinite(ms);
		rows.push({
			scenario: `3 crescendoLab export: ${spec.rows.toLocaleString('en-US')} rows × 100 columns ${spec.what}`,
			figure: `+${mb(growth)} peak RSS (n8n ${mb(measured.memory.hwmMb)}; with task runner +${mb(treeGrowth)})`,
			baseline: `idle n8n ${mb(idleHwm)}`,
			ratio: ok ? `${seconds(ms)} in the node (${perSecond(spec.rows, ms)})` : 'n/a',
			target: spec.target,
			notes: [
				binary ? `file ${binary.fileSize}` : undefined,
				counts ? `${counts.ok} items` : undefined,
				measured.run.exitCode !== 0 ? describeFailure(measured, 'Export') : undefined,
			]
				.filter(Boolean)
				.join(', '),
		});
	}
	await sandbox.control('crescendoLab').configure({ knobs: { generatedExport: null } });
}

// ---- scenario 4: re-sync of unchanged data -----------------------------------------------------------------

function scenario4Workflows(): any[] {
	return Array.from({ length: reps }, (_, pair) =>
		workflow(`s4-pair${pair}`, profileCode('batch', SIZES.resync, 'sync'), [bulkNode('batch', 'Batch', { onlySendChanges: true })]),
	);
}

async function scenario4(): Promise<void> {
	const first: number[] = [];
	const second: number[] = [];
	const sent: Array<{ first: number; second: number; secondRequests: number; skipped: number }> = [];
	const problems: string[] = [];
	const profilesSent = (state: any) => (state.calls as Array<{ operations: number }>).reduce((sum, call) => sum + call.operations, 0);
	for (let pair = 0; pair < reps; pair++) {
		await sandbox.control('batch').reset();
		const run1 = await execute(`s4-pair${pair}`);
		const afterFirst = await sandbox.control('batch').state();
		const requestsFirst = (await sandbox.control('batch').stats()).requests;
		const run2 = await execute(`s4-pair${pair}`);
		const afterSecond = await sandbox.control('batch').state();
		const requestsSecond = (await sandbox.control('batch').stats()).requests - requestsFirst;
		first.push(nodeMs(run1, 'Batch'));
		second.push(nodeMs(run2, 'Batch'));
		const counts = outputs(run2, 'Batch');
		const skipped = counts ? run2.run.items('Batch').filter((item) => item.json.status === 'skipped').length : Number.NaN;
		sent.push({ first: profilesSent(afterFirst), second: profilesSent(afterSecond) - profilesSent(afterFirst), secondRequests: requestsSecond, skipped });
		if (!counts || counts.failed > 0) problems.push(counts ? `${counts.failed} error items` : describeFailure(run2, 'Batch'));
	}
	raw.s4 = { first, second, sent, problems };
	const f = median(first);
	const s = median(second);
	rows.push({
		scenario: `4 batch only send changes: ${SIZES.resync.toLocaleString('en-US')} profiles, identical second run`,
		figure: `${seconds(s)}, ${median(sent.map((x) => x.second))} profiles in ${median(sent.map((x) => x.secondRequests))} requests`,
		baseline: `first run ${seconds(f)}, ${median(sent.map((x) => x.first))} profiles`,
		ratio: `${((s / f) * 100).toFixed(1)} %`,
		target: '0 sent, ≤ 15 %',
		notes: problems.length ? problems.join('; ') : `${median(sent.map((x) => x.skipped))} items skipped`,
	});
}

// ---- scenario 7: Profile Sync on Synerise: identical re-sync, then 1 % changed in one field ------------------

/** The input of scenario 7: from the third run of the workflow on, every 100th profile has a new `points`. */
function scenario7Code(count: number): string {
	return `const state = $getWorkflowStaticData('global');
state.run = (state.run || 0) + 1;
const changed = state.run >= 3;
const out = new Array(${count});
for (let i = 0; i < ${count}; i++) out[i] = { json: { customId: 'sync-' + i, email: 'sync' + i + '@example.com', firstName: 'User ' + i, city: ['Warsaw', 'Krakow', 'Gdansk'][i % 3], points: changed && i % 100 === 0 ? i + 1 : i } };
return out;`;
}

function scenario7Workflows(): any[] {
	return Array.from({ length: reps }, (_, pair) => {
		const node = bulkNode('synerise', 'Sync');
		node.typeVersion = 2;
		node.parameters = { ...node.parameters, sync: { send: 'changed', changedFieldsOnly: true } };
		return workflow(`s7-sync${pair}`, scenario7Code(SIZES.resync), [node]);
	});
}

/** What one vendor's scenario 7 measures: its workflows, how its writes are counted, and what run 3 must send. */
interface S7Spec {
	label: string;
	workflowId: (pair: number) => string;
	size: number;
	reset: () => Promise<void>;
	writes: () => Promise<number>;
	/** The problem with run 3's output, if any (it must send exactly the 1 %, with only the changed field). */
	checkThird: (run: MeasuredRun) => string | undefined;
	field: string;
}

/** Three runs per pair (first, identical, 1 % changed) and the two rows of figures. */
async function measureScenario7(spec: S7Spec): Promise<void> {
	const first: number[] = [];
	const second: number[] = [];
	const third: number[] = [];
	const requests: Array<{ first: number; second: number; third: number }> = [];
	const problems: string[] = [];
	for (let pair = 0; pair < reps; pair++) {
		await spec.reset();
		const run1 = await execute(spec.workflowId(pair), { timeoutMs: 60 * 60_000 });
		const r1 = await spec.writes();
		const run2 = await execute(spec.workflowId(pair));
		const r2 = (await spec.writes()) - r1;
		const run3 = await execute(spec.workflowId(pair));
		const r3 = (await spec.writes()) - r1 - r2;
		first.push(nodeMs(run1, 'Sync'));
		second.push(nodeMs(run2, 'Sync'));
		third.push(nodeMs(run3, 'Sync'));
		requests.push({ first: r1, second: r2, third: r3 });
		const problem = outputs(run3, 'Sync') ? spec.checkThird(run3) : describeFailure(run3, 'Sync');
		if (problem) problems.push(problem);
		if (r2 !== 0) problems.push(`identical rerun sent ${r2} requests`);
	}
	raw[`s7 ${spec.label}`] = { first, second, third, requests, problems };
	const f = median(first);
	const size = spec.size.toLocaleString('en-US');
	rows.push({
		scenario: `7 ${spec.label} sync: ${size} profiles, identical second run`,
		figure: `${seconds(median(second))}, ${median(requests.map((x) => x.second))} requests`,
		baseline: `first run ${seconds(f)}, ${median(requests.map((x) => x.first))} requests`,
		ratio: `${((median(second) / f) * 100).toFixed(1)} %`,
		target: '0 requests, ≤ 10 %',
		notes: problems.length ? problems.join('; ') : undefined,
	});
	rows.push({
		scenario: `7 ${spec.label} sync: 1 % of ${size} changed in one field`,
		figure: `${seconds(median(third))}, ${median(requests.map((x) => x.third))} requests`,
		baseline: `first run ${seconds(f)}`,
		ratio: `${((median(third) / f) * 100).toFixed(1)} %`,
		target: 'exactly the 1 %, with only that field',
		notes: problems.length ? problems.join('; ') : `checked: only the changed profiles, changedFields = ["${spec.field}"]`,
	});
}

async function scenario7(): Promise<void> {
	await measureScenario7({
		label: 'synerise',
		workflowId: (pair) => `s7-sync${pair}`,
		size: SIZES.resync,
		reset: async () => await sandbox.control('synerise').reset(),
		writes: async () => (await sandbox.control('synerise').stats()).byRoute['POST /v4/clients/batch'] ?? 0,
		field: 'attributes.points',
		checkThird: (run) => {
			const sent = run.run.items('Sync').filter((item) => item.json.syncStatus === 'sent');
			const expected = Math.ceil(SIZES.resync / 100);
			const onlyPoints = sent.every((item) => JSON.stringify(item.json.changedFields) === '["attributes.points"]' && item.json.customId !== undefined && Number(String(item.json.customId).slice(5)) % 100 === 0);
			return sent.length !== expected || !onlyPoints ? `third run sent ${sent.length} (expected ${expected}), only points: ${onlyPoints}` : undefined;
		},
	});
}

// ---- scenario 7, the other vendors: the same three runs on each sync operation of test/e2e/syncCases.mts ----

/** Profiles per vendor: Talon.One takes one request per profile (no batch endpoint), so it syncs fewer. */
const s7Size = (vendor: VendorCase) => (vendor.vendor === 'talonOne' ? Math.min(SIZES.resync, 10_000) : SIZES.resync);

function scenario7VendorWorkflows(): any[] {
	return Object.values(SYNC_CASES).filter((vendor) => inScenario7(vendor.vendor)).flatMap((vendor) =>
		Array.from({ length: reps }, (_, pair) => {
			const code = `const state = $getWorkflowStaticData('global');
state.run = (state.run || 0) + 1;
const changed = state.run >= 3;
const row = ${vendor.row.toString()};
const out = new Array(${s7Size(vendor)});
for (let i = 0; i < out.length; i++) out[i] = { json: row(i, changed && i % 100 === 0 ? 'gold' : 'silver') };
return out;`;
			// The vendor's documented pace, not the e2e tests' quick one.
			const parameters = { ...vendor.node.parameters, ...(vendor.vendor === 'crescendoLab' ? { options: {} } : {}), sync: { send: 'changed', changedFieldsOnly: true } };
			return workflow(`s7-${vendor.vendor}${pair}`, code, [{ name: 'Sync', ...vendor.node, parameters }]);
		}),
	);
}

async function scenario7Vendors(): Promise<void> {
	for (const vendor of Object.values(SYNC_CASES)) {
		if (!inScenario7(vendor.vendor)) continue;
		const size = s7Size(vendor);
		await measureScenario7({
			label: vendor.vendor,
			workflowId: (pair) => `s7-${vendor.vendor}${pair}`,
			size,
			reset: async () => await sandbox.control(vendor.vendor).reset(),
			writes: async () =>
				Object.entries((await sandbox.control(vendor.vendor).stats()).byRoute)
					.filter(([route]) => /^(POST|PUT|PATCH) /.test(route) && route.includes(vendor.writeRoute))
					.reduce((sum, [, count]) => sum + count, 0),
			field: vendor.tierField,
			checkThird: (run) => {
				const sent = run.run
					.items('Sync')
					.flatMap((item, index) => (item.json.syncStatus === 'unchanged' ? [] : [{ index, fields: JSON.stringify(item.json.changedFields) }]));
				const exact = sent.length === Math.ceil(size / 100) && sent.every(({ index, fields }) => index % 100 === 0 && fields === JSON.stringify([vendor.tierField]));
				return exact ? undefined : `third run sent ${sent.length} (expected ${Math.ceil(size / 100)}), first: ${JSON.stringify(sent[0])}`;
			},
		});
	}
}

// ---- scenario 6: Insider profile reads against the quota ---------------------------------------------------

/** Event types each read asks for: Insider charges by them (§0), so the read costs more than one unit. */
const S6_EVENT_TYPES = ['page_view'];
/** The fake's documented quota: 1,000 units a minute, a read 1 unit plus 0.5 per event type (2.5 for three, as Insider's sample). */
const S6_QUOTA = { profileQuotaUnits: 1_000, profileCostBase: 1, profileCostPerEvent: 0.5 };

function scenario6Workflows(): any[] {
	const code = `const out = new Array(${SIZES.insiderReads});\nfor (let i = 0; i < ${SIZES.insiderReads}; i++) out[i] = { json: { email: 'reader' + i + '@example.com' } };\nreturn out;`;
	return [
		workflow('s6-insider-get', code, [
			{
				name: 'Get',
				type: 'insider',
				credentials: sandboxCredentialRef('insiderApi'),
				onError: 'continueErrorOutput',
				parameters: {
					resource: 'user',
					operation: 'get',
					addressBy: 'identifier',
					identifierType: 'email',
					identifierValue: '={{ $json.email }}',
					attributeSelection: 'selected',
					attributeNames: ['name', 'c_loyalty_tier'],
					events: { event: S6_EVENT_TYPES.map((name) => ({ name, params: 'url, timestamp' })) },
					startDate: '2024-01-01T00:00:00Z',
					endDate: '2024-12-31T00:00:00Z',
					options: {},
				},
			},
		]),
	];
}

async function scenario6(): Promise<void> {
	// The fake's documented quota and the node's defaults (4 requests in parallel). The ceiling is the
	// quota's sustained rate: units a minute over the cost of one read.
	const users = Array.from({ length: SIZES.insiderReads }, (_, i) => ({
		insider_id: `iid-reader-${i}`,
		identifiers: { email: `reader${i}@example.com` },
		attributes: { name: `Reader ${i}`, custom: { loyalty_tier: ['gold', 'silver'][i % 2] } },
		events: [{ event_name: 'page_view', timestamp: '2024-03-01T12:00:00Z', event_params: { url: `https://example.com/${i}` } }],
	}));
	await sandbox.control('insider').reset();
	await sandbox.control('insider').configure({ timeScale: 1, knobs: { ...S6_QUOTA, users } });
	const measured = await execute('s6-insider-get');
	const ms = nodeMs(measured, 'Get');
	const counts = outputs(measured, 'Get');
	const stats = await sandbox.control('insider').stats();
	const cost = S6_QUOTA.profileCostBase + S6_QUOTA.profileCostPerEvent * S6_EVENT_TYPES.length;
	const ceilingPerMinute = S6_QUOTA.profileQuotaUnits / cost;
	const achievedPerMinute = (counts?.ok ?? Number.NaN) / (ms / 60_000);
	const failures = counts ? measured.run.items('Get', 1).map((item) => String(item.json.error ?? item.json.message ?? '')) : [];
	const surfaced429 = failures.filter((text) => /429|too many/i.test(text)).length;
	raw.s6insider = { ms, counts, cost, byStatus: stats.byStatus, byRoute: stats.byRoute, failures: failures.slice(0, 5) };
	const perMinute = (value: number) => `${Math.round(value).toLocaleString('en-US')} reads/min`;
	rows.push({
		scenario: `6 insider Get: ${SIZES.insiderReads.toLocaleString('en-US')} profiles, ${S6_EVENT_TYPES.length} event type (${cost} units a read), quota ${S6_QUOTA.profileQuotaUnits.toLocaleString('en-US')} units/min`,
		figure: `${seconds(ms)} (${perMinute(achievedPerMinute)})`,
		baseline: `ceiling ${perMinute(ceilingPerMinute)} (${seconds((SIZES.insiderReads / ceilingPerMinute) * 60_000)})`,
		ratio: (achievedPerMinute / ceilingPerMinute).toFixed(2),
		target: '≥ 0.90, 0 429s surfaced',
		notes: `429s from the fake ${stats.byStatus['429'] ?? 0}, surfaced ${surfaced429}, error items ${counts?.failed ?? '?'}, requests ${stats.requests}`,
	});
}

// ---- run ---------------------------------------------------------------------------------------------------

function printTable(): string {
	const header: Row = { scenario: 'Scenario', figure: 'Figure', baseline: 'Baseline', ratio: 'Ratio', target: 'Target', notes: 'Notes' };
	const columns: Array<keyof Row> = ['scenario', 'figure', 'baseline', 'ratio', 'target', 'notes'];
	const escape = (text: string | undefined) => (text ?? '').replace(/\|/g, '\\|');
	const lines = [header, ...rows].map((row) => `| ${columns.map((column) => escape(row[column])).join(' | ')} |`);
	lines.splice(1, 0, `|${columns.map(() => '---').join('|')}|`);
	const machine = `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${(totalmem() / 1024 ** 3).toFixed(1)} GB memory, Node ${process.version} (bench), n8n ${n8n.env.n8nVersion}`;
	return `${lines.join('\n')}\n\nMachine: ${machine}\n`;
}

async function main(): Promise<void> {
	const started = Date.now();
	log(`scenarios ${[...only].join(',')}, ${reps} runs per side${quick ? ', quick sizes' : ''}`);
	const env = await prepareTemplate(process.env.N8N_VERSION);
	process.env.CP_E2E_ENV = JSON.stringify(env);
	sandbox = await startSandbox({ ports: 'random' });
	n8n = N8n.create();
	try {
		await n8n.importCredentials(sandboxCredentials(sandbox));
		const workflows = [
			...(only.has(1) ? await scenario1Workflows() : []),
			...(only.has(2) ? scenario2Workflows() : []),
			...(only.has(3) ? scenario3Workflows() : []),
			...(only.has(4) && sandbox.vendors.batch ? scenario4Workflows() : []),
			...(only.has(6) && sandbox.vendors.insider ? scenario6Workflows() : []),
			...(only.has(7) && inScenario7('synerise') ? scenario7Workflows() : []),
			...(only.has(7) ? scenario7VendorWorkflows() : []),
		];
		if (workflows.length) await n8n.importWorkflows(workflows);
		if (only.has(1)) await scenario1();
		if (only.has(2)) await scenario2();
		if (only.has(3) && sandbox.vendors.crescendoLab) await scenario3();
		if (only.has(4) && sandbox.vendors.batch) await scenario4();
		if (only.has(5)) {
			const figures = await engineOverhead(sandbox, SIZES.engine, log);
			raw.s5 = figures;
			for (const figure of figures) {
				rows.push({
					scenario: `5 engine: ${figure.vendor}, ${SIZES.engine.toLocaleString('en-US')} items in process (no HTTP)`,
					figure: `${figure.usPerItem.toFixed(1)} µs/item CPU`,
					baseline: `${figure.requests} requests, fake vendor ${figure.vendorUsPerItem.toFixed(1)} µs/item`,
					ratio: `${seconds(figure.wallMs)} wall`,
					notes: figure.note,
				});
			}
		}
		if (only.has(6) && sandbox.vendors.insider) await scenario6();
		if (only.has(7) && inScenario7('synerise')) await scenario7();
		if (only.has(7)) await scenario7Vendors();
		if (only.has(8)) {
			const figures = await syncStateFigures(SIZES.syncKeys);
			raw.s8 = figures;
			for (const figure of figures) {
				rows.push({
					scenario: `8 sync state: ${figure.keys.toLocaleString('en-US')} keys, ${figure.store === 'database' ? "n8n's deduplication helpers (in-process fake)" : 'static data'}`,
					figure: `first run: look-up ${seconds(figure.firstLoadMs)}, save ${seconds(figure.firstSaveMs)}`,
					baseline: `identical rerun: look-up ${seconds(figure.rerunLoadMs)}, save ${seconds(figure.rerunSaveMs)}`,
					ratio: `heap +${mb(figure.heapGrowthMb)}`,
					notes: figure.storedMb === undefined ? undefined : `stored ≈ ${mb(figure.storedMb)}`,
				});
			}
		}
	} finally {
		n8n.dispose();
		await sandbox.close();
	}
	const table = printTable();
	process.stdout.write(`\n${table}\nTotal bench time: ${seconds(Date.now() - started)}\n`);
	const artifacts = join(root, 'test', '.artifacts');
	mkdirSync(artifacts, { recursive: true });
	writeFileSync(join(artifacts, 'bench.json'), JSON.stringify({ rows, raw, table, at: new Date().toISOString() }, null, 2));
	writeFileSync(join(artifacts, 'bench.md'), table);
	logCharts(writeChartsFromFile(join(artifacts, 'bench.json'), chartsDir));
}

const chartsDir = join(root, 'docs', 'images');
const logCharts = (files: string[]) => log(`charts: ${files.map((file) => relative(root, file)).join(', ') || 'none'}`);

if (argv.includes('--charts-only')) logCharts(writeChartsFromFile(join(root, 'test', '.artifacts', 'bench.json'), chartsDir));
else await main();
