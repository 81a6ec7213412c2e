// Insider contract tests (issue #14 §1): every request the node sends, captured by the fake, checked
// against the schema derived from Insider's material (fixtures.mts); the documented response examples fed
// back to the node; and wrong variants of each request refused by the fake the way Insider documents it.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { startSandbox, type Sandbox } from '../../../sandbox/index.mts';
import { credentials, defaultKnobs } from '../../../sandbox/insider.mts';
import { NODE, runNode } from '../../unit/Insider/context.mts';
import { assertSchema, type Schema } from '../schema.mts';
import * as contract from './fixtures.mts';

let sandbox: Sandbox;
let baseUrl: string;

const configure = async (knobs: Record<string, unknown>) =>
	await fetch(`${baseUrl}/__sandbox/config`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ knobs }) });
const captured = () => sandbox.vendor('insider').captured();
const run = (parameters: any, items: any[] = [{}], extra: Record<string, unknown> = {}) =>
	runNode({ baseUrl, credentials, items, parameters, continueOnFail: true, ...extra });
/** A raw call to the fake with the sandbox credential, for the negative tests. */
const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
	const response = await fetch(`${baseUrl}${path}`, {
		method,
		headers: { 'x-partner-name': credentials.partnerName, 'x-request-token': credentials.requestToken, 'content-type': 'application/json', ...headers },
		body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
	});
	const text = await response.text();
	return { status: response.status, body: text ? JSON.parse(text) : undefined };
};

const seed = () => [
	{
		insider_id: 'iid-a',
		identifiers: { email: 'a@x.io', phone_number: '+6591000001', uuid: 'ua' },
		attributes: { name: 'Ann', list_id: [1, 2], custom: { tier: 'gold', tags: ['x', 'y'] } },
		events: [{ event_name: 'page_view', timestamp: '2024-02-01T00:00:00Z', event_params: { url: 'https://a' } }],
	},
	{ insider_id: 'iid-b', identifiers: { email: 'b@x.io' }, attributes: { name: 'Bob' }, events: [] },
];

/** The one captured request: exact path, method, headers and body against the operation's contract. */
function checkRequest(operation: { method: string; path: string; body: Schema }, index = 0) {
	const request = captured()[index];
	expect(request, 'the node sent a request').toBeDefined();
	expect(request.path).toBe(operation.path);
	expect(request.method).toBe(operation.method);
	assertSchema(contract.headers, request.headers, `headers of ${operation.method} ${operation.path}`);
	assertSchema(operation.body, request.body, `body of ${operation.method} ${operation.path}`);
	expect(request.status, `the fake accepted ${request.rawBody}`).toBe(200);
	return request;
}

beforeAll(async () => {
	sandbox = await startSandbox({ only: ['insider'], ports: 'random', capture: true });
	baseUrl = sandbox.vendor('insider').url;
});
afterAll(async () => await sandbox.close());
beforeEach(async () => {
	NODE.typeVersion = 1;
	await fetch(`${baseUrl}/__sandbox/reset`, { method: 'POST' });
	await configure({ ...defaultKnobs(), users: seed(), exportDelayMs: 0, identifierAttributes: ['email'] });
});

