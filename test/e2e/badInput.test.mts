// Bad input in real n8n (issue #9): one workflow per vendor with good and bad items mixed. With "On Error:
// Continue (using error output)", the bad items arrive on the error output (wired to a node of its own),
// each naming its item and field, and the good ones go on; without it the node stops with the first bad
// item's error. Nothing of a bad item reaches the sandbox. The full catalogue runs as unit tests
// (test/unit/reliability/badInput); this is a representative subset of it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Sandbox, VendorName } from '../../sandbox/index.mts';
import { startSandbox } from '../../sandbox/index.mts';
import { sandboxCredentialRef, sandboxCredentials } from '../../sandbox/n8nCredentials.mts';
import { N8n } from './harness.mts';
import { linearWorkflow } from './workflows.mts';

let sandbox: Sandbox;
let n8n: N8n;

interface Bad {
	item: Record<string, unknown>;
	field: string;
	/** Text only this item carries; it must not reach the sandbox. */
	marker: string;
}

interface VendorCase {
	vendor: VendorName;
	type: string;
	credential: Parameters<typeof sandboxCredentialRef>[0];
	parameters: Record<string, unknown>;
	good: Array<Record<string, unknown>>;
	bad: Bad[];
	/** Validation before any request: stopping on a bad item sends nothing at all. */
	sendsNothingOnStop: boolean;
}

const FAST_CRESCENDO = { pollIntervalSeconds: 0.05, maxWaitSeconds: 60, maxRequestsPerMinute: 1500 };

const CASES: VendorCase[] = [
	{
		vendor: 'crescendoLab',
		type: 'crescendoLab',
		credential: 'crescendoLabApi',
		parameters: {
			authentication: 'profileApi',
			resource: 'contact',
			operation: 'import',
			importKey: 'customer_id',
			columns: { mappingMode: 'autoMapInputData', value: null },
			options: FAST_CRESCENDO,
		},
		good: [{ customer_id: 'e2e-0', display_name: 'Ann' }, { customer_id: 'e2e-2', city: 'Taipei' }, { customer_id: 'e2e-5' }],
		bad: [
			{ item: { customer_id: 'e2e-bad-1', display_mobile: 'call me 555' }, field: 'display_mobile', marker: 'call me 555' },
			{ item: { customer_id: 'e2e-bad-2', display_email: 'ann.example.com' }, field: 'display_email', marker: 'ann.example.com' },
			{ item: { customer_id: 'e2e-bad-3', birthday: '17/05/1990' }, field: 'birthday', marker: '17/05/1990' },
		],
		sendsNothingOnStop: true,
	},
	{
		vendor: 'talonOne',
		type: 'talonOne',
		credential: 'talonOneCdpApi',
		parameters: {
			resource: 'customerProfile',
			operation: 'update',
			customerProfileId: '={{ $json.id }}',
			attributesMode: 'json',
			attributesJson: '={{ $json.attrs }}',
		},
		good: [
			{ id: 'e2e-0', attrs: '{"Language": "english"}' },
			{ id: 'e2e-2', attrs: '{"Tier": "gold"}' },
			{ id: 'e2e-5', attrs: '{}' },
		],
		bad: [
			{ item: { id: ' ', attrs: '{"Nickname": "marker-blank-id"}' }, field: 'Customer Profile ID', marker: 'marker-blank-id' },
			{ item: { id: `marker-long-${'i'.repeat(1000)}`, attrs: '{}' }, field: 'Customer Profile ID', marker: 'marker-long-' },
			{ item: { id: 'marker-bad-json', attrs: '{"Language": ' }, field: 'Attributes (JSON)', marker: 'marker-bad-json' },
		],
		sendsNothingOnStop: true,
	},
	{
		vendor: 'synerise',
		type: 'synerise',
		credential: 'syneriseApi',
		parameters: { resource: 'profile', operation: 'upsert', columns: { mappingMode: 'autoMapInputData', value: null } },
		good: [{ customId: 'e2e-0', email: 'ann@example.com' }, { customId: 'e2e-2', city: 'Kraków' }, { customId: 'e2e-5' }],
		bad: [
			{ item: { customId: 'marker-email', email: 'jan@@example.com' }, field: 'email', marker: 'marker-email' },
			{ item: { customId: 'marker-phone', phone: '+48 12x 456 789' }, field: 'phone', marker: 'marker-phone' },
			{ item: { customId: 'marker-reserved', firstname: 'X' }, field: 'attributes.firstname', marker: 'marker-reserved' },
		],
		sendsNothingOnStop: true,
	},
	{
		vendor: 'insider',
		type: 'insider',
		credential: 'insiderApi',
		parameters: { resource: 'user', operation: 'upsert', mappingMode: 'autoMap', options: {} },
		good: [{ uuid: 'e2e-0', name: 'Ann' }, { uuid: 'e2e-2', city: 'Istanbul' }, { uuid: 'e2e-5', age: 40 }],
		bad: [
			{ item: { uuid: 'marker-email', email: 'x@localhost' }, field: 'identifiers.email', marker: 'marker-email' },
			{ item: { uuid: 'marker-age', age: 'thirty' }, field: 'attributes.age', marker: 'marker-age' },
			{ item: { uuid: 'marker-birthday', birthday: '12/03/1993' }, field: 'attributes.birthday', marker: 'marker-birthday' },
		],
		sendsNothingOnStop: true,
	},
	{
		vendor: 'batch',
		type: 'batch',
		credential: 'batchApi',
		parameters: {
			resource: 'profile',
			operation: 'createOrUpdate',
			customIdField: 'custom_id',
			attributesToSend: 'allFields',
			options: { onlySendChanges: false },
		},
		good: [{ custom_id: 'e2e-0', plan: 'pro' }, { custom_id: 'e2e-2', plan: 'free' }, { custom_id: 'e2e-5', score: 3 }],
		bad: [
			{ item: { custom_id: 'marker-email', $email_address: 'ann@localhost' }, field: '$email_address', marker: 'marker-email' },
			{ item: { custom_id: 'marker-name', 'Favourite Colour': 'green' }, field: 'Favourite Colour', marker: 'marker-name' },
			{ item: { custom_id: 'marker-long', bio: 'b'.repeat(301) }, field: 'bio', marker: 'marker-long' },
		],
		sendsNothingOnStop: true,
	},
];

