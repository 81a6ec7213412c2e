// Runs every example workflow of docs/examples/ in real n8n against the sandbox, exactly as a newcomer
// imports it (same ids, same sandbox credential ids), and checks what each one did to the vendor's store.
// CP_EXAMPLES_SMOKE=1 (the n8n 1.x smoke set, `npm run test:n8n1`) runs one example per vendor.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { sandboxCredentials } from '../../sandbox/n8nCredentials.mts';
import type { Sandbox, VendorName } from '../../sandbox/index.mts';
import { startSandbox } from '../../sandbox/index.mts';
import { loadExamples } from './examples.mts';
import { N8n, N8nRun } from './harness.mts';
import { N8nServer } from './server.mts';

let sandbox: Sandbox;
let n8n: N8n;

/** Retries an assertion while the sandbox applies queued writes (Synerise and Batch apply them later). */
async function eventually(assertion: () => Promise<void>, timeoutMs = 15_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		try {
			await assertion();
			return;
		} catch (error) {
			if (Date.now() > deadline) throw error;
			await new Promise((resolve) => setTimeout(resolve, 250));
		}
	}
}

interface ExampleCheck {
	vendor: VendorName;
	/** Part of the n8n 1.x smoke set (one per vendor). */
	smoke?: boolean;
	/** Prepares the sandbox before the run (after a reset). */
	before?: () => Promise<void>;
	check: (run: N8nRun) => Promise<void>;
	/**
	 * Started by a POST to this production webhook path of a published workflow in `n8n start`, not by
	 * `n8n execute`: for examples that wait for a callback, which needs n8n's webhook server.
	 */
	viaWebhook?: string;
	/** Runs the example a second time and checks that run too (state kept between runs). */
	again?: (run: N8nRun) => Promise<void>;
}

/**
 * The checks of a nightly CSV sync example (100 customers; the next night cust-0 left the file and four
 * changed tier): every customer sent the first night, then only the four with only the tier field, and
 * cust-0 on Missing From Source. `stored` reads a customer's tier at the vendor (undefined: not held).
 */
function nightlySync(spec: {
	vendor: VendorName;
	key: (json: Record<string, any>) => string;
	tierField: string;
	missing: Record<string, unknown>;
	stored: (customer: string) => Promise<unknown>;
	/** The node the Missing From Source output is wired to, and whether it deletes the customer. */
	leavers: { node: string; deletes: boolean };
}): ExampleCheck {
	return {
		vendor: spec.vendor,
		check: async (run) => {
			const out = run.items('Sync Profiles');
			expect(out).toHaveLength(100);
			expect(out.every((item) => item.json.syncStatus === 'sent'), JSON.stringify(out[0]?.json)).toBe(true);
			expect(run.items('Sync Profiles', 1)).toHaveLength(0);
			expect(run.items('Sync Profiles', 2)).toHaveLength(0);
			await eventually(async () => expect(await spec.stored('cust-2')).toBe('silver'));
		},
		again: async (run) => {
			const sent = run.items('Sync Profiles').filter((item) => item.json.syncStatus !== 'unchanged');
			expect(sent.map((item) => spec.key(item.json)).sort()).toEqual(['cust-1', 'cust-2', 'cust-51', 'cust-52']);
			expect(sent.map((item) => item.json.changedFields)).toEqual(sent.map(() => [spec.tierField]));
			expect(run.items('Sync Profiles', 1).map((item) => item.json)).toEqual([{ id: expect.stringContaining('cust-0'), ...spec.missing, syncStatus: 'missing' }]);
			expect(run.items(spec.leavers.node)).toHaveLength(1);
			await eventually(async () => {
				expect(await spec.stored('cust-2')).toBe('gold');
				expect(await spec.stored('cust-1')).toBe('silver');
				if (spec.leavers.deletes) expect(await spec.stored('cust-0')).toBeUndefined();
			});
		},
	};
}