describe('Insider: what the node sends matches the published contract', () => {
	it('Create or Update (with the metadata read of node version 2)', async () => {
		NODE.typeVersion = 2;
		const { output } = await run({ resource: 'user', operation: 'upsert', mappingMode: 'autoMap', options: { replaceArrays: true, skipHook: true } }, [
			{
				email: 'new@x.io',
				name: 'Nia',
				age: '31',
				birthday: '1993-03-12',
				attributes: { phone_number: '+6591000009' },
				tier: 'silver',
				events: [{ event_name: 'purchase', timestamp: '2024-01-10T21:35:20+03:00', event_params: { event_group_id: 'O1', unit_sale_price: 9.5, currency: 'USD', quantity: 1 } }],
			},
		]);
		expect(output[0].json.status).toBe('accepted');
		const meta = checkRequest(contract.metadata, 0);
		expect(meta.body).toEqual({ table: 'contacts' });
		const request = checkRequest(contract.upsert, 1);
		const user = (request.body as any).users[0];
		expect(user.attributes).toEqual({ name: 'Nia', age: 31, birthday: '1993-03-12T00:00:00Z', phone_number: '+6591000009', custom: { tier: 'silver' } });
		for (const key of Object.keys(user.attributes.custom)) expect(contract.DEFAULT_ATTRIBUTE_NAMES).not.toContain(key);
	});

	it('Get, with attributes and three event types', async () => {
		const { output } = await run({
			resource: 'user',
			operation: 'get',
			addressBy: 'identifier',
			identifierType: 'email',
			identifierValue: 'a@x.io',
			attributeSelection: 'selected',
			attributeNames: ['name', 'c_tier'],
			events: { event: [{ name: 'page_view', params: 'url, timestamp' }, { name: 'purchase', params: 'product_id' }, { name: 'cart_page_view', params: 'timestamp' }] },
			startDate: '2024-01-01T00:00:00.000Z',
			endDate: '2024-03-01T00:00:00.000Z',
			options: { quota: true },
		});
		checkRequest(contract.profile);
		// The node's cost model and the fake's agree with Insider's sample: three event types cost 2.5.
		expect(output[0].json.quota).toEqual({ cost: 2.5, used: 2.5, total: 1000 });
	});

	it('Export Start and Download', async () => {
		const { output } = await run({ resource: 'export', operation: 'start', segmentId: 1, attributeSelection: 'all', events: {}, format: 'csv', callbackUrl: 'http://127.0.0.1:9/hook' });
		checkRequest(contract.exportStart);
		const url = output[0].json.url as string;
		expect(url).toMatch(/\/sandboxpartner\/p\/export-1\.csv$/);
		await new Promise((resolve) => setTimeout(resolve, 50));
		const download = await run({ resource: 'export', operation: 'download', url, output: 'items', options: {} });
		expect(download.output.length).toBeGreaterThan(0);
		const request = captured()[1];
		expect(request.method).toBe(contract.exportDownload.method);
		expect(request.path).toMatch(contract.exportDownload.path);
		expect(request.status).toBe(200);
	});

	it('Delete Attribute, with an identifier-like default, a default array value and custom ones', async () => {
		await run({
			resource: 'user',
			operation: 'deleteAttribute',
			addressBy: 'identifier',
			identifierType: 'email',
			identifierValue: 'a@x.io',
			mode: 'whole',
			attributeNames: ['phone_number', 'name', 'c_tier'],
			options: {},
		});
		const request = checkRequest(contract.attributeDelete);
		expect((request.body as any).users[0]).toEqual({ identifiers: { email: 'a@x.io' }, whole: ['phone_number', 'name'], custom: { whole: ['tier'] } });
		await fetch(`${baseUrl}/__sandbox/reset`, { method: 'POST' });
		await configure({ users: seed() });
		await run({ resource: 'user', operation: 'deleteAttribute', addressBy: 'insiderId', insiderId: 'iid-a', mode: 'partial', attributeName: 'list_id', values: '[1]', options: {} });
		expect((checkRequest(contract.attributeDelete).body as any).users[0]).toEqual({ insider_id: 'iid-a', partial: { list_id: [1] } });
	});

	it('Identifier Update and Delete', async () => {
		await run({ resource: 'identifier', operation: 'update', identifierType: 'email', currentValue: 'a@x.io', newValue: 'a2@x.io', options: {} });
		checkRequest(contract.identityUpdate);
		await run({ resource: 'identifier', operation: 'delete', identifierType: 'phone_number', identifierValue: '+6591000001', options: {} });
		checkRequest(contract.identityDelete, 1);
	});

	it('Delete PII by Insider ID and by identifier', async () => {
		await run({ resource: 'user', operation: 'deletePii', addressBy: 'insiderId', insiderId: 'iid-a', options: {} });
		checkRequest(contract.anonymize.byId);
		await run({ resource: 'user', operation: 'deletePii', addressBy: 'identifier', identifierType: 'email', identifierValue: 'b@x.io', options: {} });
		checkRequest(contract.anonymize.byIdentifier, 1);
	});

	it('Delete (the default, by identifier)', async () => {
		const { Insider } = await import('../../../nodes/Insider/Insider.node');
		const addressBy = new Insider().description.properties.find((p) => p.name === 'addressBy' && p.displayOptions?.show?.operation?.includes('delete'));
		expect(addressBy?.default).toBe('identifier');
		await run({ resource: 'user', operation: 'delete', addressBy: 'identifier', identifierType: 'email', identifierValue: 'b@x.io', options: {} });
		checkRequest(contract.userDelete);
	});
});

