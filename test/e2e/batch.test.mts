// Real-n8n runs of the Batch node against the sandbox fake (issue #7 "Done when"). The sync state lives in
// n8n's deduplication table, per workflow and node, in its database; the three sync runs execute
// ONE imported workflow three times, and each run's input comes from a small HTTP listener the test
// controls (an HTTP Request node fetches it), because re-importing the workflow would replace its state.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Sandbox } from '../../sandbox/index.mts';
import { startSandbox } from '../../sandbox/index.mts';
import { N8n } from './harness.mts';
import { storedState as storedStateIn } from './storedState.mts';
import { linearWorkflow } from './workflows.mts';

const CREDENTIAL = { id: 'batchSandboxCred01', name: 'Batch sandbox' };
const credentials = { batchApi: CREDENTIAL };

let sandbox: Sandbox;
let n8n: N8n;
let listener: Server;
let inputUrl: string;
let currentInput: unknown[] = [];
let currentCsv = '';

interface CallRecord {
	route: string;
	status: number;
	code?: string;
	operations: number;
	customIds: string[];
}

const batch = () => sandbox.control('batch');

async function callsSince(from: number): Promise<CallRecord[]> {
	return ((await batch().state()).calls as CallRecord[]).slice(from);
}

/**
 * The calls Batch accepted. The node paces at Batch's documented rates and backs off on a 429, so a call at
 * the edge of the budget may be refused and retried: every other call must be such a 429.
 */
function accepted(calls: CallRecord[]): CallRecord[] {
	expect(calls.filter((call) => call.status !== 202).map((call) => call.status)).toEqual(calls.filter((call) => call.status !== 202).map(() => 429));
	return calls.filter((call) => call.status === 202);
}

const sentIds = (calls: CallRecord[]) => calls.flatMap((call) => call.customIds);

const storedState = (workflowId: string) => storedStateIn(n8n.userFolder, workflowId);

function batchNode(parameters: Record<string, unknown>) {
	return {
		name: 'Batch',
		type: 'batch',
		credentials,
		onError: 'continueErrorOutput' as const,
		parameters: {
			resource: 'profile',
			operation: 'createOrUpdate',
			customIdField: 'custom_id',
			attributesToSend: 'allFields',
			...parameters,
		},
	};
}

beforeAll(async () => {
	sandbox = await startSandbox({ only: ['batch'], ports: 'random' });
	listener = createServer((req, res) => {
		if (req.url?.endsWith('.csv')) {
			res.writeHead(200, { 'content-type': 'text/csv', 'content-disposition': 'attachment; filename="profiles.csv"' });
			res.end(currentCsv);
			return;
		}
		res.writeHead(200, { 'content-type': 'application/json' });
		res.end(JSON.stringify(currentInput));
	});
	await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', () => resolve()));
	inputUrl = `http://127.0.0.1:${(listener.address() as AddressInfo).port}/input`;
	n8n = N8n.create();
	await n8n.importCredentials([{ ...CREDENTIAL, type: 'batchApi', data: { ...sandbox.credentials.batch, baseUrl: sandbox.vendor('batch').url } }]);
});

afterAll(async () => {
	n8n?.dispose();
	await sandbox?.close();
	await new Promise<void>((resolve) => (listener ? listener.close(() => resolve()) : resolve()));
});

