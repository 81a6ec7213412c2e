// Contract of the Synerise node (#14 §1): every request it sends, captured by the fake, against the schema
// derived from Synerise's published material (fixtures.mts); the documented answers fed back to the node;
// and wrong variants of each request, which the fake must refuse the way Synerise documents.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { IDataObject } from 'n8n-workflow';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { API_VERSION, DELETE_BY_CUSTOM_ID_SEGMENT, GET_BY_CUSTOM_ID_SEGMENT, MAX_PROFILES_PER_BATCH } from '../../../nodes/Synerise/transport';
import type { CapturedRequest, RunningVendor } from '../../../sandbox/core.mts';
import type { Sandbox } from '../../../sandbox/index.mts';
import { startSandbox } from '../../../sandbox/index.mts';
import { KEYS } from '../../../sandbox/synerise.mts';
import { autoMapped, runNode, syneriseContext } from '../../unit/Synerise/context.mts';
import { assertSchema, violations } from '../schema.mts';
import type { OperationContract, ResponseExample } from './fixtures.mts';
import { authErrorObject, errorObject, operations, responses } from './fixtures.mts';

let sandbox: Sandbox;
let fake: RunningVendor;
beforeAll(async () => {
	sandbox = await startSandbox({ only: ['synerise'], ports: 'random', capture: true });
	fake = sandbox.vendor('synerise');
});
afterAll(async () => await sandbox.close());
beforeEach(async () => {
	await fetch(`${fake.url}/__sandbox/reset`, { method: 'POST' });
	fake.module.configure({ applyDelayMs: 0 });
});

type Params = Record<string, unknown> | ((name: string, itemIndex: number) => unknown);
const jwt = (baseUrl: string) => ({ authMethod: 'jwt', apiKey: KEYS.full.apiKey, baseUrl });
const basic = (baseUrl: string) => ({ authMethod: 'basic', apiKey: KEYS.full.apiKey, workspaceGuid: KEYS.full.guid, baseUrl });

async function run(params: Params, items: IDataObject[] = [{}], options: { credential?: IDataObject; typeVersion?: number } = {}) {
	return await runNode(
		syneriseContext({ credential: options.credential ?? jwt(fake.url), items, params, continueOnFail: true, typeVersion: options.typeVersion }),
	);
}

const single = (operation: string, identifierType: string, identifierValue: string, extra: Record<string, unknown> = {}) =>
	({ resource: 'profile', operation, identifierType, identifierValue, additionalFields: {}, options: {}, ...extra }) as Record<string, unknown>;

/** Checks one captured request against its contract: method, exact path, headers, query and body. */
function assertContract(name: keyof typeof operations, request: CapturedRequest) {
	const contract: OperationContract = operations[name];
	const where = `${name} (${contract.source})`;
	expect(request.method, where).toBe(contract.method);
	expect(request.path, where).toMatch(contract.path);
	assertSchema(contract.headers, request.headers, `${name} headers`);
	if (contract.query) assertSchema(contract.query, request.query, `${name} query`);
	if (contract.body) assertSchema(contract.body, request.body, `${name} body`);
	else expect(request.rawBody, `${name} has no body`).toBe('');
	expect(request.status, where).toBe(contract.success.status);
}

const captured = () => fake.captured();

