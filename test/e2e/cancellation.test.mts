// Cancellation and time-outs (issue #9): a workflow's `executionTimeout` cancels an execution while the node
// polls a Crescendo Lab task or waits out a long Retry-After. The node must stop within one poll interval (or
// one cancel check of a retry wait), and the job id must reach the user.
//
// `n8n execute` honours `executionTimeout` in 2.41.1 (it runs through the same WorkflowRunner), but the CLI
// exits ~100 ms after the cancellation, which would hide a node that keeps going. So these runs use a
// running `n8n start`, started through production webhooks, and watch the sandbox for requests that come
// after the cancellation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Sandbox } from '../../sandbox/index.mts';
import { startSandbox } from '../../sandbox/index.mts';
import { sandboxCredentialRef, sandboxCredentials } from '../../sandbox/n8nCredentials.mts';
import { N8n } from './harness.mts';
import { importAndPublish, N8nProcess, webhookWorkflow } from './n8nProcess.mts';

const POLL_INTERVAL_SECONDS = 1;
const TIMEOUT_SECONDS = 6;
const RETRY_AFTER_SECONDS = 12;

let sandbox: Sandbox;
let n8n: N8n;
let server: N8nProcess;


const contacts = `return Array.from({ length: 50 }, (_, i) => ({ json: { customer_id: 'cx-' + i, display_name: 'C ' + i } }));`;

const crescendoImport = (name: string) => ({
	name,
	type: 'n8n-nodes-customer-profiles.crescendoLab',
	credentials: sandboxCredentialRef('crescendoLabApi'),
	parameters: {
		authentication: 'profileApi',
		resource: 'contact',
		operation: 'import',
		importKey: 'customer_id',
		columns: { mappingMode: 'autoMapInputData', value: null },
		options: { maxRequestsPerMinute: 600, pollIntervalSeconds: POLL_INTERVAL_SECONDS, maxWaitSeconds: 600 },
	},
});

beforeAll(async () => {
	// Real time: a task of 50 contacts takes ~1,000 s of vendor time here, far beyond the time-out.
	sandbox = await startSandbox({ only: ['crescendoLab', 'talonOne'], ports: 'random' });
	n8n = N8n.create();
	await n8n.importCredentials(sandboxCredentials(sandbox));
	await importAndPublish(n8n, [
		webhookWorkflow({
			id: 'cancelPoll',
			path: 'cancel-poll',
			inputCode: contacts,
			nodes: [crescendoImport('Import')],
			settings: { executionTimeout: TIMEOUT_SECONDS },
		}),
		webhookWorkflow({
			id: 'cancelRetryAfter',
			path: 'cancel-retry-after',
			inputCode: `return [{ json: { profileId: 'p-1', adds: [1] } }];`,
			nodes: [
				{
					name: 'Update Audiences',
					type: 'n8n-nodes-customer-profiles.talonOne',
					credentials: sandboxCredentialRef('talonOneCdpApi'),
					parameters: {
						resource: 'customerProfile',
						operation: 'updateAudiences',
						customerProfileId: '={{ $json.profileId }}',
						audienceIdType: 'internal',
						audiencesToAdd: '={{ $json.adds }}',
					},
				},
			],
			settings: { executionTimeout: TIMEOUT_SECONDS },
		}),
	]);
	server = await N8nProcess.start(n8n);
});

afterAll(async () => {
	await server?.stop();
	n8n?.dispose();
	await sandbox?.close();
});

describe('cancellation by the workflow time-out, in a running n8n', () => {
	it('stops polling a Crescendo Lab import task within one poll interval and logs the task id', async () => {
		await sandbox.control('crescendoLab').reset();
		await sandbox.control('crescendoLab').configure({ knobs: { processingMsPer1000: 20_000_000 } });
		const started = Date.now();
		const answer = await server.webhook('cancel-poll');
		const cancelledAt = Date.now();
		// n8n answers the webhook when it cancels the execution.
		expect(answer.status, `${JSON.stringify(answer.body)}\n${server.logs.slice(-3000)}`).toBe(500);
		expect(cancelledAt - started).toBeGreaterThanOrEqual(TIMEOUT_SECONDS * 1000 - 500);
		expect(cancelledAt - started).toBeLessThan(TIMEOUT_SECONDS * 1000 + 5000);

		// Give a node that ignored the cancellation time to poll a few more times.
		await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_SECONDS * 4000));
		const stats = await sandbox.control('crescendoLab').stats();
		const polls = (stats.log as Array<{ at: number; route: string }>).filter((entry) => entry.route === 'GET /cdh/v1/member/import/:taskId/');
		expect(polls.length).toBeGreaterThan(2);
		const lastPoll = polls[polls.length - 1].at;
		expect(lastPoll - cancelledAt, 'no status check later than one poll interval after the time-out').toBeLessThanOrEqual(
			POLL_INTERVAL_SECONDS * 1000,
		);
		const state = await sandbox.control('crescendoLab').state();
		const [task] = state.tasks;
		expect(task.status).not.toBe('done');
		expect(server.logs).toContain(`Cancelled while waiting for job ${task.id}`);
		console.info(
			`[cancellation] time-out ${TIMEOUT_SECONDS} s: webhook answered after ${cancelledAt - started} ms, ` +
				`last status check ${lastPoll - cancelledAt} ms after it, task ${task.id} named in the log`,
		);
	});

	it('stops waiting out a long Retry-After (Talon.One 429) at the time-out, sending no retry', async () => {
		await sandbox.control('talonOne').reset();
		// Every membership request draws a 429 asking for a 12 s wait, twice the time-out: a node that kept
		// waiting would send its retry while this test still watches.
		await sandbox.control('talonOne').configure({
			faults: { rate429: 1, retryAfterSeconds: RETRY_AFTER_SECONDS, routes: ['customer_profiles/audiences'], seed: 3 },
		});
		try {
			const started = Date.now();
			const answer = await server.webhook('cancel-retry-after');
			const cancelledAt = Date.now();
			expect(answer.status, `${JSON.stringify(answer.body)}\n${server.logs.slice(-3000)}`).toBe(500);
			expect(cancelledAt - started).toBeLessThan(TIMEOUT_SECONDS * 1000 + 5000);
			await new Promise((resolve) => setTimeout(resolve, started + (RETRY_AFTER_SECONDS + 3) * 1000 - Date.now()));
			const stats = await sandbox.control('talonOne').stats();
			// One attempt, one 429, then the wait was cut short: no second attempt after the cancellation.
			expect(stats.byRoute['PUT /cdp/customer_profiles/audiences']).toBe(1);
			expect(stats.injected.rate429).toBe(1);
			console.info(`[cancellation] ${RETRY_AFTER_SECONDS} s Retry-After: execution ended ${cancelledAt - started} ms after the start, no retry sent`);
		} finally {
			await sandbox.control('talonOne').configure({ faults: { rate429: 0, routes: [] } });
		}
	});
});
