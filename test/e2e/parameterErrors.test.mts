// Issue #18.5 in real n8n: an expression that fails for one item (it names a node that does not exist)
// is reported as a parameter error of that item, naming the parameter, on the error output; no request is
// made for that item, and the other items go on. `npm run test:n8n1` runs it on n8n 1.x too, where error
// items reach the error output another way.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Sandbox, VendorName } from '../../sandbox/index.mts';
import { startSandbox } from '../../sandbox/index.mts';
import { sandboxCredentialRef, sandboxCredentials } from '../../sandbox/n8nCredentials.mts';
import { environment, N8n } from './harness.mts';
import { linearWorkflow } from './workflows.mts';

let sandbox: Sandbox;
let n8n: N8n;

/** Resolves normally except for the item whose `n` is 1, where it reads a node that is not in the workflow. */
const failingFor1 = (resolved: string) => `={{ $json.n === 1 ? $('No Such Node').item.json.x : ${resolved} }}`;

const CASES: Array<{ vendor: VendorName; type: string; credential: Parameters<typeof sandboxCredentialRef>[0]; parameter: string; parameters: Record<string, unknown>; items: Array<Record<string, unknown>> }> = [
	{
		vendor: 'talonOne',
		type: 'talonOne',
		credential: 'talonOneCdpApi',
		parameter: 'customerProfileId',
		parameters: { resource: 'customerProfile', operation: 'update', customerProfileId: failingFor1('$json.id'), attributesMode: 'json', attributesJson: '{}' },
		items: [{ n: 0, id: 'param-0' }, { n: 1, id: 'param-1' }, { n: 2, id: 'param-2' }],
	},
	{
		vendor: 'batch',
		type: 'batch',
		credential: 'batchApi',
		parameter: 'customIdField',
		parameters: {
			resource: 'profile',
			operation: 'createOrUpdate',
			customIdField: failingFor1("'custom_id'"),
			attributesToSend: 'allFields',
			options: { onlySendChanges: false },
		},
		items: [{ n: 0, custom_id: 'param-0', plan: 'pro' }, { n: 1, custom_id: 'param-1', plan: 'pro' }, { n: 2, custom_id: 'param-2', plan: 'pro' }],
	},
];

beforeAll(async () => {
	sandbox = await startSandbox({ ports: 'random', timeScale: 0.01 });
	n8n = N8n.create();
	await n8n.importCredentials(sandboxCredentials(sandbox));
	await n8n.importWorkflows(
		CASES.map((c) =>
			linearWorkflow({
				id: `param-${c.vendor}`,
				inputItems: c.items,
				nodes: [
					{ name: 'Vendor', type: c.type, parameters: c.parameters, credentials: sandboxCredentialRef(c.credential), onError: 'continueErrorOutput' },
					{ name: 'Failed', type: 'n8n-nodes-base.noOp', after: { node: 'Vendor', output: 1 } },
				],
			}),
		),
	);
});

afterAll(async () => {
	n8n?.dispose();
	await sandbox?.close();
});

describe('an expression that fails for one item', () => {
	it.each(CASES.map((c) => [c.vendor, c] as const))('%s: is a parameter error of that item, and nothing is sent for it', async (_, c) => {
		const run = await n8n.execute(`param-${c.vendor}`);
		expect(run.status, run.logs.slice(-3000)).toBe('success');
		const failed = run.items('Vendor', 1);
		expect(failed.map((item) => item.pairedItem)).toEqual([{ item: 1 }]);
		expect(String(failed[0].json.error)).toMatch(new RegExp(`^Item 1, parameter "${c.parameter}": `));
		expect(String(failed[0].json.error)).not.toMatch(/request failed/i);
		if (environment().n8nVersion.startsWith('1.')) {
			// n8n 1 routes by the error object and then keeps only the message (docs/errors.md).
			expect(Object.keys(failed[0].json)).toEqual(['error']);
			expect(run.items('Failed')).toHaveLength(1);
		} else {
			// What docs/errors.md says the error output holds: the input item's fields with `error` and `details`.
			expect(failed[0].json).toEqual({
				...c.items[1],
				error: failed[0].json.error,
				details: { itemIndex: 1, field: c.parameter, description: expect.any(String) },
			});
			// And the next node on the error output reads them from $json.
			expect(run.items('Failed').map((item) => item.json.details)).toEqual([failed[0].json.details]);
		}
		expect(run.items('Vendor', 0).map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 2 }]);
		const state = JSON.stringify(await sandbox.control(c.vendor).state());
		expect(state).toContain('param-0');
		expect(state).not.toContain('param-1');
	});
});
