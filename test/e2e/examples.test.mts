// Runs every example workflow of docs/examples/ in real n8n against the sandbox, exactly as a newcomer
// imports it (same ids, same sandbox credential ids), and checks what each one did to the vendor's store.
// CP_EXAMPLES_SMOKE=1 (the n8n 1.x smoke set, `npm run test:n8n1`) runs one example per vendor.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { sandboxCredentials } from '../sandbox/n8nCredentials.mts';
import type { Sandbox, VendorName } from '../sandbox/index.mts';
import { startSandbox } from '../sandbox/index.mts';
import type { N8nRun } from './harness.mts';
import { loadExamples } from './examples.mts';
import { N8n } from './harness.mts';

let sandbox: Sandbox;
let n8n: N8n;

async function sandboxGet(vendor: VendorName, path: string): Promise<any> {
	return await (await fetch(`${sandbox.vendor(vendor).url}${path}`)).json();
}

async function reset(vendor: VendorName): Promise<void> {
	await fetch(`${sandbox.vendor(vendor).url}/__sandbox/reset`, { method: 'POST' });
}

interface ExampleCheck {
	vendor: VendorName;
	/** Part of the n8n 1.x smoke set (one per vendor). */
	smoke?: boolean;
	/** Prepares the sandbox before the run (after a reset). */
	before?: () => Promise<void>;
	check: (run: N8nRun) => Promise<void>;
}

const CHECKS: Record<string, ExampleCheck> = {
	'talon-one-signup-webhook.json': {
		vendor: 'talonOne',
		smoke: true,
		check: async (run) => {
			expect(run.items('Create or Update Profile')).toHaveLength(1);
			const state = await sandboxGet('talonOne', '/__sandbox/state');
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
			const state = await sandboxGet('talonOne', '/__sandbox/state');
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
			const state = await sandboxGet('crescendoLab', '/__sandbox/state');
			expect(state.contacts.map((contact: any) => contact.customer_id)).toEqual(['crm-2001', 'crm-2002', 'crm-2003', 'crm-2004']);
			expect(state.contacts[1]).toMatchObject({ display_name: 'Yamada, Taro', tags: ['csv-import'] });
			expect(state.tasks).toHaveLength(1);
		},
	},
};

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
			await reset(spec.vendor);
			await spec.before?.();
			const run = await n8n.execute(workflow.id);
			expect(run.status, run.logs.slice(-4000)).toBe('success');
			await spec.check(run);
		});
	}
});
