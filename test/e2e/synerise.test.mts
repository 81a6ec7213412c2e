// Real n8n 2.41.1 against the Synerise sandbox: the bulk Create or Update path with a token that expires
// mid-run, the single-profile life cycle, and the error paths (bad items, a refused key).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Sandbox } from '../../sandbox/index.mts';
import { startSandbox } from '../../sandbox/index.mts';
import { KEYS } from '../../sandbox/synerise.mts';
import { N8n } from './harness.mts';
import { linearWorkflow } from './workflows.mts';

const JWT = { id: 'syneriseJwt', name: 'Synerise JWT' };
const BASIC = { id: 'syneriseBasic', name: 'Synerise Basic' };
const WRONG = { id: 'syneriseWrong', name: 'Synerise wrong key' };
const WRONG_KEY = '0badbad0-0000-4000-8000-00000000dead';

let sandbox: Sandbox;
let n8n: N8n;
const synerise = () => sandbox.vendor('synerise');
const state = () => synerise().module.state() as any;

async function settled(): Promise<any> {
	for (let i = 0; i < 200 && state().pending > 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
	return state();
}

beforeAll(async () => {
	sandbox = await startSandbox({ only: ['synerise'], ports: 'random' });
	n8n = N8n.create();
	const url = synerise().url;
	await n8n.importCredentials([
		{ ...JWT, type: 'syneriseApi', data: { authMethod: 'jwt', apiKey: KEYS.full.apiKey, baseUrl: url, token: '' } },
		{ ...BASIC, type: 'syneriseApi', data: { authMethod: 'basic', apiKey: KEYS.full.apiKey, workspaceGuid: KEYS.full.guid, baseUrl: url } },
		{ ...WRONG, type: 'syneriseApi', data: { authMethod: 'jwt', apiKey: WRONG_KEY, baseUrl: url, token: '' } },
	]);
});

afterAll(async () => {
	n8n?.dispose();
	await sandbox?.close();
});

describe('Synerise in real n8n', () => {
	it('sends 12,000 profiles as 12 batch requests, logging in again when the token expires mid-run', async () => {
		synerise().module.reset();
		// Each batch request takes ~0.65 s, so the 12 of them (two at a time, ~4.5 s) outlive a 2 s token at
		// least once, while a renewed token still has time to spare when its resent request arrives.
		synerise().module.configure({ tokenTtlSeconds: 2, applyDelayMs: 200 });
		synerise().setFaults({ latencyMs: [600, 700], routes: ['/v4/clients/batch'] });
		const workflow = linearWorkflow({
			id: 'synBulk12k',
			inputCode:
				'return Array.from({ length: 12000 }, (_, i) => ({ json: { customId: `bulk-${i}`, email: `user${i}@example.com`, firstName: `User ${i}`, points: i } }));',
			nodes: [{ name: 'Synerise', type: 'synerise', parameters: { resource: 'profile', operation: 'upsert' }, credentials: { syneriseApi: JWT } }],
		});
		const run = await n8n.run(workflow);
		synerise().setFaults({ latencyMs: [0, 0], routes: [] });

		expect(run.status, run.logs).toBe('success');
		const items = run.items('Synerise');
		expect(items).toHaveLength(12_000);
		expect(items.filter((item) => item.json.error)).toHaveLength(0);
		expect(items[11_999].json).toEqual({ accepted: true, status: 'queued', customId: 'bulk-11999', email: 'user11999@example.com' });
		expect(items.every((item, i) => (item.pairedItem as { item: number }).item === i)).toBe(true);

		const final = await settled();
		expect(final.batches.filter((b: any) => b.status === 202).map((b: any) => b.items)).toEqual(Array(12).fill(1000));
		expect(final.batches.every((b: any) => b.bytes <= 1_000_000)).toBe(true);
		expect(final.profiles).toHaveLength(12_000);
		expect(final.profiles.find((p: any) => p.customId === 'bulk-4321')).toMatchObject({ email: 'user4321@example.com', firstName: 'User 4321', attributes: { points: 4321 } });
		expect(final.dropped).toEqual([]);
		// The token expired during the run: calls were refused with 401 and n8n logged in again.
		expect(final.unauthorized).toBeGreaterThan(0);
		expect(final.logins).toBeGreaterThan(1);
		expect(run.logs).not.toContain(KEYS.full.apiKey);
		console.info(
			`synerise e2e bulk: node ${run.executionTime('Synerise')} ms, logins ${final.logins}, 401s ${final.unauthorized}, ` +
				`batch calls ${synerise().stats().byRoute['POST /v4/clients/batch']}`,
		);
	});

	it('create → get by each identifier → update with a null → get many → delete, matching the sandbox at each step', async () => {
		synerise().module.reset();
		synerise().module.configure({ applyDelayMs: 0 });
		const creds = { syneriseApi: BASIC };
		const created = "$('Create').item.json";
		const get = (name: string, identifierType: string, value: string) => ({
			name,
			type: 'synerise',
			credentials: creds,
			parameters: { resource: 'profile', operation: 'get', identifierType, identifierValue: `={{ ${created}.${value} }}` },
		});
		const workflow = linearWorkflow({
			id: 'synLifecycle',
			inputItems: [
				{ email: 'jane@example.com', phone: '+48 111 222 333', customId: 'crm-42', uuid: '07243772-008a-42e1-ba37-c3807cebde8f', city: 'Kraków', tier: 'gold', pets: 2 },
			],
			nodes: [
				{ name: 'Create', type: 'synerise', credentials: creds, parameters: { resource: 'profile', operation: 'create', options: { instant: true } } },
				get('Get By Client ID', 'clientId', 'clientId'),
				get('Get By Email', 'email', 'email'),
				get('Get By Phone', 'phone', 'phone'),
				get('Get By UUID', 'uuid', 'uuid'),
				get('Get By Custom ID', 'customId', 'customId'),
				{
					name: 'Update',
					type: 'synerise',
					credentials: creds,
					parameters: {
						resource: 'profile',
						operation: 'update',
						identifierType: 'customId',
						identifierValue: `={{ ${created}.customId }}`,
						columns: { mappingMode: 'defineBelow', value: { city: 'Gdańsk', firstName: 'Jane' }, matchingColumns: [], schema: [] },
						additionalFields: { customAttributes: '{"tier": null}' },
					},
				},
				{
					name: 'Get Many',
					type: 'synerise',
					credentials: creds,
					parameters: { resource: 'profile', operation: 'getAll', returnAll: true, filters: { email: `={{ ${created}.email }}` } },
				},
				{
					name: 'Delete',
					type: 'synerise',
					credentials: creds,
					parameters: { resource: 'profile', operation: 'delete', identifierType: 'clientId', identifierValue: `={{ ${created}.clientId }}` },
				},
			],
		});
		const run = await n8n.run(workflow);
		expect(run.status, run.logs).toBe('success');

		const [createdProfile] = run.items('Create');
		expect(createdProfile.json).toMatchObject({ email: 'jane@example.com', customId: 'crm-42', city: 'Kraków', attributes: { tier: 'gold', pets: 2 } });
		const clientId = createdProfile.json.clientId;
		const history = state().history;
		// Step 1: the sandbox created exactly what the node returned.
		expect(history[0]).toEqual({ kind: 'create', clientId, profile: createdProfile.json });
		for (const name of ['Get By Client ID', 'Get By Email', 'Get By Phone', 'Get By UUID', 'Get By Custom ID']) {
			expect(run.items(name).map((item) => item.json), name).toEqual([createdProfile.json]);
		}
		const calls = synerise().stats().log.map((entry) => entry.route);
		// Four gets by identifier, and the read-back of the synchronous create.
		expect(calls.filter((call) => call.startsWith('GET /v4/clients/:by'))).toHaveLength(5);

		expect(run.items('Update')[0].json).toEqual({ accepted: true, statusCode: 202, customId: 'crm-42', updatedFields: ['city', 'firstName', 'attributes'] });
		// Step 2: the update changed the mapped fields only, and the null deleted the custom attribute.
		expect(history[1]).toMatchObject({ kind: 'update', clientId, profile: { city: 'Gdańsk', firstName: 'Jane', phone: '+48 111 222 333', attributes: { pets: 2 } } });
		expect(history[1].profile.attributes).not.toHaveProperty('tier');
		// Step 3: Get Many sees the updated profile.
		expect(run.items('Get Many').map((item) => item.json)).toEqual([history[1].profile]);
		// Step 4: deleted.
		expect(run.items('Delete')[0].json).toEqual({ deleted: true, statusCode: 202, clientId: String(clientId) });
		expect(history.map((entry: any) => entry.kind)).toEqual(['create', 'update', 'delete']);
		expect(state().profiles).toEqual([]);
		// Basic authentication: no login at all.
		expect(state().logins).toBe(0);
	});

	it('routes bad items to the error output and reports a refused key without showing it', async () => {
		synerise().module.reset();
		synerise().module.configure({ applyDelayMs: 0 });
		const workflow = linearWorkflow({
			id: 'synErrors',
			inputItems: [{ customId: 'ok-1', birthDate: '1990-05-03' }, { customId: 'bad-1', email: 'nope' }, { customId: 'ok-2', city: '' }],
			nodes: [
				{ name: 'Upsert', type: 'synerise', credentials: { syneriseApi: JWT }, parameters: { resource: 'profile', operation: 'upsert' }, onError: 'continueErrorOutput' },
				{
					name: 'Wrong Key',
					type: 'synerise',
					credentials: { syneriseApi: WRONG },
					parameters: { resource: 'profile', operation: 'get', identifierType: 'customId', identifierValue: 'ok-1' },
					after: { node: 'Input' },
				},
			],
		});
		const run = await n8n.run(workflow);
		expect(run.items('Upsert', 0).map((item) => item.json.customId)).toEqual(['ok-1', 'ok-2']);
		const errors = run.items('Upsert', 1);
		expect(errors).toHaveLength(1);
		expect(errors[0].json.error).toMatch(/^Item 1, field "email": "nope" is not a valid email address/);
		expect(errors[0].pairedItem).toEqual({ item: 1 });
		expect((await settled()).profiles.map((p: any) => p.customId)).toEqual(['ok-1', 'ok-2']);

		const refused = run.nodeError('Wrong Key');
		expect(refused).toBeTruthy();
		expect(JSON.stringify(refused)).toMatch(/Synerise login failed \(HTTP 401\)/);
		expect(run.logs).not.toContain(WRONG_KEY);
		expect(run.logs).not.toContain(KEYS.full.apiKey);
	});

	it('version 2 reports writes as queued; delete by customId finds the other route spelling on a bodiless 404 (#14)', async () => {
		synerise().module.reset();
		// The fake routes only the spelling the node tries second.
		synerise().module.configure({ applyDelayMs: 0, deleteByCustomIdSegment: 'by-custom-id' });
		const workflow = linearWorkflow({
			id: 'synQueuedV2',
			inputItems: [{ customId: 'v2-1', email: 'v2-1@example.com' }, { customId: 'v2-2' }],
			nodes: [
				{ name: 'Upsert', type: 'synerise', typeVersion: 2, credentials: { syneriseApi: JWT }, parameters: { resource: 'profile', operation: 'upsert' } },
				{
					name: 'Delete',
					type: 'synerise',
					typeVersion: 2,
					credentials: { syneriseApi: JWT },
					parameters: { resource: 'profile', operation: 'delete', identifierType: 'customId', identifierValue: '={{ $json.customId }}' },
				},
			],
		});
		const run = await n8n.run(workflow);
		expect(run.status, run.logs).toBe('success');
		expect(run.items('Upsert').map((item) => item.json)).toEqual([
			{ status: 'queued', email: 'v2-1@example.com', customId: 'v2-1' },
			{ status: 'queued', customId: 'v2-2' },
		]);
		expect(run.items('Delete').map((item) => item.json)).toEqual([
			{ status: 'queued', statusCode: 202, customId: 'v2-1' },
			{ status: 'queued', statusCode: 202, customId: 'v2-2' },
		]);
		// One probe of the first spelling, then the other for both items.
		const deletes = synerise().stats().log.filter((entry) => entry.route === 'DELETE /v4/clients/:by/:value').map((entry) => entry.status);
		expect(deletes).toEqual([404, 202, 202]);
		expect((await settled()).profiles).toEqual([]);
	});
});