describe('Batch in real n8n', () => {
	it('syncs 30,000 profiles, then sends only the 400 new or changed ones, then only the 5 changed back', async () => {
		const profile = (i: number, plan = 'basic') => ({ custom_id: `user-${i}`, plan, logins: i % 97, City: 'Paris', signup: '2024-05-01T10:00:00Z' });
		const first = Array.from({ length: 30_000 }, (_, i) => profile(i));
		const workflow = linearWorkflow({
			id: 'batchSync30k',
			inputItems: [{}],
			nodes: [
				{ name: 'Fetch Input', type: 'n8n-nodes-base.httpRequest', typeVersion: 4.2, parameters: { url: inputUrl, options: {} } },
				batchNode({ options: { normalizeNames: true } }),
			],
		});
		await n8n.importWorkflows([workflow]);
		const secret = String((sandbox.credentials.batch as Record<string, unknown>).restApiKey);

		// Run 1: everything is new.
		currentInput = first;
		const run1 = await n8n.execute(workflow.id);
		expect(run1.status, run1.logs.slice(-3000)).toBe('success');
		const calls1 = await callsSince(0);
		const accepted1 = accepted(calls1);
		expect(accepted1.every((call) => call.code === 'SUCCESS')).toBe(true);
		expect(accepted1.every((call) => call.operations <= (call.route === 'update' ? 200 : 10_000))).toBe(true);
		expect(accepted1.map((call) => call.route)).toEqual(['mass-update', 'mass-update', 'mass-update']);
		expect(sentIds(accepted1)).toHaveLength(30_000);
		expect(new Set(sentIds(accepted1)).size).toBe(30_000);
		const stats = await batch().stats();
		// Pacing starts at the documented rate (no margin), so the edge of the budget may refuse a call, which
		// waits and is retried at a slower pace: at most one 429 per accepted call (two were seen on a loaded
		// machine), and never an item that fails for it (checked below).
		expect(stats.byStatus['429'] ?? 0).toBeLessThanOrEqual(accepted1.length);
		const out1 = run1.items('Batch');
		expect(out1).toHaveLength(30_000);
		expect(out1.every((item) => item.json.status === 'sent')).toBe(true);
		expect(run1.items('Batch', 1)).toHaveLength(0);
		const state1 = await batch().state();
		expect(state1.profileCount).toBe(30_000);
		expect(state1.profiles['user-7'].attributes).toMatchObject({ city: { type: 'string', value: 'Paris' }, signup: { type: 'date' } });
		expect(run1.logs).not.toContain(secret);
		// The state is in n8n's deduplication table (one set per workflow and node), not in static data.
		const stored = storedState(workflow.id);
		expect(stored.entries).toBe(30_000);
		expect(stored.staticData).not.toContain('batchProfileSync');

		// Run 2: 300 changed, 100 new, the rest unchanged.
		const second = [...first.map((p, i) => (i < 300 ? profile(i, 'gold') : p)), ...Array.from({ length: 100 }, (_, k) => profile(30_000 + k))];
		currentInput = second;
		const run2 = await n8n.execute(workflow.id);
		expect(run2.status).toBe('success');
		const calls2 = await callsSince(calls1.length);
		const sent2 = sentIds(accepted(calls2));
		expect(sent2).toHaveLength(400);
		expect(new Set(sent2)).toEqual(new Set([...Array.from({ length: 300 }, (_, i) => `user-${i}`), ...Array.from({ length: 100 }, (_, k) => `user-${30_000 + k}`)]));
		expect(accepted(calls2).every((call) => call.route === 'update' && call.operations <= 200)).toBe(true);
		const out2 = run2.items('Batch');
		expect(out2).toHaveLength(30_100);
		expect(out2.filter((item) => item.json.status === 'skipped')).toHaveLength(29_700);
		expect(out2.filter((item) => item.json.status === 'sent')).toHaveLength(400);
		expect((await batch().state()).profiles['user-3'].attributes.plan.value).toBe('gold');

		// Run 3: five profiles go back to their first-run values (A → B → A).
		currentInput = second.map((p, i) => (i < 5 ? profile(i) : p));
		const run3 = await n8n.execute(workflow.id);
		expect(run3.status).toBe('success');
		const calls3 = await callsSince(calls1.length + calls2.length);
		expect(sentIds(accepted(calls3)).sort()).toEqual(['user-0', 'user-1', 'user-2', 'user-3', 'user-4']);
		expect((await batch().state()).profiles['user-3'].attributes.plan.value).toBe('basic');
		console.log(
			`batch e2e: run1 ${run1.executionTime('Batch')} ms, ${calls1.length} calls; run2 ${run2.executionTime('Batch')} ms, ${calls2.length} calls; run3 ${run3.executionTime('Batch')} ms, ${calls3.length} calls`,
		);
	});

	it('turns a partial error for 7 of 200 profiles into 7 error items and sends those 7 again next run', async () => {
		const poisoned = [3, 17, 42, 99, 123, 150, 199].map((i) => `p-${i}`);
		await batch().configure({ knobs: { poisonCustomIds: poisoned } });
		const workflow = linearWorkflow({
			id: 'batchPartial200',
			inputItems: Array.from({ length: 200 }, (_, i) => ({ custom_id: `p-${i}`, plan: 'pro', seats: i })),
			nodes: [batchNode({ options: { route: 'update' } })],
		});
		await n8n.importWorkflows([workflow]);
		const before = (await batch().state()).calls.length;

		const run1 = await n8n.execute(workflow.id);
		expect(run1.status).toBe('success');
		const errors = run1.items('Batch', 1);
		expect(errors).toHaveLength(7);
		expect(errors.map((item) => item.pairedItem)).toEqual([3, 17, 42, 99, 123, 150, 199].map((item) => ({ item })));
		for (const item of errors) {
			expect(item.json.error).toMatch(/field "plan"/);
			expect(item.json.error).toContain('value refused (poisoned custom ID)');
		}
		expect(run1.items('Batch', 0)).toHaveLength(193);
		const calls1 = await callsSince(before);
		expect(calls1).toHaveLength(1);
		expect(calls1[0]).toMatchObject({ code: 'SUCCESS_WITH_PARTIAL_ERRORS', operations: 200 });

		await batch().configure({ knobs: { poisonCustomIds: [] } });
		const run2 = await n8n.execute(workflow.id);
		expect(run2.status).toBe('success');
		const calls2 = await callsSince(before + calls1.length);
		expect(sentIds(calls2).sort()).toEqual([...poisoned].sort());
		expect(run2.items('Batch', 0).filter((item) => item.json.status === 'skipped')).toHaveLength(193);
		expect(run2.items('Batch', 1)).toHaveLength(0);
	});

	it('deletes profile data with GDPR remove requests and outputs their request ids', async () => {
		const workflow = linearWorkflow({
			id: 'batchGdprDelete',
			inputItems: [{ id: 'p-0' }, { id: 'nobody' }],
			nodes: [
				{
					name: 'Batch',
					type: 'batch',
					credentials,
					parameters: { resource: 'profile', operation: 'delete', customId: '={{ $json.id }}', options: { requestsPerSecond: 20 } },
				},
			],
		});
		const run = await n8n.run(workflow);
		expect(run.status).toBe('success');
		const out = run.items('Batch');
		expect(out.map((item) => [item.json.customId, item.json.status, item.pairedItem])).toEqual([
			['p-0', 'pending', { item: 0 }],
			['nobody', 'pending', { item: 1 }],
		]);
		const requests = (await batch().state()).gdprRequests as Array<{ request_id: string; id: { value: string } }>;
		expect(requests.map((r) => [r.request_id, r.id.value])).toEqual(out.map((item) => [item.json.requestId, item.json.customId]));
		const keys = sandbox.credentials.batch as Record<string, string>;
		expect(run.logs).not.toContain(keys.appApiKey);
		expect(run.logs).not.toContain(keys.restApiKey);
	});

	it('CSV from Extract From File: typed with Convert Text Values, Custom IDs trimmed, a repeated ID not resent (#18.6, #18.8)', async () => {
		currentCsv = [
			'custom_id,logins,vip,seen,zip,plan',
			'  csv-1 ,5,true,2024-05-01T12:00:00+02:00,01234,pro',
			'csv-2,12,FALSE,2024-05-02T08:00:00Z,75003,free',
			'csv-1,6,true,2024-05-01T12:00:00+02:00,01234,gold',
			',1,true,2024-05-01T12:00:00Z,00000,none',
		].join('\n');
		const workflow = linearWorkflow({
			id: 'batchCsvTyping',
			inputItems: [{}],
			nodes: [
				{
					name: 'Fetch CSV',
					type: 'n8n-nodes-base.httpRequest',
					typeVersion: 4.2,
					parameters: { url: inputUrl.replace('/input', '/profiles.csv'), options: { response: { response: { responseFormat: 'file' } } } },
				},
				{ name: 'Extract', type: 'n8n-nodes-base.extractFromFile', typeVersion: 1, parameters: { operation: 'csv', options: {} } },
				batchNode({ options: { convertTextValues: true } }),
			],
		});
		await n8n.importWorkflows([workflow]);
		const before = (await batch().state()).calls.length;
		const run1 = await n8n.execute(workflow.id);
		expect(run1.status, run1.logs.slice(-3000)).toBe('success');
		expect(run1.items('Batch', 0).map((item) => [item.json.customId, item.json.status])).toEqual([
			['csv-1', 'sent'],
			['csv-2', 'sent'],
			['csv-1', 'sent'],
		]);
		const [failed] = run1.items('Batch', 1);
		expect(failed.json.error).toBe('Item 3, field "custom_id": the Custom ID is missing; expected a non-empty string');
		const { profiles } = await batch().state();
		expect(Object.keys(profiles).filter((id) => id.includes('csv-')).sort()).toEqual(['csv-1', 'csv-2']);
		expect(profiles['csv-1'].attributes).toMatchObject({
			logins: { type: 'integer', value: 6 },
			vip: { type: 'boolean', value: true },
			seen: { type: 'date', value: '2024-05-01T10:00:00.000Z' },
			zip: { type: 'string', value: '01234' },
			plan: { type: 'string', value: 'gold' },
		});
		expect(profiles['csv-2'].attributes).toMatchObject({ vip: { type: 'boolean', value: false }, seen: { type: 'date' }, zip: { type: 'string', value: '75003' } });

		// The same file again: nothing changed, so nothing is sent, the repeated csv-1 included.
		const run2 = await n8n.execute(workflow.id);
		expect(run2.status).toBe('success');
		expect(sentIds(await callsSince(before + 1))).toEqual([]);
		expect(run2.items('Batch', 0).map((item) => item.json.status)).toEqual(['skipped', 'skipped', 'skipped']);
	});

	it('deletes profile data once per app of the credential and fails an answer without a request id (#14)', async () => {
		const keys = sandbox.credentials.batch as Record<string, string>;
		const twoApps = { id: 'batchSandboxCred02', name: 'Batch sandbox, two apps' };
		await n8n.importCredentials([
			{ ...twoApps, type: 'batchApi', data: { ...keys, appApiKey: `${keys.appApiKey}, ${keys.secondAppApiKey}`, baseUrl: sandbox.vendor('batch').url } },
		]);
		const workflow = linearWorkflow({
			id: 'batchGdprTwoApps',
			inputItems: [{ id: 'p-1' }],
			nodes: [
				{
					name: 'Batch',
					type: 'batch',
					credentials: { batchApi: twoApps },
					onError: 'continueErrorOutput' as const,
					parameters: { resource: 'profile', operation: 'delete', customId: '={{ $json.id }}', options: { requestsPerSecond: 20 } },
				},
			],
		});
		const run = await n8n.run(workflow);
		expect(run.status).toBe('success');
		const [out] = run.items('Batch');
		expect((out.json.requests as unknown[]).length).toBe(2);
		expect(run.logs).not.toContain(keys.secondAppApiKey);

		await batch().configure({ knobs: { gdprOmitRequestId: true } });
		try {
			const failed = await n8n.run({ ...workflow, id: 'batchGdprNoId' });
			const [error] = failed.items('Batch', 1);
			expect(error.json.error).toMatch(/^Item 0, field "customId": Batch answered the GDPR remove request for app 1 of 2 without a request ID/);
			expect(failed.items('Batch', 0)).toHaveLength(0);
		} finally {
			await batch().configure({ knobs: { gdprOmitRequestId: false } });
		}
	});
});