/** Good and bad items interleaved: good, bad, good, bad, bad, good. */
function itemsOf(c: VendorCase): { items: Array<Record<string, unknown>>; badAt: number[] } {
	const items = [c.good[0], c.bad[0].item, c.good[1], c.bad[1].item, c.bad[2].item, c.good[2]];
	return { items, badAt: [1, 3, 4] };
}

function workflowOf(c: VendorCase, id: string, onError?: 'continueErrorOutput') {
	return linearWorkflow({
		id,
		inputItems: itemsOf(c).items,
		nodes: [
			{ name: 'Vendor', type: c.type, parameters: c.parameters, credentials: sandboxCredentialRef(c.credential), ...(onError ? { onError } : {}) },
			...(onError
				? [
						{ name: 'Succeeded', type: 'n8n-nodes-base.noOp', after: { node: 'Vendor', output: 0 } },
						{ name: 'Failed', type: 'n8n-nodes-base.noOp', after: { node: 'Vendor', output: 1 } },
					]
				: []),
		],
	});
}

beforeAll(async () => {
	sandbox = await startSandbox({ ports: 'random', timeScale: 0.01 });
	n8n = N8n.create();
	await n8n.importCredentials(sandboxCredentials(sandbox));
	await n8n.importWorkflows(CASES.flatMap((c) => [workflowOf(c, `bad-${c.vendor}`, 'continueErrorOutput'), workflowOf(c, `stop-${c.vendor}`)]));
});

afterAll(async () => {
	n8n?.dispose();
	await sandbox?.close();
});

describe('bad input in real n8n', () => {
	it.each(CASES.map((c) => [c.vendor, c] as const))('%s: bad items go to the error output naming item and field', async (_, c) => {
		await sandbox.control(c.vendor).reset();
		const run = await n8n.execute(`bad-${c.vendor}`);
		expect(run.status, run.logs.slice(-3000)).toBe('success');
		const { badAt } = itemsOf(c);

		// The node's error output holds the bad items, paired with their inputs; the node wired to it got them.
		const failed = run.items('Vendor', 1);
		expect(failed.map((item) => item.pairedItem)).toEqual(badAt.map((item) => ({ item })));
		expect(run.items('Failed').map((item) => item.json.error)).toEqual(failed.map((item) => item.json.error));
		failed.forEach((item, position) => {
			const message = String(item.json.error);
			expect(message).toMatch(new RegExp(`^Item ${badAt[position]}, field "`));
			expect(message).toContain(c.bad[position].field);
		});
		const succeeded = run.items('Vendor', 0);
		expect(succeeded.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 2 }, { item: 5 }]);
		expect(succeeded.every((item) => item.json.error === undefined)).toBe(true);
		expect(run.items('Succeeded')).toHaveLength(3);

		const stats = await sandbox.control(c.vendor).stats();
		expect(stats.requests, 'the good items reached the sandbox').toBeGreaterThan(0);
		const state = JSON.stringify(await sandbox.control(c.vendor).state());
		for (const bad of c.bad) expect(state, `${bad.marker} never reached ${c.vendor}`).not.toContain(bad.marker);
		console.log(`[bad input e2e] ${c.vendor}: ${failed.length} error items, ${stats.requests} vendor requests, node ${run.executionTime('Vendor')} ms`);
	});

	it.each(CASES.map((c) => [c.vendor, c] as const))('%s: without the error output the node stops with the first bad item', async (_, c) => {
		await sandbox.control(c.vendor).reset();
		const run = await n8n.execute(`stop-${c.vendor}`);
		expect(run.status).toBe('error');
		const error = run.nodeError('Vendor');
		expect(String(error?.message)).toMatch(/^Item 1, field "/);
		expect(String(error?.message)).toContain(c.bad[0].field);
		if (c.sendsNothingOnStop) expect((await sandbox.control(c.vendor).stats()).requests, 'nothing was sent').toBe(0);
	});
});