describe('Synerise requests match the published contract', () => {
	it('login, create, batch, update, delete: path, method, headers and body as documented', async () => {
		await run(autoMapped('create'), [{ email: 'jane@example.com', firstName: 'Jane', tier: 'gold', agreements: { email: 'true' } }]);
		await run(autoMapped('upsert'), [
			{ customId: 'crm-1', email: 'ann@example.com', birthDate: '1988-04-12', tags: 'vip, new' },
			{ customId: 'crm-2', phone: '+48 600 700 800', sex: 'female', countryCode: 'pl' },
		]);
		const update = (type: string, value: string) =>
			single('update', type, value, { 'columns.mappingMode': 'defineBelow', 'columns.value': { city: 'Gdańsk' } });
		const clientId = String((fake.module.state() as any).profiles[0].clientId);
		// One item per run, so the captured order is the order of the calls.
		for (const params of [update('clientId', clientId), update('email', 'ann@example.com'), update('customId', 'crm-2')]) await run(params);
		for (const params of [single('delete', 'clientId', clientId), single('delete', 'customId', 'crm-2')]) await run(params);

		const requests = captured();
		expect(requests.map((request) => request.route)).toEqual([
			'POST /uauth/v2/auth/login/profile',
			'POST /v4/clients',
			'POST /uauth/v2/auth/login/profile',
			'POST /v4/clients/batch',
			'POST /uauth/v2/auth/login/profile',
			'POST /v4/clients/:clientId',
			'POST /uauth/v2/auth/login/profile',
			'POST /v4/clients/:by/:value',
			'POST /uauth/v2/auth/login/profile',
			'POST /v4/clients/:by/:value',
			'POST /uauth/v2/auth/login/profile',
			'DELETE /v4/clients/:clientId',
			'POST /uauth/v2/auth/login/profile',
			'DELETE /v4/clients/:by/:value',
		]);
		const names: Array<keyof typeof operations> = ['create', 'batch', 'updateById', 'updateByEmail', 'updateByCustomId', 'deleteById', 'deleteByCustomId'];
		// Each run logs in first (a fresh credential), then sends its call.
		names.forEach((name, i) => {
			assertContract('login', requests[2 * i]);
			assertContract(name, requests[2 * i + 1]);
		});
		expect(requests[1].body).toEqual({ email: 'jane@example.com', firstName: 'Jane', agreements: { email: true }, attributes: { tier: 'gold' } });
		expect(requests[3].body).toEqual([
			{ customId: 'crm-1', email: 'ann@example.com', birthDate: '1988-04-12', tags: ['vip', 'new'] },
			{ customId: 'crm-2', phone: '+48 600 700 800', sex: 'FEMALE', countryCode: 'PL' },
		]);
	});

	it('get by each identifier and list: exact routes, no body, documented query parameters only', async () => {
		await run(autoMapped('upsert'), [{ email: 'a+b@example.com', phone: '+48600700800', customId: 'crm-42', uuid: '07243772-008a-42e1-ba37-c3807cebde8f', firstName: 'Ann' }]);
		const clientId = String((fake.module.state() as any).profiles[0].clientId);
		const gets: Array<[keyof typeof operations, string, string]> = [
			['getById', 'clientId', clientId],
			['getByEmail', 'email', ' a+b@example.com '],
			['getByUuid', 'uuid', '07243772-008a-42e1-ba37-c3807cebde8f'],
			['getByPhone', 'phone', '+48600700800'],
			['getByCustomId', 'customId', 'crm-42'],
		];
		const before = captured().length;
		// One item at a time, so the captured order is the order of the cases.
		for (const [, type, value] of gets) await run(single('get', type, value));
		await run({ resource: 'profile', operation: 'getAll', returnAll: false, limit: 5, filters: { email: ' a+b@example.com', firstName: 'Ann', anonymous: false }, options: { sortBy: 'email', sortOrder: 'DESC' } });
		const requests = captured().slice(before).filter((request) => !request.path.startsWith('/uauth'));
		gets.forEach(([name], i) => assertContract(name, requests[i]));
		assertContract('list', requests[5]);
		expect(requests[5].query).toEqual({ 'filters[email]': 'a+b@example.com', 'filters[firstName]': 'Ann', sortBy: 'email', sortOrder: 'DESC', pageIndex: '1', pageSize: '5' });
	});

	it('Basic authentication sends base64(guid:key) with one space, and no login call', async () => {
		await run(autoMapped('create'), [{ customId: 'basic-1' }], { credential: basic(fake.url) });
		const [request] = captured();
		assertContract('create', request);
		expect(request.headers.authorization).toBe(`Basic ${Buffer.from(`${KEYS.full.guid}:${KEYS.full.apiKey}`).toString('base64')}`);
	});

	it('where Synerise allows two forms, the node and the fake use the same one', async () => {
		const knobs = fake.module.configure({});
		expect(knobs.deleteByCustomIdSegment).toBe(DELETE_BY_CUSTOM_ID_SEGMENT);
		expect(knobs.getByCustomIdSegment).toBe(GET_BY_CUSTOM_ID_SEGMENT);
		expect(knobs.apiVersion).toBe(API_VERSION);
		// The fake refuses the other spelling and the older Api-Version the node does not send.
		const token = await login();
		expect(await v4('DELETE', '/v4/clients/by-custom-id/crm-1', { token })).toEqual({ status: 404, body: undefined });
		expect((await v4('GET', '/v4/clients', { token, headers: { 'Api-Version': '4.0' } })).status).toBe(400);
		// Switched by the knob, the fake routes the other spelling and the node follows it.
		fake.module.configure({ deleteByCustomIdSegment: 'by-custom-id' });
		await run(autoMapped('upsert'), [{ customId: 'crm-1' }]);
		const out = await run(single('delete', 'customId', 'crm-1'));
		expect(out[0].json).toEqual({ deleted: true, statusCode: 202, customId: 'crm-1' });
		expect(captured().filter((r) => r.method === 'DELETE').map((r) => [r.path, r.status])).toEqual([
			['/v4/clients/by-custom-id/crm-1', 404],
			['/v4/clients/by-customid/crm-1', 404],
			['/v4/clients/by-custom-id/crm-1', 202],
		]);
	});

	it('the fake answers a batch 202 with no body by default (no per-item result)', async () => {
		const out = await run(autoMapped('upsert'), [{ email: 'x@example.com' }], { typeVersion: 2 });
		const batch = captured().find((request) => request.route === 'POST /v4/clients/batch')!;
		expect(batch.status).toBe(202);
		expect(fake.module.configure({}).batchInvalidItems).toBe('drop');
		expect(out[0].json).toEqual({ status: 'queued', email: 'x@example.com' });
	});
});

