// Defects of #14 (Synerise): the delete route's two spellings, the inferred get routes and a phone lookup
// that matches several profiles, writes reported as queued (node version 2), and trimmed list filters.
import type { IDataObject, INodeProperties, INodePropertyOptions } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';

import { SyneriseApi } from '../../../credentials/SyneriseApi.credentials';
import { DELETE_BY_CUSTOM_ID_SEGMENT, GET_BY_CUSTOM_ID_SEGMENT } from '../../../nodes/Synerise/transport';
import { Synerise } from '../../../nodes/Synerise/Synerise.node';
import { autoMapped, runNode, syneriseContext } from './context.mts';
import { useSynerise } from './sandbox.mts';

const { vendor, state, jwt: credential } = await useSynerise();

const paths = (run: ReturnType<typeof syneriseContext>) =>
	run.ctx.calls.filter((call) => !call.url.includes('/login/')).map((call) => `${call.method} ${new URL(call.url).pathname}`);

async function seed(profiles: IDataObject[]) {
	await runNode(syneriseContext({ credential: credential(), items: profiles, params: autoMapped('upsert') }));
	return state().profiles as Array<Record<string, any>>;
}

const deleteParams = (values: string[]) => (name: string, i: number) =>
	({ resource: 'profile', operation: 'delete', identifierType: 'customId', identifierValue: values[i] })[name];

describe('Synerise delete by customId: two spellings (#14)', () => {
	it('the fake routes the node constant by default and answers the other spelling 404 with no body', async () => {
		expect(DELETE_BY_CUSTOM_ID_SEGMENT).toBe('by-customid');
		expect(vendor.module.configure({}).deleteByCustomIdSegment).toBe(DELETE_BY_CUSTOM_ID_SEGMENT);
		expect(vendor.module.configure({}).getByCustomIdSegment).toBe(GET_BY_CUSTOM_ID_SEGMENT);
		await seed([{ customId: 'd1' }]);
		const run = syneriseContext({ credential: credential(), items: [{}], params: deleteParams(['d1']) });
		const out = await runNode(run);
		expect(paths(run)).toEqual(['DELETE /v4/clients/by-customid/d1']);
		expect(out[0].json).toEqual({ deleted: true, statusCode: 202, customId: 'd1' });
	});

	it('on a 404 without a body tries the other spelling once and keeps it for the rest of the execution', async () => {
		vendor.module.configure({ deleteByCustomIdSegment: 'by-custom-id' });
		await seed([{ customId: 'd1' }, { customId: 'd2' }, { customId: 'd3' }]);
		const run = syneriseContext({ credential: credential(), items: [{}, {}, {}], params: deleteParams(['d1', 'd2', 'd3']) });
		const out = await runNode(run);
		expect(out.map((item) => item.json)).toEqual(['d1', 'd2', 'd3'].map((customId) => ({ deleted: true, statusCode: 202, customId })));
		expect(paths(run)).toEqual([
			'DELETE /v4/clients/by-customid/d1',
			'DELETE /v4/clients/by-custom-id/d1',
			'DELETE /v4/clients/by-custom-id/d2',
			'DELETE /v4/clients/by-custom-id/d3',
		]);
		expect(state().profiles).toEqual([]);
	});

	it('when neither spelling is routed, the item fails naming both routes', async () => {
		vendor.module.configure({ deleteByCustomIdSegment: 'by-customId' });
		const run = syneriseContext({ credential: credential(), items: [{}, {}], params: deleteParams(['d1', 'd2']), continueOnFail: true });
		const out = await runNode(run);
		expect(out.map((item) => item.json.error)).toEqual(
			[0, 1].map(
				(i) =>
					`Item ${i}: The delete request failed. The service answered 404 without a body on both delete routes, /v4/clients/by-customid/… and /v4/clients/by-custom-id/…`,
			),
		);
	});

	it('a 404 with the error object (profile not found) is an error item, without trying the other spelling', async () => {
		const run = syneriseContext({ credential: credential(), items: [{}], params: deleteParams(['nobody']), continueOnFail: true });
		const out = await runNode(run);
		expect(paths(run)).toEqual(['DELETE /v4/clients/by-customid/nobody']);
		expect(out[0].json).toMatchObject({
			error: 'Item 0: The delete request failed. The service answered 404: Client not found',
			details: { httpCode: '404' },
		});
	});
});