describe('Insider: where the material allows two forms, the node and the fake agree', () => {
	it('Replace Array Attributes sends not_append per user (the samples\' form); the root form is refused unless its knob is on', async () => {
		await run({ resource: 'user', operation: 'upsert', mappingMode: 'autoMap', options: { replaceArrays: true } }, [{ uuid: 'u1', tags: ['a'] }]);
		const body = checkRequest(contract.upsert).body as any;
		expect(body.users[0].not_append).toBe(true);
		expect(body.not_append).toBeUndefined();
		const root = { not_append: true, users: [{ identifiers: { uuid: 'u1' }, attributes: { name: 'A' } }] };
		expect(await call('POST', '/api/user/v1/upsert', root)).toEqual({ status: 400, body: { error: 'not_append is not an allowed field: bad request' } });
		await configure({ rootNotAppend: true });
		expect((await call('POST', '/api/user/v1/upsert', root)).status).toBe(200);
	});

	it('Delete by Insider ID sends the undocumented bare insider_id, which the fake takes only behind its knob', async () => {
		const refused = await run({ resource: 'user', operation: 'delete', addressBy: 'insiderId', insiderId: 'iid-a', options: {} });
		expect(refused.output[0].json.error).toContain('insider_id is not an allowed field: bad request');
		assertSchema(contract.userDelete.byInsiderId, captured()[0].body);
		await configure({ deleteByInsiderId: true });
		const accepted = await run({ resource: 'user', operation: 'delete', addressBy: 'insiderId', insiderId: 'iid-a', options: {} });
		expect(accepted.output[0].json).toEqual({ deleted: true, insider_id: 'iid-a' });
	});
});

describe('Insider: the documented response examples, fed to the node', () => {
	let server: Server;
	let answer: { status: number; body: unknown } = { status: 200, body: {} };
	let serverUrl: string;
	beforeAll(async () => {
		server = createServer((req, res) => {
			req.resume();
			req.on('end', () => {
				res.writeHead(answer.status, { 'content-type': 'application/json' });
				res.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
			});
		});
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	});
	afterAll(async () => await new Promise((resolve) => server.close(resolve)));
	const feed = (example: { status: number; body: unknown }, parameters: any, items: any[] = [{}]) => {
		answer = example;
		return runNode({ baseUrl: serverUrl, credentials, items, parameters, continueOnFail: true });
	};
	const upsert = { resource: 'user', operation: 'upsert', mappingMode: 'autoMap', options: {} };
	const byEmail = { addressBy: 'identifier', identifierType: 'email', identifierValue: 'a@x.io', options: {} };

	it('upsert: success and the per-user failure', async () => {
		expect((await feed(contract.upsert.responses.success, upsert, [{ uuid: 'u1', name: 'A' }])).output[0].json.status).toBe('accepted');
		const partial = await feed(contract.upsert.responses.partial, upsert, [{ uuid: 'u1', events: [{ event_name: 'page_view', timestamp: '2024-01-01T00:00:00Z' }] }]);
		expect(partial.output[0].json.error).toContain('invalid event name: homepageView');
		expect(partial.output[0].json.error).toContain('events.0.event_name');
		const forbidden = await feed(contract.upsert.responses.forbidden, upsert, [{ uuid: 'u1', name: 'A' }]);
		expect(forbidden.output[0].json.error).toContain('Access Denied');
	});

	it('profile: the sample answer and the unknown user', async () => {
		const get = { resource: 'user', operation: 'get', ...byEmail, attributeSelection: 'all', events: {} };
		const { output } = await feed(contract.profile.responses.success, get);
		expect(output[0].json).toEqual({ identifiers: { email: 'a@x.io' }, ...contract.profile.responses.success.body });
		expect((await feed(contract.profile.responses.notFound, get)).output[0].json.error).toContain('no such user for these identifiers');
	});

	it('export start: the empty 200 answer', async () => {
		const { output } = await feed(contract.exportStart.responses.empty, { resource: 'export', operation: 'start', segmentId: 1, attributeSelection: 'all', events: {}, format: 'csv', callbackUrl: 'https://example.com/hook' });
		expect(output[0].json).toEqual({ status: 'started', segmentId: 1, format: 'csv', callbackUrl: 'https://example.com/hook' });
	});

	it('attribute delete: both success forms and the 500 envelope', async () => {
		const parameters = { resource: 'user', operation: 'deleteAttribute', ...byEmail, mode: 'whole', attributeNames: ['name'] };
		for (const example of [contract.attributeDelete.responses.envelope, contract.attributeDelete.responses.empty]) {
			expect((await feed(example, parameters)).output[0].json).toMatchObject({ deleted: true, whole: ['name'] });
		}
		expect((await feed(contract.attributeDelete.responses.error500, parameters)).output[0].json.error).toContain('unknown error');
	});

	it('identity update and delete, user delete and anonymise', async () => {
		const update = { resource: 'identifier', operation: 'update', identifierType: 'email', currentValue: 'a@x.io', newValue: 'b@x.io', options: {} };
		expect((await feed(contract.identityUpdate.responses.success, update)).output[0].json.updated).toBe(true);
		expect((await feed(contract.identityUpdate.responses.same, update)).output[0].json.error).toContain('identifier values are the same');
		const del = { resource: 'identifier', operation: 'delete', identifierType: 'email', identifierValue: 'a@x.io', options: {} };
		expect((await feed(contract.identityDelete.responses.sole, del)).output[0].json.error).toContain('sole identifier');
		expect((await feed(contract.userDelete.responses.success, { resource: 'user', operation: 'delete', ...byEmail })).output[0].json.deleted).toBe(true);
		expect((await feed(contract.anonymize.responses.notFound, { resource: 'user', operation: 'deletePii', ...byEmail })).output[0].json.error).toContain('no such user');
	});
});

