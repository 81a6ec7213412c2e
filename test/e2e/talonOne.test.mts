// Real-n8n runs of the Talon.One node against the sandbox fake (issue #4 "Done when").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Sandbox } from '../../sandbox/index.mts';
import { startSandbox } from '../../sandbox/index.mts';
import { DEPLOYMENT } from '../../sandbox/talonOne.mts';
import { N8n } from './harness.mts';
import { linearWorkflow } from './workflows.mts';

const CREDENTIAL = { id: 'talonSandboxCred01', name: 'Talon.One sandbox' };
const credentials = { talonOneCdpApi: CREDENTIAL };

let sandbox: Sandbox;
let n8n: N8n;

const talonOne = () => sandbox.control('talonOne');

/** Creates audiences straight at the sandbox (as another CDP would), returning their numeric IDs. */
async function seedAudiences(ids: string[]): Promise<number[]> {
	const creds = sandbox.credentials.talonOne as Record<string, string>;
	const numeric: number[] = [];
	for (const audienceId of ids) {
		const response = await fetch(`${sandbox.vendor('talonOne').url}/cdp/audiences`, {
			method: 'POST',
			headers: {
				authorization: `ApiKey-v1 ${creds.apiKey}`,
				'destination-hostname': creds.deploymentHostname,
				'customer-data-platform-name': creds.platformName,
				'content-type': 'application/json',
			},
			body: JSON.stringify({ audienceId, audienceName: `Audience ${audienceId}` }),
		});
		expect(response.status).toBe(201);
		numeric.push(((await response.json()) as { id: number }).id);
	}
	return numeric;
}

