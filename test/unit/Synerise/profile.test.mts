import type { IDataObject } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';

import { LIST_WINDOW } from '../../../nodes/Synerise/transport';
import { autoMapped, runNode, syneriseContext } from './context.mts';
import { useSynerise } from './sandbox.mts';

const { vendor, state, jwt: credential } = await useSynerise();

const paths = (run: ReturnType<typeof syneriseContext>) =>
	run.ctx.calls.filter((call) => !call.url.includes('/login/')).map((call) => `${call.method} ${new URL(call.url).pathname}${new URL(call.url).search}`);

async function seed(profiles: IDataObject[]) {
	const run = syneriseContext({ credential: credential(), items: profiles, params: autoMapped('upsert') });
	await runNode(run);
	return state().profiles as Array<Record<string, any>>;
}

describe('Synerise profile operations', () => {
	it('Create queues the profile (202) and answers per item', async () => {
		const run = syneriseContext({
			credential: credential(),
			items: [{ email: 'jane@example.com', firstName: 'Jane', loyaltyTier: 'gold' }],
			params: autoMapped('create'),
		});
		const [item] = await runNode(run);
		expect(item.json).toEqual({ accepted: true, statusCode: 202, email: 'jane@example.com' });
		expect(run.ctx.calls.at(-1)).toMatchObject({
			method: 'POST',
			body: { email: 'jane@example.com', firstName: 'Jane', attributes: { loyaltyTier: 'gold' } },
			headers: { 'api-version': '4.4', 'content-type': 'application/json' },
		});
		expect(run.ctx.calls.at(-1)!.headers.authorization).toMatch(/^Bearer /);
		expect(state().profiles[0]).toMatchObject({ email: 'jane@example.com', attributes: { loyaltyTier: 'gold' } });
	});

	it('Create Synchronously uses the instant route and returns the stored profile', async () => {
		vendor.module.configure({ applyDelayMs: 60_000 });
		const run = syneriseContext({
			credential: credential(),
			items: [{ phone: '+48 111 222 333', city: 'Warsaw' }],
			params: autoMapped('create', { options: { instant: true } }),
		});
		const [item] = await runNode(run);
		expect(paths(run)).toEqual(['POST /v4/clients/instant', 'GET /v4/clients/by-phone/%2B48%20111%20222%20333']);
		expect(item.json).toMatchObject({ phone: '+48 111 222 333', city: 'Warsaw', clientId: expect.any(Number), anonymous: false });
	});

	it('Get reads a profile by each identifier through its own route', async () => {
		const [stored] = await seed([{ email: 'a+b@example.com', phone: '+48600700800', customId: 'crm-42', uuid: '07243772-008a-42e1-ba37-c3807cebde8f' }]);
		const cases: Array<[string, string, string]> = [
			['clientId', String(stored.clientId), `/v4/clients/${stored.clientId}`],
			['email', 'a+b@example.com', '/v4/clients/by-email/a%2Bb%40example.com'],
			['phone', '+48600700800', '/v4/clients/by-phone/%2B48600700800'],
			['uuid', '07243772-008a-42e1-ba37-c3807cebde8f', '/v4/clients/by-uuid/07243772-008a-42e1-ba37-c3807cebde8f'],
			['customId', 'crm-42', '/v4/clients/by-customId/crm-42'],
		];
		const run = syneriseContext({
			credential: credential(),
			items: cases.map(([type, value]) => ({ type, value })),
			params: (name, i) =>
				({ resource: 'profile', operation: 'get', identifierType: cases[i][0], identifierValue: cases[i][1] })[name],
		});
		const out = await runNode(run);
		expect(paths(run)).toEqual(cases.map(([, , path]) => `GET ${path}`));
		expect(out.map((item) => item.json.clientId)).toEqual(cases.map(() => stored.clientId));
	});

	it('Get of a missing profile is an error item; a bad client ID fails before any call', async () => {
		const run = syneriseContext({
			credential: credential(),
			items: [{}, {}],
			params: (name, i) => ({ resource: 'profile', operation: 'get', identifierType: i === 0 ? 'email' : 'clientId', identifierValue: i === 0 ? 'nobody@example.com' : 'abc' })[name],
			continueOnFail: true,
		});
		const out = await runNode(run);
		expect(out[0].json).toMatchObject({
			error: 'Item 0: The get request failed. The service answered 404: Client not found',
			details: { httpCode: '404' },
		});
		expect(out[1].json.error).toBe('Item 1, field "clientId": "abc" is not a numeric client ID');
		expect(paths(run)).toEqual(['GET /v4/clients/by-email/nobody%40example.com']);
	});

	it('Update sends only the mapped fields, and null deletes a custom attribute', async () => {
		const [stored] = await seed([{ customId: 'u1', email: 'u1@example.com', city: 'Kraków', attributes: { tier: 'gold', pets: 2 } }]);
		const byType: Array<[string, string, string]> = [
			['customId', 'u1', '/v4/clients/by-customid/u1'],
			['email', 'u1@example.com', '/v4/clients/by-email/u1%40example.com'],
			['clientId', String(stored.clientId), `/v4/clients/${stored.clientId}`],
		];
		const run = syneriseContext({
			credential: credential(),
			items: [{}, {}, {}],
			params: (name, i) =>
				({
					resource: 'profile',
					operation: 'update',
					identifierType: byType[i][0],
					identifierValue: byType[i][1],
					'columns.mappingMode': 'defineBelow',
					'columns.value': [{ firstName: 'Ula' }, { lastName: 'Nowak', city: '' }, { zipCode: '00-001' }][i],
					additionalFields: i === 0 ? { customAttributes: '{"tier": null}' } : {},
					options: {},
				})[name],
		});
		const out = await runNode(run);
		expect(paths(run)).toEqual(byType.map(([, , path]) => `POST ${path}`));
		expect(run.ctx.calls.filter((c) => c.method === 'POST' && !c.url.includes('/login/')).map((c) => c.body)).toEqual([
			{ firstName: 'Ula', attributes: { tier: null } },
			{ lastName: 'Nowak' },
			{ zipCode: '00-001' },
		]);
		expect(out[0].json).toEqual({ accepted: true, statusCode: 202, customId: 'u1', updatedFields: ['firstName', 'attributes'] });
		expect(state().profiles[0]).toMatchObject({ firstName: 'Ula', lastName: 'Nowak', city: 'Kraków', zipCode: '00-001', attributes: { pets: 2 } });
	});

	it('Update with nothing mapped, or of an unknown profile, is an error naming the item', async () => {
		const run = syneriseContext({
			credential: credential(),
			items: [{}, {}],
			params: (name, i) =>
				({
					resource: 'profile',
					operation: 'update',
					identifierType: 'customId',
					identifierValue: 'ghost',
					'columns.mappingMode': 'defineBelow',
					'columns.value': i === 0 ? { city: '' } : { city: 'Gdańsk' },
					options: {},
				})[name],
			continueOnFail: true,
		});
		const out = await runNode(run);
		expect(out[0].json.error).toBe('Item 0, field "Profile Fields": nothing to update: map at least one field');
		expect(out[1].json.error).toBe('Item 1: The update request failed. The service answered 404: Client not found');
	});

	it('Get Many pages 100 at a time until a short page, passing filters and sort', async () => {
		await seed(Array.from({ length: 250 }, (_, i) => ({ customId: `g${i}`, lastName: i % 2 ? 'Odd' : 'Even' })));
		const run = syneriseContext({
			credential: credential(),
			params: { resource: 'profile', operation: 'getAll', returnAll: true, filters: { lastName: 'Even', email: '' }, options: { sortBy: 'lastName', sortOrder: 'DESC' } },
		});
		const out = await runNode(run);
		expect(out).toHaveLength(125);
		expect(paths(run)).toEqual([
			'GET /v4/clients?filters%5BlastName%5D=Even&sortBy=lastName&sortOrder=DESC&pageIndex=1&pageSize=100',
			'GET /v4/clients?filters%5BlastName%5D=Even&sortBy=lastName&sortOrder=DESC&pageIndex=2&pageSize=100',
		]);
		expect(out.every((item) => item.json.lastName === 'Even' && (item.pairedItem as { item: number }).item === 0)).toBe(true);

		const limited = syneriseContext({ credential: credential(), params: { resource: 'profile', operation: 'getAll', returnAll: false, limit: 30 } });
		expect(await runNode(limited)).toHaveLength(30);
		expect(paths(limited)).toEqual(['GET /v4/clients?pageIndex=1&pageSize=30']);
	});

	it(`Get Many stops at the ${LIST_WINDOW}-profile list window and says so`, async () => {
		await seed(Array.from({ length: LIST_WINDOW + 50 }, (_, i) => ({ customId: `w${i}` })));
		const run = syneriseContext({ credential: credential(), params: { resource: 'profile', operation: 'getAll', returnAll: true } });
		const out = await runNode(run);
		expect(out).toHaveLength(LIST_WINDOW);
		expect(paths(run)).toHaveLength(LIST_WINDOW / 100);
		expect(paths(run).at(-1)).toBe('GET /v4/clients?pageIndex=100&pageSize=100');
		expect(run.hints).toEqual([expect.objectContaining({ message: expect.stringContaining('at most 10000 profiles per query') })]);
		// The sandbox refuses a page beyond the window, so the node must not ask for one.
		expect(vendor.stats().byStatus['400']).toBeUndefined();
	});

	it('Delete by client ID and by custom ID', async () => {
		const stored = await seed([{ customId: 'd1' }, { customId: 'd2' }]);
		const run = syneriseContext({
			credential: credential(),
			items: [{}, {}],
			params: (name, i) =>
				({ resource: 'profile', operation: 'delete', identifierType: i === 0 ? 'clientId' : 'customId', identifierValue: i === 0 ? String(stored[0].clientId) : 'd2' })[name],
		});
		const out = await runNode(run);
		expect(paths(run)).toEqual([`DELETE /v4/clients/${stored[0].clientId}`, 'DELETE /v4/clients/by-customid/d2']);
		expect(out.map((item) => item.json)).toEqual([
			{ deleted: true, statusCode: 202, clientId: String(stored[0].clientId) },
			{ deleted: true, statusCode: 202, customId: 'd2' },
		]);
		expect(state().profiles).toEqual([]);
	});
});
