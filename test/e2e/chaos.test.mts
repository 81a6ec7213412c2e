// Chaos runs (issue #9): each vendor's bulk write operation in real n8n while the sandbox injects seeded
// faults on its bulk route: 10% 5xx, 5% 429 with Retry-After, 2% connection resets, random latency.
// Afterwards the vendor-side state must equal what the successful items describe, applied in input order,
// and every input item must come out exactly once, as an output item or an error item.
//
// The seed is printed; `CHAOS_SEED=<n>` replays a run. One n8n user folder serves every vendor.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { FaultConfig } from '../../sandbox/core.mts';
import { seededRandom } from '../../sandbox/core.mts';
import type { Sandbox, VendorName } from '../../sandbox/index.mts';
import { startSandbox } from '../../sandbox/index.mts';
import { sandboxCredentialRef, sandboxCredentials } from '../../sandbox/n8nCredentials.mts';
import type { N8nRun, NodeRunItem } from './harness.mts';
import { N8n } from './harness.mts';
import { linearWorkflow } from './workflows.mts';

export const CHAOS_SEED = Number(process.env.CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));
const TIME_SCALE = 0.05;
const FAULTS: Omit<FaultConfig, 'routes' | 'seed'> = {
	error5xxRate: 0.1,
	rate429: 0.05,
	resetRate: 0.02,
	latencyMs: [0, 40],
	retryAfterSeconds: 2,
};

/** What a scenario gives back for the figures table. */
interface Figures {
	vendor: string;
	operation: string;
	records: number;
	requests: number;
	injected: { error5xx: number; rate429: number; reset: number };
	retries: number;
	succeeded: number;
	errorItems: number;
	lost: number;
	nodeMs: number;
}

interface Scenario {
	vendor: VendorName;
	/** Names the run when one vendor has several. */
	label?: string;
	/** Replaces the default fault mix. */
	faults?: Partial<FaultConfig>;
	operation: string;
	records: number;
	/** Substrings of the route patterns that get faults (the vendor's bulk route). */
	faultRoutes: string[];
	/** The route whose request count, minus first attempts, gives the retries. */
	bulkRoute: string;
	/** Vendor-side set-up after the reset (e.g. audiences that exist before the run). */
	setup?(): Promise<void>;
	workflow(id: string): any;
	/**
	 * Checks the vendor state against the items that succeeded (`ok[i]` true) and returns how many requests
	 * a fault-free run would have sent on the bulk route, so retries = requests − that.
	 */
	verify(state: any, ok: boolean[], run: N8nRun): number | Promise<number>;
}

let sandbox: Sandbox;
let n8n: N8n;
const figures: Figures[] = [];


/** Exactly one item per input across the main and the error output; returns which inputs succeeded. */
function outcomes(
	run: N8nRun,
	node: string,
	records: number,
): { ok: boolean[]; main: NodeRunItem[]; errors: NodeRunItem[]; lost: number } {
	const main = run.items(node, 0);
	const errors = run.runData[node]?.[0]?.data?.main?.[1] ?? [];
	const seen = new Array<number>(records).fill(0);
	const ok = new Array<boolean>(records).fill(false);
	const index = (item: NodeRunItem) => {
		const paired = Array.isArray(item.pairedItem) ? item.pairedItem[0] : item.pairedItem;
		expect(paired, 'every item carries pairedItem').toBeDefined();
		return paired!.item;
	};
	for (const item of main) {
		const i = index(item);
		seen[i]++;
		ok[i] = true;
	}
	for (const item of errors as NodeRunItem[]) {
		const i = index(item);
		seen[i]++;
		expect(String(item.json.error ?? ''), `error item ${i} says why`).not.toBe('');
	}
	const missing = seen.flatMap((count, i) => (count === 0 ? [i] : []));
	const doubled = seen.flatMap((count, i) => (count > 1 ? [i] : []));
	expect(missing, `inputs without any output (seed ${CHAOS_SEED})`).toEqual([]);
	expect(doubled, `inputs with more than one output (seed ${CHAOS_SEED})`).toEqual([]);
	return { ok, main, errors: errors as NodeRunItem[], lost: missing.length };
}