// ---- wrong variants, refused by the fake --------------------------------------------------------------

async function v4(method: string, path: string, options: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {}) {
	const headers: Record<string, string> = { 'Api-Version': '4.4', Accept: 'application/json' };
	if (options.token) headers.Authorization = `Bearer ${options.token}`;
	let body: string | undefined = options.raw;
	if (options.body !== undefined) {
		body = JSON.stringify(options.body);
		headers['Content-Type'] = 'application/json';
	}
	Object.assign(headers, options.headers);
	for (const [name, value] of Object.entries(headers)) if (value === '') delete headers[name];
	const response = await fetch(`${fake.url}${path}`, { method, headers, body });
	const text = await response.text();
	return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as any) };
}

async function login(): Promise<string> {
	const answer = await v4('POST', '/uauth/v2/auth/login/profile', { body: { apiKey: KEYS.full.apiKey } });
	expect(answer.status).toBe(200);
	return answer.body.token as string;
}

describe('the Synerise fake refuses what Synerise does not document', () => {
	it('wrong paths: a trailing slash, other casing or spelling, an unknown identifier segment', async () => {
		const token = await login();
		const profile = { email: 'jane@example.com' };
		for (const [method, path, body] of [
			['POST', '/v4/clients/', profile],
			['POST', '/v4/Clients', profile],
			['POST', '/v4/clients/batch/', [profile]],
			['GET', '/v4/clients/by-email/jane%40example.com/', undefined],
			['POST', '/uauth/v2/auth/login/profile/', { apiKey: KEYS.full.apiKey }],
		] as const) {
			expect((await v4(method, path, { token, body })).status, `${method} ${path}`).toBe(404);
		}
		for (const [method, path, body] of [
			['DELETE', '/v4/clients/by-custom-id/crm-1', undefined],
			['DELETE', '/v4/clients/by-customId/crm-1', undefined],
			['DELETE', '/v4/clients/by-email/jane%40example.com', undefined],
			['GET', '/v4/clients/by-customid/crm-1', undefined],
			['GET', '/v4/clients/by-custom-id/crm-1', undefined],
			['GET', '/v4/clients/BY-EMAIL/jane%40example.com', undefined],
			['POST', '/v4/clients/by-custom-id/crm-1', { city: 'Gdańsk' }],
			['POST', '/v4/clients/by-phone/%2B48600700800', { city: 'Gdańsk' }],
		] as const) {
			// An unknown route answers 404 with no body: the answer the node's delete fallback looks for.
			expect(await v4(method, path, { token, body }), `${method} ${path}`).toEqual({ status: 404, body: undefined });
		}
	});

	it('headers: missing or other Api-Version, ill-formed Authorization, non-JSON content type', async () => {
		const token = await login();
		const cases: Array<[string, Parameters<typeof v4>[2], number]> = [
			['no Api-Version', { token, headers: { 'Api-Version': '' } }, 400],
			['Api-Version 4.0', { token, headers: { 'Api-Version': '4.0' } }, 400],
			['no Authorization', {}, 401],
			['lower-case scheme', { headers: { Authorization: `bearer ${token}` } }, 401],
			['two spaces', { headers: { Authorization: `Bearer  ${token}` } }, 401],
			['Basic with the wrong GUID', { headers: { Authorization: `Basic ${Buffer.from(`${KEYS.readOnly.guid}:${KEYS.full.apiKey}`).toString('base64')}` } }, 401],
		];
		for (const [what, options, status] of cases) {
			const answer = await v4('GET', '/v4/clients', options);
			expect(answer.status, what).toBe(status);
			assertSchema(errorObject, answer.body, what);
		}
		for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/json-patch+json']) {
			const answer = await v4('POST', '/v4/clients', { token, raw: '{"email":"jane@example.com"}', headers: { 'Content-Type': type } });
			expect(answer.status, type).toBe(415);
			assertSchema(errorObject, answer.body, type);
		}
	});

	it('bodies: an undocumented field, a wrong type, no identifier, over the batch limits, a body on a delete', async () => {
		const token = await login();
		const refused = async (what: string, method: string, path: string, body: unknown, field?: string) => {
			const answer = await v4(method, path, { token, body });
			expect(answer.status, what).toBe(400);
			assertSchema(errorObject, answer.body, what);
			if (field) expect(answer.body.errors.map((error: { field: string }) => error.field), what).toContain(field);
		};
		await refused('undocumented field', 'POST', '/v4/clients', { email: 'jane@example.com', nickname: 'J' }, 'nickname');
		await refused('a read-only field', 'POST', '/v4/clients', { email: 'jane@example.com', clientId: 1 }, 'clientId');
		await refused('email as a number', 'POST', '/v4/clients', { email: 42 }, 'email');
		await refused('tags as text', 'POST', '/v4/clients', { email: 'jane@example.com', tags: 'vip' }, 'tags');
		await refused('unknown agreement', 'POST', '/v4/clients', { email: 'jane@example.com', agreements: { fax: true } }, 'agreements.fax');
		await refused('no identifier', 'POST', '/v4/clients', { firstName: 'Jane' }, '');
		await refused('update with an undocumented field', 'POST', '/v4/clients/by-email/jane%40example.com', { nickname: 'J' }, 'nickname');
		await refused('batch not an array', 'POST', '/v4/clients/batch', { email: 'jane@example.com' });
		await refused(
			'batch over 1,000 items',
			'POST',
			'/v4/clients/batch',
			Array.from({ length: MAX_PROFILES_PER_BATCH + 1 }, (_, i) => ({ customId: `c${i}` })),
		);
		await refused('batch over 1 MB', 'POST', '/v4/clients/batch', [{ customId: 'big', attributes: { blob: 'x'.repeat(1_000_001) } }]);
		const seeded = await v4('POST', '/v4/clients', { token, body: { customId: 'crm-1' } });
		expect(seeded.status).toBe(202);
		await refused('delete with a body', 'DELETE', '/v4/clients/by-customid/crm-1', { reason: 'x' });
		// A batch entry with an undocumented field is dropped while processing, never applied.
		expect((await v4('POST', '/v4/clients/batch', { token, body: [{ customId: 'odd', nickname: 'J' }] })).status).toBe(202);
		expect((fake.module.state() as any).dropped).toContainEqual(expect.objectContaining({ field: 'nickname' }));
		expect((await v4('GET', '/v4/clients/by-customId/odd', { token })).status).toBe(404);
	});

	it('list queries: an undocumented parameter, wrong enums and values over the limits', async () => {
		const token = await login();
		for (const query of ['filters[city]=Warsaw', 'page=1', 'pageIndex=0', 'pageSize=101', 'sortBy=birthDate', 'sortOrder=asc', 'filters[anonymous]=yes', 'pageIndex=101&pageSize=100']) {
			const answer = await v4('GET', `/v4/clients?${query}`, { token });
			expect(answer.status, query).toBe(400);
			assertSchema(errorObject, answer.body, query);
		}
	});

	it('login and refresh: an extra field, a key that is no UUID, an unknown key, a refresh without a valid token', async () => {
		const cases: Array<[string, unknown, number]> = [
			['extra field', { apiKey: KEYS.full.apiKey, guid: KEYS.full.guid }, 400],
			['not a UUID', { apiKey: 'not-a-key' }, 400],
			['unknown key', { apiKey: '00000000-0000-4000-8000-000000000000' }, 401],
		];
		for (const [what, body, status] of cases) {
			const answer = await v4('POST', '/uauth/v2/auth/login/profile', { body });
			expect(answer.status, what).toBe(status);
			assertSchema(authErrorObject, answer.body, what);
		}
		const refresh = await v4('GET', '/v4/auth/refresh/profile', { headers: { Authorization: 'Bearer not.a.token' } });
		expect(refresh.status).toBe(401);
		assertSchema(authErrorObject, refresh.body, 'refresh');
	});
});