describe('Synerise get by phone and customId: inferred routes, a phone may match several profiles (#14)', () => {
	it('says in the UI that both routes are inferred and that a phone lookup may match several profiles', () => {
		const properties = new Synerise().description.properties;
		const getBy = properties.find((p) => p.name === 'identifierType' && p.displayOptions?.show?.operation?.includes('get')) as INodeProperties;
		const option = (value: string) => (getBy.options as INodePropertyOptions[]).find((o) => o.value === value)!;
		expect(option('phone').description).toMatch(/inferred/);
		expect(option('phone').description).toMatch(/several profiles/);
		expect(option('customId').description).toMatch(/inferred/);
		const notice = properties.find((p) => p.name === 'inferredRouteNotice')!;
		expect(notice.displayOptions?.show).toMatchObject({ operation: ['get'], identifierType: ['phone', 'customId'] });
	});

	it('turns a list answer into one item per profile, each paired with its input item', async () => {
		vendor.module.configure({ phoneLookup: 'list' });
		const stored = await seed([{ customId: 'p1', phone: '+48600700800' }, { customId: 'p2' }, { customId: 'p3', phone: '+48111222333' }]);
		// A second profile with the same phone (Synerise keeps both; the batch would have merged them).
		await runNode(
			syneriseContext({
				credential: credential(),
				items: [{}],
				params: (name) =>
					({
						resource: 'profile',
						operation: 'update',
						identifierType: 'clientId',
						identifierValue: String(stored[1].clientId),
						'columns.mappingMode': 'defineBelow',
						'columns.value': { phone: '+48600700800' },
						additionalFields: {},
						options: {},
					})[name],
			}),
		);
		const run = syneriseContext({
			credential: credential(),
			items: [{}, {}],
			params: (name, i) => ({ resource: 'profile', operation: 'get', identifierType: 'phone', identifierValue: ['+48600700800', '+48111222333'][i] })[name],
		});
		const out = await runNode(run);
		expect(out.map((item) => [item.json.customId, item.pairedItem])).toEqual([
			['p1', { item: 0 }],
			['p2', { item: 0 }],
			['p3', { item: 1 }],
		]);
	});
});

describe('Synerise writes are reported as queued from node version 2 (#14)', () => {
	it('is version 1 and 2, and version 2 says queued for create, create or update, update and delete', async () => {
		expect(new Synerise().description.version).toEqual([1, 2]);
		const run = (params: Record<string, unknown> | ((name: string, i: number) => unknown), items: IDataObject[] = [{}]) =>
			runNode(syneriseContext({ credential: credential(), items, params, typeVersion: 2 }));
		const [created] = await run(autoMapped('create'), [{ email: 'q@example.com' }]);
		expect(created.json).toEqual({ status: 'queued', statusCode: 202, email: 'q@example.com' });
		const [upserted] = await run(autoMapped('upsert'), [{ customId: 'q1', email: 'q1@example.com' }]);
		expect(upserted.json).toEqual({ status: 'queued', email: 'q1@example.com', customId: 'q1' });
		const [updated] = await run(
			(name) =>
				({
					resource: 'profile',
					operation: 'update',
					identifierType: 'customId',
					identifierValue: 'q1',
					'columns.mappingMode': 'defineBelow',
					'columns.value': { city: 'Gdańsk' },
					additionalFields: {},
					options: {},
				})[name],
		);
		expect(updated.json).toEqual({ status: 'queued', statusCode: 202, customId: 'q1', updatedFields: ['city'] });
		const [deleted] = await run(deleteParams(['q1']));
		expect(deleted.json).toEqual({ status: 'queued', statusCode: 202, customId: 'q1' });
		for (const item of [created, upserted, updated, deleted]) expect(item.json).not.toHaveProperty('accepted');
	});

	it('version 2 still names a batch entry a multi-status fallback answer refuses (knob), and the others are queued', async () => {
		vendor.module.configure({ batchInvalidItems: 'multiStatus', rejectEmailDomains: ['blocked.example'] });
		const out = await runNode(
			syneriseContext({
				credential: credential(),
				items: [{ email: 'ok@example.com' }, { email: 'no@blocked.example' }],
				params: autoMapped('upsert'),
				continueOnFail: true,
				typeVersion: 2,
			}),
		);
		expect(out[0].json).toEqual({ status: 'queued', email: 'ok@example.com' });
		expect(out[1].json.error).toBe('Item 1, field "email": email domain is not accepted by this workspace');
	});
});

describe('Synerise awkward input (#18.8 style)', () => {
	it('Get Many trims text filters, as identifiers are trimmed elsewhere', async () => {
		await seed([{ email: 'jane@example.com', firstName: 'Jane' }]);
		const run = syneriseContext({
			credential: credential(),
			items: [{}],
			params: (name) =>
				({ resource: 'profile', operation: 'getAll', returnAll: true, filters: { email: '  jane@example.com ', firstName: ' Jane' }, options: {} })[name],
		});
		const out = await runNode(run);
		const query = new URL(run.ctx.calls.at(-1)!.url).searchParams;
		expect(query.get('filters[email]')).toBe('jane@example.com');
		expect(query.get('filters[firstName]')).toBe('Jane');
		expect(out.map((item) => item.json.email)).toEqual(['jane@example.com']);
	});

	it('the credential says its test proves the login, not the permissions', () => {
		const notice = new SyneriseApi().properties.find((p) => p.type === 'notice');
		expect(notice?.displayName).toMatch(/does not prove that the key holds the permissions/);
	});
});