const CHECKS: Record<string, ExampleCheck> = {
	'talon-one-signup-webhook.json': {
		vendor: 'talonOne',
		smoke: true,
		check: async (run) => {
			expect(run.items('Create or Update Profile')).toHaveLength(1);
			const state = await sandbox.control('talonOne').state();
			const profiles = Object.values(state.deployments)
				.flatMap((deployment: any) => Object.values(deployment.profiles ?? {}))
				.filter((profile: any) => profile.integrationId === 'signup-1001');
			expect(profiles).toHaveLength(1);
			// The empty nickname is skipped ("Empty Values: Skip"), so it is not stored.
			expect((profiles[0] as any).attributes).toEqual({
				Name: 'Ada Lovelace',
				Email: 'ada@example.com',
				Language: 'english',
				ShippingCountry: 'GB',
			});
		},
	},
	'talon-one-error-branch.json': {
		vendor: 'talonOne',
		check: async (run) => {
			expect(run.items('Update Profiles', 0).map((item) => item.pairedItem)).toEqual([{ item: 0 }]);
			expect(run.items('Updated')).toHaveLength(1);
			const failed = run.items('Failed Profiles').map((item) => item.json);
			expect(failed.map((row) => row.customerId)).toEqual(['crm-2', '']);
			expect(failed[0].error).toContain('FavouriteColour');
			expect(failed[1].error).toMatch(/Customer Profile ID/);
			const state = await sandbox.control('talonOne').state();
			const profiles = Object.values(state.deployments).flatMap((deployment: any) => deployment.profiles);
			expect(profiles.map((profile: any) => [profile.integrationId, profile.attributes])).toEqual([
				['crm-1', { Tier: 'gold', Score: 120 }],
			]);
		},
	},
	'crescendo-lab-csv-import-summary.json': {
		vendor: 'crescendoLab',
		smoke: true,
		check: async (run) => {
			const [summary] = run.items('Compose Summary');
			expect(summary.json).toMatchObject({ imported: 4, failed: 1, subject: 'Contact import: 4 imported, 1 failed' });
			expect(summary.json.text).toMatch(/Row 6: .*customer_id/);
			const state = await sandbox.control('crescendoLab').state();
			expect(state.contacts.map((contact: any) => contact.customer_id)).toEqual(['crm-2001', 'crm-2002', 'crm-2003', 'crm-2004']);
			expect(state.contacts[1]).toMatchObject({ display_name: 'Yamada, Taro', tags: ['csv-import'] });
			expect(state.tasks).toHaveLength(1);
		},
	},
	'synerise-signup-webhook.json': {
		vendor: 'synerise',
		smoke: true,
		check: async (run) => {
			expect(run.items('Create or Update Profiles').map((item) => item.json)).toEqual([
				{ accepted: true, status: 'queued', email: 'grace@example.com' },
				{ accepted: true, status: 'queued', email: 'alan@example.com' },
			]);
			const read = run.items('Get Profile').map((item) => item.json);
			expect(read).toMatchObject([
				{ email: 'grace@example.com', firstName: 'Grace', lastName: 'Hopper', city: 'Arlington' },
				{ email: 'alan@example.com', firstName: 'Alan', lastName: 'Turing', city: 'London' },
			]);
			const state = await sandbox.control('synerise').state();
			expect(state.profiles.map((profile: any) => profile.email).sort()).toEqual(['alan@example.com', 'grace@example.com']);
		},
	},
	'synerise-nightly-csv-sync.json': {
		vendor: 'synerise',
		check: async (run) => {
			const out = run.items('Sync Profiles');
			expect(out).toHaveLength(300);
			expect(out.every((item) => item.json.syncStatus === 'sent')).toBe(true);
			expect(run.items('Sync Profiles', 1)).toHaveLength(0);
			expect(run.items('Sync Profiles', 2)).toHaveLength(0);
			await eventually(async () => expect((await sandbox.control('synerise').state()).profiles).toHaveLength(300));
		},
		// The next night: cust-0 left the file and twelve customers changed tier.
		again: async (run) => {
			const sent = run.items('Sync Profiles').filter((item) => item.json.syncStatus === 'sent');
			expect(sent.map((item) => item.json.customId).sort()).toEqual(
				[1, 2, 51, 52, 101, 102, 151, 152, 201, 202, 251, 252].map((i) => `cust-${i}`).sort(),
			);
			expect(sent.every((item) => JSON.stringify(item.json.changedFields) === '["attributes.tier"]')).toBe(true);
			expect(run.items('Sync Profiles', 1).map((item) => item.json)).toEqual([{ id: 'customId:cust-0', customId: 'cust-0', syncStatus: 'missing' }]);
			expect(run.items('Delete Left Customers')).toHaveLength(1);
			await eventually(async () => {
				const profiles = (await sandbox.control('synerise').state()).profiles as any[];
				expect(profiles.some((profile) => profile.customId === 'cust-0')).toBe(false);
				expect(profiles.find((profile) => profile.customId === 'cust-2').attributes.tier).toBe('gold');
				expect(profiles.find((profile) => profile.customId === 'cust-1').attributes.tier).toBe('silver');
			});
		},
	},
	'talon-one-nightly-csv-sync.json': nightlySync({
		vendor: 'talonOne',
		key: (json) => json.customerProfileId ?? json.customerProfile?.integrationId,
		tierField: 'attributes.Tier',
		missing: { customerProfileId: 'cust-0' },
		stored: async (customer) => {
			const talon = await sandbox.control('talonOne').state();
			const profiles = (Object.values(talon.deployments ?? talon) as any[]).flatMap((deployment) => deployment.profiles ?? []);
			return profiles.find((profile: any) => profile.integrationId === customer)?.attributes?.Tier;
		},
		leavers: { node: 'Customers Who Left', deletes: false },
	}),
	'insider-nightly-csv-sync.json': nightlySync({
		vendor: 'insider',
		key: (json) => json.identifiers.uuid,
		tierField: 'attributes.custom.tier',
		missing: { identifiers: { uuid: 'cust-0' } },
		stored: async (customer) =>
			((await sandbox.control('insider').state()).users as any[]).find((user) => user.identifiers?.uuid === customer)?.attributes?.custom?.tier,
		leavers: { node: 'Delete Left Customers', deletes: true },
	}),
	'crescendo-lab-nightly-csv-sync.json': nightlySync({
		vendor: 'crescendoLab',
		key: (json) => json.keyValue,
		tierField: 'cl_custom_tier',
		missing: { importKey: 'customer_id', keyValue: 'cust-0' },
		stored: async (customer) =>
			((await sandbox.control('crescendoLab').state()).contacts as any[]).find((contact) => contact.customer_id === customer)?.cl_custom_tier,
		leavers: { node: 'Customers Who Left', deletes: false },
	}),
	'batch-nightly-csv-sync.json': nightlySync({
		vendor: 'batch',
		key: (json) => json.customId,
		tierField: 'plan',
		missing: { customId: 'cust-0' },
		stored: async (customer) => (await sandbox.control('batch').state()).profiles[customer]?.attributes?.plan?.value,
		leavers: { node: 'Delete Left Customers', deletes: false },
	}),
	'batch-scheduled-csv-sync.json': {
		vendor: 'batch',
		smoke: true,
		check: async (run) => {
			const out = run.items('Create or Update Profiles');
			expect(out).toHaveLength(500);
			expect(out.every((item) => item.json.status === 'sent')).toBe(true);
			expect(run.items('Create or Update Profiles', 1)).toHaveLength(0);
			await eventually(async () => {
				const state = await sandbox.control('batch').state();
				expect(state.profileCount).toBe(500);
				expect(state.profiles['cust-10'].attributes).toMatchObject({ plan: { value: 'premium' }, order_count: { value: '10' }, last_order: { type: 'date' } });
			});
		},
		// "Only send changes": the same file the next night sends nothing.
		again: async (run) => {
			const out = run.items('Create or Update Profiles');
			expect(out).toHaveLength(500);
			expect(out.every((item) => item.json.status === 'skipped')).toBe(true);
			const state = await sandbox.control('batch').state();
			expect(state.calls.flatMap((call: any) => call.customIds)).toHaveLength(500);
		},
	},
	'batch-profile-sync.json': {
		vendor: 'batch',
		check: async (run) => {
			const out = run.items('Batch');
			expect(out).toHaveLength(1000);
			expect(out.every((item) => item.json.status === 'sent')).toBe(true);
			await eventually(async () => expect((await sandbox.control('batch').state()).profileCount).toBe(1000));
		},
	},
	'insider-signup-webhook.json': {
		vendor: 'insider',
		smoke: true,
		check: async (run) => {
			expect(run.items('Create or Update User').map((item) => item.json.status)).toEqual(['accepted']);
			const { users } = await sandbox.control('insider').state();
			expect(users).toHaveLength(1);
			expect(users[0]).toMatchObject({
				identifiers: { email: 'katherine@example.com', phone_number: '+15551230001' },
				attributes: { name: 'Katherine', email_optin: true, custom: { plan: 'trial' } },
			});
			expect(users[0].events.map((event: any) => event.event_name)).toEqual(['sign_up']);
		},
	},
	'insider-export-wait-callback.json': {
		vendor: 'insider',
		viaWebhook: 'insider-export',
		before: async () => {
			const keys = sandbox.credentials.insider as { partnerName: string; requestToken: string };
			const response = await fetch(`${sandbox.vendor('insider').url}/api/user/v1/upsert`, {
				method: 'POST',
				headers: { 'content-type': 'application/json', 'x-partner-name': keys.partnerName, 'x-request-token': keys.requestToken },
				body: JSON.stringify({
					users: ['a', 'b', 'c'].map((who) => ({ identifiers: { email: `${who}@example.com` }, attributes: { name: who.toUpperCase() } })),
				}),
			});
			expect(response.status).toBe(200);
		},
		check: async (run) => {
			expect(run.items('Start Export')[0].json).toMatchObject({ status: 'started', segmentId: 1, format: 'csv' });
			// The Wait node resumed on the sandbox's callback, which carried the download link.
			expect(run.items("Wait for Insider's Callback")[0].json.body.url).toMatch(/^http/);
			const rows = run.items('Download Export').map((item) => item.json);
			expect(rows.map((row) => row.email).sort()).toEqual(['a@example.com', 'b@example.com', 'c@example.com']);
			expect(run.items('Count Users')[0].json).toEqual({ unique_count_iid: 3 });
		},
	},
};