// ---- documented answers, fed to the node -------------------------------------------------------------

/** A server that answers the login with `login` and every other call with `answer`. */
async function answering(answer: ResponseExample | ResponseExample[], login: ResponseExample = responses.loginOk) {
	const answers = [answer].flat();
	let calls = 0;
	const server: Server = createServer((req, res) => {
		req.resume();
		req.on('end', () => {
			const example = req.url?.startsWith('/uauth/') ? login : answers[Math.min(calls++, answers.length - 1)];
			if (example.body === undefined) {
				res.writeHead(example.status, { 'content-length': '0' });
				res.end();
				return;
			}
			const payload = JSON.stringify(example.body);
			res.writeHead(example.status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) });
			res.end(payload);
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
	const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	return { url, close: async () => await new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('the node handles each documented Synerise answer', () => {
	it('the error examples are v4 error objects, the login refusal an auth error object', () => {
		for (const example of [responses.validation, responses.forbidden, responses.notFound, responses.unsupportedMediaType]) {
			expect(violations(errorObject, example.body), example.source).toEqual([]);
		}
		expect(violations(authErrorObject, responses.loginRefused.body)).toEqual([]);
	});

	const cases: Array<{ what: string; answer: ResponseExample | ResponseExample[]; login?: ResponseExample; params: Params; items?: IDataObject[]; typeVersion?: number; expected: IDataObject[] }> = [
		{
			what: '202 to a create, version 2: queued',
			answer: responses.queued,
			params: autoMapped('create'),
			items: [{ email: 'jane@example.com' }],
			typeVersion: 2,
			expected: [{ status: 'queued', statusCode: 202, email: 'jane@example.com' }],
		},
		{
			what: '202 to a create, version 1: accepted, as saved workflows expect',
			answer: responses.queued,
			params: autoMapped('create'),
			items: [{ email: 'jane@example.com' }],
			expected: [{ accepted: true, statusCode: 202, email: 'jane@example.com' }],
		},
		{
			what: '202 to a batch: every item queued',
			answer: responses.queued,
			params: autoMapped('upsert'),
			items: [{ customId: 'a' }, { email: 'b@example.com' }],
			typeVersion: 2,
			expected: [{ status: 'queued', customId: 'a' }, { status: 'queued', email: 'b@example.com' }],
		},
		{
			what: '400 with a field error not tied to an entry: the whole batch fails with the message',
			answer: responses.validation,
			params: autoMapped('upsert'),
			items: [{ customId: 'a' }, { customId: 'b' }],
			expected: [0, 1].map((i) => ({
				error: `Item ${i}: The batch request failed. The service answered 400: Validation failed – email: must be a well-formed email address`,
				details: { httpCode: '400' },
			})),
		},
		{
			what: '403 to a batch',
			answer: responses.forbidden,
			params: autoMapped('upsert'),
			items: [{ customId: 'a' }],
			expected: [{ error: 'Item 0: The batch request failed. The service answered 403: Access is denied', details: { httpCode: '403' } }],
		},
		{
			what: '200 profile to a get: the profile as it is',
			answer: responses.profile,
			params: single('get', 'email', 'jane@example.com'),
			expected: [responses.profile.body],
		},
		{
			what: '404 with the error object to a get',
			answer: responses.notFound,
			params: single('get', 'email', 'nobody@example.com'),
			expected: [{ error: 'Item 0: The get request failed. The service answered 404: Client not found', details: { httpCode: '404' } }],
		},
		{
			what: '200 bare array to a list',
			answer: { ...responses.profile, body: [responses.profile.body] },
			params: { resource: 'profile', operation: 'getAll', returnAll: true, filters: {}, options: {} },
			expected: [responses.profile.body],
		},
		{
			what: '415 to an update',
			answer: responses.unsupportedMediaType,
			params: single('update', 'customId', 'crm-42', { 'columns.mappingMode': 'defineBelow', 'columns.value': { city: 'Gdańsk' } }),
			expected: [{ error: "Item 0: The update request failed. The service answered 415: Content type 'text/plain' not supported", details: { httpCode: '415' } }],
		},
		{
			what: '404 with the error object to a delete by customId: not found, no second spelling',
			answer: [responses.notFound, responses.queued],
			params: single('delete', 'customId', 'crm-42'),
			expected: [{ error: 'Item 0: The delete request failed. The service answered 404: Client not found', details: { httpCode: '404' } }],
		},
		{
			what: '202 to a delete, version 2',
			answer: responses.queued,
			params: single('delete', 'clientId', '433230297'),
			typeVersion: 2,
			expected: [{ status: 'queued', statusCode: 202, clientId: '433230297' }],
		},
	];
	for (const { what, answer, login: loginAnswer, params, items, typeVersion, expected } of cases) {
		it(what, async () => {
			const server = await answering(answer, loginAnswer);
			try {
				const out = await run(params, items ?? [{}], { credential: jwt(server.url), typeVersion });
				const like = (json: Record<string, unknown>) =>
					'error' in json ? expect.objectContaining({ ...json, details: expect.objectContaining(json.details as object) }) : json;
				expect(out.map((item) => item.json)).toEqual(expected.map(like));
			} finally {
				await server.close();
			}
		});
	}

	it('401 auth error object to the login: the item fails with the status and message, never the key', async () => {
		const server = await answering(responses.queued, responses.loginRefused);
		try {
			const out = await run(autoMapped('create'), [{ email: 'jane@example.com' }], { credential: jwt(server.url) });
			expect(String(out[0].json.error)).toContain('Synerise login failed (HTTP 401): Bad credentials');
			expect(JSON.stringify(out)).not.toContain(KEYS.full.apiKey);
		} finally {
			await server.close();
		}
	});
});