async function runScenario(scenario: Scenario): Promise<void> {
	const { vendor } = scenario;
	await sandbox.control(vendor).reset();
	await scenario.setup?.();
	const id = `chaos-${vendor}`;
	const workflow = scenario.workflow(id);
	await n8n.importWorkflows([workflow]);
	const seed = CHAOS_SEED + Object.keys(sandbox.vendors).indexOf(vendor);
	await sandbox.control(vendor).configure({ faults: { ...FAULTS, ...scenario.faults, routes: scenario.faultRoutes, seed } });
	let run: N8nRun;
	try {
		run = await n8n.execute(id, { timeoutMs: 10 * 60_000 });
	} finally {
		await sandbox.control(vendor).configure({ faults: { error5xxRate: 0, rate429: 0, resetRate: 0, latencyMs: [0, 0], routes: [] } });
	}
	expect(run.status, `seed ${CHAOS_SEED}\n${run.logs.slice(-3000)}`).toBe('success');
	const nodeName = workflow.nodes[workflow.nodes.length - 1].name as string;
	const { ok, errors, lost } = outcomes(run, nodeName, scenario.records);
	const state = await sandbox.control(vendor).state();
	const firstAttempts = await scenario.verify(state, ok, run);
	const stats = await sandbox.control(vendor).stats();
	const requests = Number(stats.byRoute[scenario.bulkRoute] ?? 0);
	const row: Figures = {
		vendor: scenario.label ?? vendor,
		operation: scenario.operation,
		records: scenario.records,
		requests,
		injected: stats.injected,
		retries: requests - firstAttempts,
		succeeded: ok.filter(Boolean).length,
		errorItems: errors.length,
		lost,
		nodeMs: run.executionTime(nodeName),
	};
	figures.push(row);
	console.info(`[chaos seed ${CHAOS_SEED}] ${JSON.stringify(row)}`);
}

// ---------------------------------------------------------------------------------------------------------
// Talon.One: Customer Profile → Update Audiences. 20,000 items over 4,000 profiles and 20 audiences; each item
// adds one audience and removes another, so the order of a profile's items decides its final memberships.

function talonScenario(): Scenario {
	const RECORDS = 20_000;
	const AUDIENCES = 20;
	const next = seededRandom(CHAOS_SEED ^ 0x7a1);
	let audienceIds: number[] = [];
	const picks = Array.from({ length: RECORDS }, (_, row) => ({
		profileId: `p-${Math.floor(next() * 4000)}`,
		add: Math.floor(next() * AUDIENCES),
		remove: Math.floor(next() * AUDIENCES),
		row,
	}));
	return {
		vendor: 'talonOne',
		operation: 'Customer Profile → Update Audiences',
		records: RECORDS,
		faultRoutes: ['PUT /cdp/customer_profiles/audiences'],
		bulkRoute: 'PUT /cdp/customer_profiles/audiences',
		async setup() {
			audienceIds = await createTalonAudiences(AUDIENCES);
		},
		workflow(id) {
			const rows = picks.map((p) => [p.profileId, audienceIds[p.add], audienceIds[p.remove]]);
			return linearWorkflow({
				id,
				inputCode: `return ${JSON.stringify(rows)}.map(([profileId, add, remove]) =>
					({ json: { profileId, adds: [add], deletes: [remove] } }));`,
				nodes: [
					{
						name: 'Update Audiences',
						type: 'talonOne',
						credentials: sandboxCredentialRef('talonOneCdpApi'),
						onError: 'continueErrorOutput',
						parameters: {
							resource: 'customerProfile',
							operation: 'updateAudiences',
							customerProfileId: '={{ $json.profileId }}',
							audienceIdType: 'internal',
							audiencesToAdd: '={{ $json.adds }}',
							audiencesToRemove: '={{ $json.deletes }}',
						},
					},
				],
			});
		},
		verify(state, ok) {
			const expected = new Map<string, Set<number>>();
			let changes = 0;
			picks.forEach((pick, i) => {
				if (!ok[i]) return;
				changes += 2;
				const set = expected.get(pick.profileId) ?? new Set<number>();
				set.add(audienceIds[pick.add]);
				set.delete(audienceIds[pick.remove]);
				expected.set(pick.profileId, set);
			});
			const deployment = Object.values(state.deployments as Record<string, any>)[0];
			const actual = new Map<string, number[]>(
				(deployment.profiles as Array<{ integrationId: string; audienceMemberships: Array<{ id: number }> }>).map((p) => [
					p.integrationId,
					p.audienceMemberships.map((m) => m.id).sort((a, b) => a - b),
				]),
			);
			const want = new Map([...expected].map(([key, set]) => [key, [...set].sort((a, b) => a - b)]));
			expect(Object.fromEntries(actual), `Talon.One memberships (seed ${CHAOS_SEED})`).toEqual(Object.fromEntries(want));
			const applied = (state.membershipRequests as Array<{ changes: number }>).reduce((sum, r) => sum + r.changes, 0);
			expect(applied, 'each change applied exactly once').toBe(changes);
			return Math.ceil((RECORDS * 2) / 1000);
		},
	};
}