/** Publishes the example, starts `n8n start`, POSTs its webhook and returns the finished execution. */
async function runViaWebhook(workflowId: string, path: string): Promise<N8nRun> {
	const published = await n8n.command(['publish:workflow', `--id=${workflowId}`]);
	expect(published.exitCode, published.stderr).toBe(0);
	const server = await N8nServer.start(n8n);
	try {
		// Production webhooks register some seconds after n8n reports ready: until then they answer 404.
		let deadline = Date.now() + 90_000;
		for (;;) {
			const started = await fetch(`${server.url}/webhook/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
			const text = await started.text();
			if (started.status === 200) break;
			if (started.status !== 404 || Date.now() > deadline) throw new Error(`POST /webhook/${path}: ${started.status} ${text.slice(0, 500)}`);
			await new Promise((resolve) => setTimeout(resolve, 1000));
		}
		deadline = Date.now() + 120_000;
		for (;;) {
			const list = await server.rest(`/executions?filter=${encodeURIComponent(JSON.stringify({ workflowId }))}`);
			const execution = (list.data?.results ?? list.data ?? [])[0];
			if (execution && !['new', 'running', 'waiting'].includes(execution.status)) {
				const full = await server.rest(`/executions/${execution.id}`);
				return new N8nRun(execution.status === 'success' ? 0 : 1, { status: execution.status, data: parseFlatted(full.data.data) }, server.logs, '');
			}
			if (Date.now() > deadline) throw new Error(`the execution did not finish: ${JSON.stringify(execution)}\n${server.logs.slice(-3000)}`);
			await new Promise((resolve) => setTimeout(resolve, 500));
		}
	} finally {
		await server.stop();
	}
}

/** n8n stores run data with `flatted`; its own copy reads it. */
function parseFlatted(text: string): any {
	const flatted = createRequire(join(n8n.env.n8nBin, '..', '..', 'package.json'))('flatted') as { parse(text: string): any };
	return flatted.parse(text);
}

const smokeOnly = process.env.CP_EXAMPLES_SMOKE === '1';
const examples = loadExamples().filter(({ file }) => !smokeOnly || CHECKS[file]?.smoke);

beforeAll(async () => {
	sandbox = await startSandbox({ ports: 'random' });
	n8n = N8n.create();
	await n8n.importCredentials(sandboxCredentials(sandbox));
	await n8n.importWorkflows(examples.map(({ workflow }) => workflow));
});

afterAll(async () => {
	n8n?.dispose();
	await sandbox?.close();
});

describe('example workflows (docs/examples) in real n8n', () => {
	it('every example has a check, a fixed id of at most 21 characters and only sandbox credentials', () => {
		const ids = new Set<string>();
		for (const { file, workflow } of loadExamples()) {
			expect(CHECKS[file], `${file} has no check in examples.test.mts`).toBeDefined();
			expect(workflow.id.length, file).toBeLessThanOrEqual(21);
			expect(ids.has(workflow.id), `${file}: duplicate id`).toBe(false);
			ids.add(workflow.id);
			for (const node of workflow.nodes) {
				for (const credential of Object.values(node.credentials ?? {}) as Array<{ id: string }>) {
					expect(credential.id, `${file} → ${node.name}`).toMatch(/^sbx/);
				}
			}
		}
	});

	for (const { file, workflow } of examples) {
		it(`${file}: ${workflow.name}`, async () => {
			const spec = CHECKS[file];
			await sandbox.control(spec.vendor).reset();
			await spec.before?.();
			const run = spec.viaWebhook ? await runViaWebhook(workflow.id, spec.viaWebhook) : await n8n.execute(workflow.id);
			expect(run.status, run.logs.slice(-4000)).toBe('success');
			await spec.check(run);
			if (spec.again) {
				const second = await n8n.execute(workflow.id);
				expect(second.status, second.logs.slice(-4000)).toBe('success');
				await spec.again(second);
			}
		});
	}
});