/** Deterministic pseudo-random numbers, so a failing run can be replayed. */
function random(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = Math.imul(a ^ (a >>> 15), a | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

beforeAll(async () => {
	sandbox = await startSandbox({ only: ['talonOne'], ports: 'random' });
	n8n = N8n.create();
	await n8n.importCredentials([
		{
			...CREDENTIAL,
			type: 'talonOneCdpApi',
			data: { ...sandbox.credentials.talonOne, baseUrl: sandbox.vendor('talonOne').url },
		},
	]);
});

afterAll(async () => {
	n8n?.dispose();
	await sandbox?.close();
});

describe('Talon.One in real n8n', () => {
	it('creates, returns existing, updates, refuses a duplicate and deletes an audience', async () => {
		await talonOne().reset();
		const audience = (operation: string, extra: Record<string, unknown> = {}) => ({
			type: 'talonOne',
			credentials,
			parameters: {
				resource: 'audience',
				operation,
				audienceId: "={{ $('Input').item.json.id }}",
				...extra,
			},
		});
		const workflow = linearWorkflow({
			id: 'talonAudienceLife',
			inputItems: [{ id: 'travel-18-27', name: 'Travel 18-27' }],
			nodes: [
				{ name: 'Create', ...audience('create', { audienceName: '={{ $json.name }}' }) },
				{
					name: 'Create Existing',
					...audience('create', { audienceName: 'Travel (again)', options: { returnExisting: true } }),
				},
				{ name: 'Update', ...audience('update', { audienceName: 'Travel renamed' }) },
				{
					name: 'Create Duplicate',
					...audience('create', { audienceName: 'Travel duplicate' }),
					onError: 'continueErrorOutput',
				},
				{ name: 'Delete', ...audience('delete'), after: { node: 'Create Duplicate', output: 1 } },
			],
		});
		const run = await n8n.run(workflow);
		expect(run.status, run.logs).toBe('success');

		const [created] = run.items('Create');
		expect(created.json).toMatchObject({
			name: 'Travel 18-27',
			integrationId: 'travel-18-27',
			integration: 'n8n sandbox',
			alreadyExisted: false,
		});
		expect(created.json.id).toBeGreaterThanOrEqual(1);
		const [existing] = run.items('Create Existing');
		expect(existing.json).toMatchObject({ id: created.json.id, integrationId: 'travel-18-27', alreadyExisted: true });
		expect(run.items('Update')[0].json).toMatchObject({ id: created.json.id, name: 'Travel renamed' });

		expect(run.items('Create Duplicate', 0)).toHaveLength(0);
		const [duplicate] = run.items('Create Duplicate', 1);
		expect(duplicate.json.error).toContain('the audience "travel-18-27" already exists');
		expect(duplicate.pairedItem).toEqual({ item: 0 });

		expect(run.items('Delete')[0].json).toEqual({ audienceId: 'travel-18-27', deleted: true });
		const state = await talonOne().state();
		expect(state.deployments[DEPLOYMENT].audiences).toEqual([]);
		const stats = await talonOne().stats();
		expect(stats.byRoute).toEqual({
			'POST /cdp/audiences': 3,
			'PUT /cdp/audiences/:audienceId': 2,
			'DELETE /cdp/audiences/:audienceId': 1,
		});
		expect(run.logs).not.toContain(sandbox.credentials.talonOne!.apiKey as string);
	});

	it('packs 5,000 items of audience changes over 20 audiences into the fewest requests, exactly applied', async () => {
		await talonOne().reset();
		const audiences = await seedAudiences(Array.from({ length: 20 }, (_, i) => `aud-${i + 1}`));
		const next = random(4);
		const pick = () => audiences[Math.floor(next() * audiences.length)];
		// 1,500 profiles over 5,000 items, so many profiles change in several items and order matters.
		// Every item carries 4 changes (4 divides 1,000), so packing in order can fill each request.
		const items = Array.from({ length: 5000 }, (_, i) => {
			const addCount = Math.floor(next() * 5);
			return {
				profileId: `profile-${Math.floor(next() * 1500)}`,
				adds: Array.from({ length: addCount }, pick),
				deletes: Array.from({ length: 4 - addCount }, pick),
				row: i,
			};
		});
		const expected = new Map<string, Set<number>>();
		for (const item of items) {
			const set = expected.get(item.profileId) ?? new Set<number>();
			for (const id of item.adds) set.add(id);
			for (const id of item.deletes) set.delete(id);
			expected.set(item.profileId, set);
		}
		const totalChanges = items.reduce((sum, item) => sum + item.adds.length + item.deletes.length, 0);
		const minimumRequests = Math.ceil(totalChanges / 1000);

		// 5xx faults on the membership route: the engine retries them and the end state must still be exact.
		await talonOne().configure({ faults: { error5xxRate: 0.15, routes: ['customer_profiles/audiences'], seed: 11 } });
		const workflow = linearWorkflow({
			id: 'talonAudience5000',
			inputItems: items,
			nodes: [
				{
					name: 'Update Audiences',
					type: 'talonOne',
					credentials,
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
		let run;
		try {
			run = await n8n.run(workflow);
		} finally {
			await talonOne().configure({ faults: { error5xxRate: 0, routes: [] } });
		}
		expect(run.status, run.logs.slice(-3000)).toBe('success');

		const output = run.items('Update Audiences');
		expect(output).toHaveLength(items.length);
		output.forEach((item, index) => {
			expect(item.pairedItem).toEqual({ item: index });
			expect(item.json.customerProfileId).toBe(items[index].profileId);
			expect(item.json.changes).toBe(4);
			expect(item.json.requests).toHaveLength(1);
		});

		const state = await talonOne().state();
		const profiles = state.deployments[DEPLOYMENT].profiles as Array<{ integrationId: string; audienceMemberships: Array<{ id: number }> }>;
		expect(profiles).toHaveLength(expected.size);
		for (const profile of profiles) {
			const want = [...(expected.get(profile.integrationId) ?? [])].sort((a, b) => a - b);
			expect(profile.audienceMemberships.map((membership) => membership.id)).toEqual(want);
		}
		const applied = state.membershipRequests as Array<{ changes: number }>;
		expect(applied).toHaveLength(minimumRequests);
		expect(applied.every((request) => request.changes <= 1000)).toBe(true);
		expect(applied.reduce((sum, request) => sum + request.changes, 0)).toBe(totalChanges);
		const stats = await talonOne().stats();
		const injected = stats.injected.error5xx as number;
		expect(injected).toBeGreaterThan(0);
		expect(stats.byRoute['PUT /cdp/customer_profiles/audiences']).toBe(minimumRequests + injected);
		console.info(
			`5,000 items: ${totalChanges} changes in ${minimumRequests} requests (+${injected} retried 5xx), node time ${run.executionTime('Update Audiences')} ms`,
		);
	});

	it('updates profiles: attributes with a null, audience changes, a bad item on the error output', async () => {
		await talonOne().reset();
		const [vip, newsletter] = await seedAudiences(['vip', 'newsletter']);
		const workflow = linearWorkflow({
			id: 'talonProfileUpdate',
			inputItems: [
				{ customerId: 'c-1', Language: 'english', Nickname: 'Bo', Tier: 'gold', adds: [vip, newsletter] },
				{ customerId: 'c-2', Language: 'german', Nickname: null, Tier: '  ', Unknown: 'dropped', adds: [newsletter] },
				{ customerId: 'c-3', Language: 'dutch', adds: ['not-an-id'] },
			],
			nodes: [
				{
					name: 'Map Automatically',
					type: 'talonOne',
					credentials,
					onError: 'continueErrorOutput',
					parameters: {
						resource: 'customerProfile',
						operation: 'update',
						customerProfileId: '={{ $json.customerId }}',
						attributesMode: 'autoMapInputData',
						excludeFields: 'customerId, adds',
						audiencesToAdd: '={{ $json.adds }}',
						options: { skipNonExistingAttributes: true, emptyValues: 'skip' },
					},
				},
				{
					name: 'Define Below',
					type: 'talonOne',
					credentials,
					parameters: {
						resource: 'customerProfile',
						operation: 'update',
						customerProfileId: "={{ $('Input').item.json.customerId }}",
						attributesMode: 'defineBelow',
						attributeValues: { attribute: [{ name: 'ShippingCountry', value: 'DE' }] },
						deleteAttributes: 'Nickname',
						audiencesToRemove: `${vip}`,
					},
				},
			],
		});
		const run = await n8n.run(workflow);
		expect(run.status, run.logs.slice(-3000)).toBe('success');

		const first = run.items('Map Automatically');
		expect(first).toHaveLength(2);
		expect(first[0].json.customerProfile).toMatchObject({
			integrationId: 'c-1',
			attributes: { Language: 'english', Nickname: 'Bo', Tier: 'gold' },
		});
		expect(first[0].json.effects).toEqual([]);
		expect(first[1].json.customerProfile.attributes).toEqual({ Language: 'german' });
		const [bad] = run.items('Map Automatically', 1);
		expect(bad.pairedItem).toEqual({ item: 2 });
		expect(bad.json.error).toContain('Item 2, field "Audience IDs to Add"');

		const second = run.items('Define Below');
		expect(second.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(second[0].json.customerProfile.attributes).toEqual({ Language: 'english', Tier: 'gold', ShippingCountry: 'DE' });

		const state = await talonOne().state();
		const profiles = Object.fromEntries(
			(state.deployments[DEPLOYMENT].profiles as any[]).map((profile) => [profile.integrationId, profile]),
		);
		expect(Object.keys(profiles).sort()).toEqual(['c-1', 'c-2']);
		expect(profiles['c-1'].attributes).toEqual({ Language: 'english', Tier: 'gold', ShippingCountry: 'DE' });
		expect(profiles['c-1'].audienceMemberships.map((m: { id: number }) => m.id)).toEqual([newsletter]);
		expect(profiles['c-2'].attributes).toEqual({ Language: 'german', ShippingCountry: 'DE' });
		expect(profiles['c-2'].audienceMemberships.map((m: { id: number }) => m.id)).toEqual([newsletter]);
		// Audience changes force the rule engine on, even though the node left runRuleEngine off.
		const byProfile = (a: { customerProfileId: string }, b: { customerProfileId: string }) =>
			a.customerProfileId.localeCompare(b.customerProfileId);
		expect([...state.ruleEngine].sort(byProfile)).toEqual([
			{ customerProfileId: 'c-1', requested: false, ran: true },
			{ customerProfileId: 'c-1', requested: false, ran: true },
			{ customerProfileId: 'c-2', requested: false, ran: true },
			{ customerProfileId: 'c-2', requested: false, ran: true },
		]);
	});

	it('Create or Update without Continue On Fail: stops at the first failed item and says how many were applied (#18.2)', async () => {
		await talonOne().reset();
		// Each profile update takes a while at the fake, so several are in flight when item 2 is refused.
		await talonOne().configure({ knobs: { profileLatencyMs: 40 } });
		try {
			const workflow = linearWorkflow({
				id: 'talonStopsAtFirstFailure',
				// Item 2 sets an attribute the Campaign Manager does not define: Talon.One answers 400.
				inputCode: `return Array.from({ length: 300 }, (_, i) => ({ json: i === 2
					? { id: 'p-' + i, Language: 'english', NotDefinedAnywhere: 1 }
					: { id: 'p-' + i, Language: 'english' } }));`,
				nodes: [
					{
						name: 'Talon.One',
						type: 'talonOne',
						credentials,
						parameters: {
							resource: 'customerProfile',
							operation: 'update',
							customerProfileId: '={{ $json.id }}',
							attributesMode: 'autoMapInputData',
							excludeFields: 'id',
							options: { runRuleEngine: true },
						},
					},
				],
			});
			const run = await n8n.run(workflow);
			expect(run.status).toBe('error');
			const state = await talonOne().state();
			const written = (state.deployments[DEPLOYMENT]?.profiles ?? []) as Array<{ integrationId: string }>;
			// At most the items before the failure and the requests already in flight were applied (4 at a time).
			expect(written.length).toBeLessThanOrEqual(2 + 4);
			expect(written.map((profile) => profile.integrationId)).not.toContain('p-2');
			// With Run Rule Engine on, effects ran only for the applied profiles.
			expect(state.ruleEngine).toHaveLength(written.length);
			const error = run.nodeError('Talon.One');
			const text = `${error?.message ?? ''} ${error?.description ?? ''}`;
			expect(text).toContain('Item 2');
			// The error says how many items were applied, and which.
			expect(text).toMatch(new RegExp(`\\b${written.length}\\b[^.]*applied|applied[^.]*\\b${written.length}\\b`));
			for (const profile of written) expect(text).toContain(String(Number(profile.integrationId.slice(2))));
		} finally {
			await talonOne().configure({ knobs: { profileLatencyMs: 0 } });
		}
	});

	it('Update Audiences: only the rows naming an unknown audience fail, with its ID (#18.3)', async () => {
		await talonOne().reset();
		const known = await seedAudiences(Array.from({ length: 20 }, (_, i) => `known-${i}`));
		const workflow = linearWorkflow({
			id: 'talonUnknownAudiences',
			// 2,500 rows; every 100th (from row 37) also names one of 25 audience IDs Talon.One does not know.
			inputCode: `const known = ${JSON.stringify(known)};
				return Array.from({ length: 2500 }, (_, i) => ({ json: { id: 'u' + i,
					adds: i % 100 === 37 ? [known[i % 20], 5000 + Math.floor(i / 100)] : [known[i % 20], known[(i + 7) % 20]] } }));`,
			nodes: [
				{
					name: 'Update Audiences',
					type: 'talonOne',
					credentials,
					onError: 'continueErrorOutput',
					parameters: {
						resource: 'customerProfile',
						operation: 'updateAudiences',
						audienceIdType: 'internal',
						customerProfileId: '={{ $json.id }}',
						audiencesToAdd: '={{ $json.adds }}',
						audiencesToRemove: '',
					},
				},
			],
		});
		const run = await n8n.run(workflow);
		expect(run.status, run.logs.slice(-3000)).toBe('success');
		expect(run.items('Update Audiences')).toHaveLength(2475);
		const failed = run.items('Update Audiences', 1);
		expect(failed.map((item) => item.pairedItem)).toEqual(Array.from({ length: 25 }, (_, k) => ({ item: k * 100 + 37 })));
		failed.forEach((item, k) => expect(item.json.error).toContain(`does not know the audience ${5000 + k}`));
		const stats = await talonOne().stats();
		// 5,000 changes need 5 requests; the search costs a few per unknown audience.
		expect(stats.byRoute['PUT /cdp/customer_profiles/audiences']).toBeLessThan(5 + 25 * 8);
	});
});