describe('Insider fake: wrong variants are refused the way Insider documents it', () => {
	const user = { identifiers: { email: 'a@x.io' }, attributes: { name: 'A' } };
	const forbidden = { success: false, message: 'Access Denied. You do not have sufficient access to perform this action.' };

	it('paths are exact: a trailing slash or a wrong spelling is 404', async () => {
		expect((await call('POST', '/api/user/v1/upsert/', { users: [user] })).status).toBe(404);
		expect((await call('POST', '/api/users/v1/upsert', { users: [user] })).status).toBe(404);
		expect((await call('POST', '/api/user/v1/identity', { identifiers: { email: 'a@x.io' } })).status).toBe(404);
	});

	it('a missing token, a wrong token or a partner name not in lowercase is refused with 403', async () => {
		expect(await call('POST', '/api/user/v1/upsert', { users: [user] }, { 'x-request-token': '' })).toEqual({ status: 403, body: forbidden });
		expect(await call('POST', '/api/user/v1/upsert', { users: [user] }, { 'x-request-token': 'wrong' })).toEqual({ status: 403, body: forbidden });
		expect(await call('POST', '/api/user/v1/upsert', { users: [user] }, { 'x-partner-name': 'SandboxPartner' })).toEqual({ status: 403, body: forbidden });
	});

	it('a body that is not JSON, or not sent as JSON, is 400', async () => {
		expect((await call('POST', '/api/user/v1/upsert', '{"users": [', {})).body).toEqual({ success: false, message: 'Request data is not in valid JSON format.' });
		expect(await call('POST', '/api/user/v1/upsert', JSON.stringify({ users: [user] }), { 'content-type': 'text/plain' })).toEqual({
			status: 400,
			body: { error: 'content type must be application/json' },
		});
	});

	it.each([
		['POST', '/api/user/v1/upsert', { users: [user], dry_run: true }, 'dry_run'],
		['POST', '/api/user/v1/upsert', { users: [{ ...user, email: 'a@x.io' }] }, 'users.0.email'],
		['POST', '/api/user/v1/profile', { identifiers: { email: 'a@x.io' }, attributes: ['*'], limit: 1 }, 'limit'],
		['POST', '/api/raw/v1/export', { segment: { segment_id: 1 }, attributes: ['*'], format: 'csv', hook: 'https://h', email: 'x' }, 'email'],
		['POST', '/api/user/v1/attribute/delete', { users: [{ identifiers: { email: 'a@x.io' }, whole: ['name'], attributes: ['x'] }] }, 'users.0.attributes'],
		['PATCH', '/api/user/v1/identity', { old_identifier: { email: 'a@x.io' }, new_identifier: { email: 'c@x.io' }, force: true }, 'force'],
		['DELETE', '/api/user/v1/identity', { identifiers: { phone_number: '+6591000001' }, insider_id: 'iid-a' }, 'insider_id'],
		['POST', '/api/user/v1/delete', { identifiers: { email: 'b@x.io' }, hard: true }, 'hard'],
		['POST', '/api/user/v1/anonymize', { identifiers: { email: 'b@x.io' }, insider_id: 'iid-b' }, 'insider_id'],
		['POST', '/api/user/v3/metadata/columns', { table: 'contacts', page: 1 }, 'page'],
	])('%s %s with an undocumented field is 400', async (method, path, body, field) => {
		expect(await call(method, path, body)).toEqual({ status: 400, body: { error: `${field} is not an allowed field: bad request` } });
	});

	it('upsert: a default attribute under custom, a wrong type and a bad identifier fail that user; over 1,000 users is 400', async () => {
		const answer = await call('POST', '/api/user/v1/upsert', {
			users: [
				{ identifiers: { uuid: 'u1' }, attributes: { custom: { email: 'x@y.io' } } },
				{ identifiers: { uuid: 'u2' }, attributes: { age: '30' } },
				{ identifiers: { email: 'nope' }, attributes: { name: 'A' } },
				{ identifiers: { uuid: 'u4' }, attributes: { birthday: '1993-03-12' } },
				user,
			],
		});
		expect(answer.status).toBe(200);
		expect(answer.body.data.successful).toEqual({ count: 1 });
		expect(answer.body.data.fail.count).toBe(4);
		const keys = Object.keys(answer.body.data.fail.errors);
		expect(keys).toEqual(
			expect.arrayContaining([
				'users.0.attributes.custom.*.not_in(defaults_column)',
				'users.1.attributes.age.type(number)',
				'users.2.identifiers.*.regexp(^.+@.+\\..+$)',
				'users.3.attributes.birthday.regexp(rfc3339)',
			]),
		);
		const many = await call('POST', '/api/user/v1/upsert', { users: Array.from({ length: 1001 }, (_, i) => ({ identifiers: { uuid: `u${i}` }, attributes: { name: 'A' } })) });
		expect(many.status).toBe(400);
		expect(many.body.error).toMatch(/: bad request$/);
	});

	it('attribute delete: a default attribute under custom, and an identifier attribute of the account, fail that user', async () => {
		const answer = await call('POST', '/api/user/v1/attribute/delete', {
			users: [
				{ identifiers: { email: 'a@x.io' }, custom: { whole: ['name'] } },
				{ identifiers: { email: 'a@x.io' }, whole: ['email'] },
				{ identifiers: { email: 'a@x.io' }, whole: ['phone_number'] },
			],
		});
		expect(answer.body.data).toEqual({
			successful: { count: 1 },
			fail: {
				count: 2,
				errors: {
					'users.0.custom.*.not_in(defaults_column)': ['name is a default attribute, it cannot be deleted as a custom attribute'],
					'users.1.whole.*.not_in(identifiers)': ['identifier attributes cannot be deleted: email'],
				},
			},
		});
	});

	it('profile and export: missing selections, a static segment and a wrong format are 400', async () => {
		expect((await call('POST', '/api/user/v1/profile', { identifiers: { email: 'a@x.io' } })).status).toBe(400);
		expect((await call('POST', '/api/user/v1/profile', { identifiers: { email: 'a@x.io' }, events: { start_date: 1, wanted: [] } })).status).toBe(400);
		expect((await call('POST', '/api/raw/v1/export', { segment: { segment_id: 2 }, attributes: ['*'], format: 'csv', hook: 'https://h' })).body).toEqual({
			error: 'only dynamic segments can be exported: bad request',
		});
		expect((await call('POST', '/api/raw/v1/export', { segment: { segment_id: 1 }, attributes: ['*'], format: 'xlsx', hook: 'https://h' })).status).toBe(400);
	});

	it('identity: two entries, or a mismatched type, are 400; user delete with a bare insider_id is 400', async () => {
		expect((await call('PATCH', '/api/user/v1/identity', { old_identifier: { email: 'a@x.io', uuid: 'ua' }, new_identifier: { email: 'c@x.io' } })).body).toEqual({
			error: 'there must be exactly 1 entry for both new and old identifiers: bad request',
		});
		expect((await call('PATCH', '/api/user/v1/identity', { old_identifier: { email: 'a@x.io' }, new_identifier: { uuid: 'x' } })).status).toBe(400);
		expect(await call('POST', '/api/user/v1/delete', { insider_id: 'iid-a' })).toEqual({ status: 400, body: { error: 'insider_id is not an allowed field: bad request' } });
		expect(await call('POST', '/api/user/v1/delete', {})).toEqual({ status: 400, body: { error: 'identifiers must be specified: bad request' } });
	});
});