/** Creates audiences straight at the sandbox, as the platform that owns them would; returns their ids. */
async function createTalonAudiences(count: number): Promise<number[]> {
	const creds = sandbox.credentials.talonOne as Record<string, string>;
	const ids: number[] = [];
	for (let i = 0; i < count; i++) {
		const response = await fetch(`${sandbox.vendor('talonOne').url}/cdp/audiences`, {
			method: 'POST',
			headers: {
				authorization: `ApiKey-v1 ${creds.apiKey}`,
				'destination-hostname': creds.deploymentHostname,
				'customer-data-platform-name': creds.platformName,
				'content-type': 'application/json',
			},
			body: JSON.stringify({ audienceId: `chaos-${i}`, audienceName: `Chaos ${i}` }),
		});
		expect(response.status).toBe(201);
		ids.push(((await response.json()) as { id: number }).id);
	}
	return ids;
}

// ---------------------------------------------------------------------------------------------------------
// Crescendo Lab: Contact → Import. 5,000 contacts in a time-scaled task; faults hit the task start and the
// task status route alike (a lost status answer must not lose or repeat the import).

function crescendoScenario(): Scenario {
	const RECORDS = 5_000;
	const contact = (i: number) => ({
		customer_id: `chaos-${i}`,
		display_name: `Contact ${i}`,
		display_email: `c${i}@example.com`,
		gender: i % 2 === 0 ? 'female' : 'male',
	});
	return {
		vendor: 'crescendoLab',
		operation: 'Contact → Import',
		records: RECORDS,
		faultRoutes: ['/cdh/v1/member/import/'],
		bulkRoute: 'POST /cdh/v1/member/import/',
		async setup() {
			// A task of 5,000 rows runs 200 s of vendor time (10 s here), so the node polls it ~40 times
			// through the faults.
			await sandbox.control('crescendoLab').configure({ knobs: { processingMsPer1000: 40_000 } });
		},
		workflow(id) {
			return linearWorkflow({
				id,
				inputCode: `return Array.from({ length: ${RECORDS} }, (_, i) => ({ json: {
					customer_id: 'chaos-' + i, display_name: 'Contact ' + i, display_email: 'c' + i + '@example.com',
					gender: i % 2 === 0 ? 'female' : 'male' } }));`,
				nodes: [
					{
						name: 'Import',
						type: 'crescendoLab',
						credentials: sandboxCredentialRef('crescendoLabApi'),
						onError: 'continueErrorOutput',
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
			});
		},
		verify(state, ok) {
			const want = Array.from({ length: RECORDS }, (_, i) => i)
				.filter((i) => ok[i])
				.map(contact);
			const actual = (state.contacts as any[]).map(({ id: _id, created_at: _c, updated_at: _u, tags: _t, ...fields }) => fields);
			actual.sort((a, b) => Number(a.customer_id.slice(6)) - Number(b.customer_id.slice(6)));
			expect(actual, `Crescendo Lab contacts (seed ${CHAOS_SEED})`).toEqual(want);
			const imported = (state.tasks as any[]).filter((task) => task.kind === 'import');
			expect(imported.reduce((sum, task) => sum + task.rows, 0), 'each contact sent in one task only').toBe(want.length);
			return Math.ceil(RECORDS / 10_000);
		},
	};
}

// ---------------------------------------------------------------------------------------------------------
// Synerise: Profile → Create or Update (batch). 20,000 items over 8,000 custom IDs; a later item of a custom ID
// must win, so batches that share a profile must land in input order even when one of them is retried.

function syneriseScenario(): Scenario {
	const RECORDS = 20_000;
	const next = seededRandom(CHAOS_SEED ^ 0x5e1);
	const keys = Array.from({ length: RECORDS }, () => Math.floor(next() * 8000));
	return {
		vendor: 'synerise',
		operation: 'Profile → Create or Update',
		records: RECORDS,
		faultRoutes: ['POST /v4/clients/batch'],
		bulkRoute: 'POST /v4/clients/batch',
		async setup() {
			await sandbox.control('synerise').configure({ knobs: { applyDelayMs: 0 } });
		},
		workflow(id) {
			return linearWorkflow({
				id,
				inputCode: `return ${JSON.stringify(keys)}.map((k, row) => ({ json: {
					customId: 's-' + k, email: 's' + k + '@example.com', firstName: 'Row ' + row, seq: row } }));`,
				nodes: [
					{
						name: 'Create or Update',
						type: 'synerise',
						credentials: sandboxCredentialRef('syneriseApi'),
						onError: 'continueErrorOutput',
						parameters: { resource: 'profile', operation: 'upsert' },
					},
				],
			});
		},
		async verify(_state, ok) {
			let state = await sandbox.control('synerise').state();
			for (let i = 0; i < 200 && state.pending > 0; i++) {
				await new Promise((resolve) => setTimeout(resolve, 50));
				state = await sandbox.control('synerise').state();
			}
			const want = new Map<string, { customId: string; email: string; firstName: string; seq: number }>();
			keys.forEach((k, row) => {
				if (ok[row]) want.set(`s-${k}`, { customId: `s-${k}`, email: `s${k}@example.com`, firstName: `Row ${row}`, seq: row });
			});
			const actual = new Map<string, unknown>(
				(state.profiles as any[]).map((p) => [
					p.customId,
					{ customId: p.customId, email: p.email, firstName: p.firstName, seq: p.attributes?.seq },
				]),
			);
			expect(actual.size, 'one profile per custom ID').toBe((state.profiles as any[]).length);
			expect(Object.fromEntries(actual), `Synerise profiles (seed ${CHAOS_SEED})`).toEqual(Object.fromEntries(want));
			expect(state.dropped).toEqual([]);
			const accepted = (state.batches as any[]).filter((b) => b.status === 202).reduce((sum, b) => sum + b.items, 0);
			expect(accepted, 'each profile accepted in one batch only').toBe(ok.filter(Boolean).length);
			return (state.batches as any[]).filter((b) => b.status === 202).length;
		},
	};
}

// ---------------------------------------------------------------------------------------------------------
// Batch: Profile → Create or Update on the update route (≤ 200 profiles per call, so ~100 calls meet the
// faults). 20,000 items over 8,000 custom IDs; the last item of an ID must win.

function batchScenario(): Scenario {
	const RECORDS = 20_000;
	const next = seededRandom(CHAOS_SEED ^ 0xba7);
	const keys = Array.from({ length: RECORDS }, () => Math.floor(next() * 8000));
	return {
		vendor: 'batch',
		operation: 'Profile → Create or Update',
		records: RECORDS,
		faultRoutes: ['/profiles/update'],
		bulkRoute: 'POST /:version/profiles/update',
		workflow(id) {
			return linearWorkflow({
				id,
				inputCode: `return ${JSON.stringify(keys)}.map((k, row) => ({ json: { custom_id: 'b-' + k, seq: row, note: 'row ' + row } }));`,
				nodes: [
					{
						name: 'Create or Update',
						type: 'batch',
						credentials: sandboxCredentialRef('batchApi'),
						onError: 'continueErrorOutput',
						parameters: {
							resource: 'profile',
							operation: 'createOrUpdate',
							customIdField: 'custom_id',
							attributesToSend: 'allFields',
							options: { onlySendChanges: false, route: 'update' },
						},
					},
				],
			});
		},
		verify(state, ok) {
			const want: Record<string, { seq: number; note: string }> = {};
			keys.forEach((k, row) => {
				if (ok[row]) want[`b-${k}`] = { seq: row, note: `row ${row}` };
			});
			const actual: Record<string, { seq: unknown; note: unknown }> = {};
			for (const [customId, profile] of Object.entries(state.profiles as Record<string, any>)) {
				actual[customId] = { seq: profile.attributes.seq?.value, note: profile.attributes.note?.value };
			}
			expect(actual, `Batch profiles (seed ${CHAOS_SEED})`).toEqual(want);
			const accepted = (state.calls as any[]).filter((call) => call.status === 202);
			expect(accepted.reduce((sum, call) => sum + call.operations, 0), 'each profile accepted in one call only').toBe(
				ok.filter(Boolean).length,
			);
			return accepted.length;
		},
	};
}

// ---------------------------------------------------------------------------------------------------------
// Insider: User → Create or Update. 20,000 items over 8,000 UUIDs, packed up to 1,000 per request and sent
// 4 at a time; requests about the same user must not overtake each other.

function insiderScenario(variant: Pick<Scenario, 'label' | 'faults'> = {}): Scenario {
	const RECORDS = 20_000;
	const next = seededRandom(CHAOS_SEED ^ 0x1d5);
	const keys = Array.from({ length: RECORDS }, () => Math.floor(next() * 8000));
	return {
		...variant,
		vendor: 'insider',
		operation: 'User → Create or Update',
		records: RECORDS,
		faultRoutes: ['POST /api/user/v1/upsert'],
		bulkRoute: 'POST /api/user/v1/upsert',
		workflow(id) {
			return linearWorkflow({
				id,
				inputCode: `return ${JSON.stringify(keys)}.map((k, row) => ({ json: { uuid: 'i-' + k, name: 'Row ' + row, seq: row } }));`,
				nodes: [
					{
						name: 'Create or Update',
						type: 'insider',
						credentials: sandboxCredentialRef('insiderApi'),
						onError: 'continueErrorOutput',
						parameters: { resource: 'user', operation: 'upsert', mappingMode: 'autoMap', options: {} },
					},
				],
			});
		},
		verify(state, ok) {
			const want: Record<string, { name: string; seq: number }> = {};
			keys.forEach((k, row) => {
				if (ok[row]) want[`i-${k}`] = { name: `Row ${row}`, seq: row };
			});
			const actual: Record<string, { name: unknown; seq: unknown }> = {};
			for (const user of state.users as any[]) {
				expect(actual[user.identifiers.uuid], `one user per UUID (${user.identifiers.uuid})`).toBeUndefined();
				actual[user.identifiers.uuid] = { name: user.attributes.name, seq: user.attributes.custom?.seq };
			}
			expect(actual, `Insider users (seed ${CHAOS_SEED})`).toEqual(want);
			return Math.ceil(RECORDS / 1000);
		},
	};
}

const SCENARIOS: Record<string, () => Scenario> = {
	talonOne: talonScenario,
	crescendoLab: crescendoScenario,
	synerise: syneriseScenario,
	batch: batchScenario,
	insider: () => insiderScenario(),
};

beforeAll(async () => {
	console.info(`[chaos] seed ${CHAOS_SEED} (replay with CHAOS_SEED=${CHAOS_SEED})`);
	sandbox = await startSandbox({ ports: 'random', timeScale: TIME_SCALE });
	n8n = N8n.create();
	await n8n.importCredentials(sandboxCredentials(sandbox));
});

afterAll(async () => {
	if (figures.length > 0) {
		const dir = join(process.cwd(), 'test', '.artifacts');
		mkdirSync(dir, { recursive: true });
		writeFileSync(join(dir, 'chaos-figures.json'), JSON.stringify({ seed: CHAOS_SEED, figures }, null, 2));
	}
	n8n?.dispose();
	await sandbox?.close();
});

describe(`chaos: seeded faults on each vendor's bulk route (seed ${CHAOS_SEED})`, () => {
	for (const [vendor, scenario] of Object.entries(SCENARIOS)) {
		it(`${vendor}: nothing lost, nothing duplicated, nothing out of order`, async () => {
			await runScenario(scenario());
		});
	}
	it('insider, 80 % 5xx: requests that run out of retries give error items, the rest is applied exactly', async () => {
		// Six attempts at 80 % failure: about one request in four gives up (P = 0.8^6), so among 20 requests
		// some do, and their 1,000 users each must come out as error items while the others are applied.
		await runScenario(
			insiderScenario({ label: 'insider (retry budget)', faults: { error5xxRate: 0.8, rate429: 0, resetRate: 0 } }),
		);
		const row = figures[figures.length - 1];
		expect(row.errorItems, `seed ${CHAOS_SEED}`).toBeGreaterThan(0);
		expect(row.errorItems % 1000, 'whole requests failed, never parts of one').toBe(0);
		expect(row.succeeded + row.errorItems).toBe(row.records);
	});

	it('injected every kind of fault across the runs, and lost nothing', () => {
		const total = (kind: keyof Figures['injected']) => figures.reduce((sum, row) => sum + row.injected[kind], 0);
		expect(figures.length).toBeGreaterThan(0);
		expect(total('error5xx')).toBeGreaterThan(0);
		expect(total('rate429')).toBeGreaterThan(0);
		expect(total('reset')).toBeGreaterThan(0);
		expect(figures.every((row) => row.lost === 0)).toBe(true);
	});
});
