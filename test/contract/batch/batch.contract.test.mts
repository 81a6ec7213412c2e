// Contract tests of the Batch node and its fake (#14 §1): every request the node sends is checked against
// the schema written from Batch's documentation (./fixtures.mts); every documented answer is fed back to
// the node; and deliberately wrong requests are refused by the fake the way Batch documents it.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { IDataObject, INodeExecutionData } from 'n8n-workflow';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { Batch } from '../../../nodes/Batch/Batch.node';
import type { Sandbox } from '../../../sandbox/index.mts';
import { startSandbox } from '../../../sandbox/index.mts';
import { fakeContext, upsertParameters } from '../../unit/Batch/context.mts';
import { assertSchema, violations } from '../schema.mts';
import type { ResponseExample } from './fixtures.mts';
import {
	cepHeaders,
	gdprCreateRequest,
	gdprHeaders,
	gdprResponses,
	gdprStatusRequest,
	massUpdateRequest,
	paths,
	profileResponses,
	updateRequest,
} from './fixtures.mts';

let sandbox: Sandbox;
let credentials: Record<string, unknown>;
const version = '2.11';

const vendor = () => sandbox.vendor('batch');

async function configure(knobs: IDataObject): Promise<void> {
	await fetch(`${vendor().url}/__sandbox/config`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ knobs }),
	});
}

async function run(parameters: Record<string, unknown>, items: IDataObject[], creds = credentials) {
	const fake = fakeContext({ parameters, credentials: creds, items, continueOnFail: true });
	const output = (await new Batch().execute.call(fake.ctx)) as INodeExecutionData[][];
	return output[0].map((item) => item.json);
}

const recent = () => new Date(Date.now() - 60_000).toISOString();
const profiles: IDataObject[] = [
	{ custom_id: 'u1', plan: 'pro', logins: 3, vip: true, tags: ['a', 'b'], seen: '2024-05-01T12:00:00+02:00', site: 'https://example.com/u1' },
	{ custom_id: 'u2', plan: 'free', email: 'ann@example.com' },
];
const upsert = (options: IDataObject = {}) =>
	upsertParameters({
		fieldsToExclude: 'email',
		nativeAttributes: { emailAddress: (i: number) => (i === 1 ? 'ann@example.com' : ''), language: 'fr-FR', region: 'fr', timezone: 'Europe/Paris' },
		additionalFields: { events: JSON.stringify([{ name: 'purchase', time: recent(), attributes: { amount: 4.5 } }]) },
		options: { onlySendChanges: false, dateAttributes: 'seen', urlAttributes: 'site', ...options },
	});

beforeAll(async () => {
	sandbox = await startSandbox({ only: ['batch'], ports: 'random', capture: true });
	const { secondAppApiKey: _second, ...known } = sandbox.credentials.batch as Record<string, unknown>;
	credentials = { ...known, baseUrl: vendor().url };
});
afterAll(async () => await sandbox.close());
beforeEach(async () => {
	await fetch(`${vendor().url}/__sandbox/reset`, { method: 'POST' });
	await configure({ gdprDelayMs: 0, gdprOmitRequestId: false, refuseNextProfileCalls: [], acceptDateOffsets: false });
});

describe('requests the node sends match Batch\'s documented contract', () => {
	for (const [route, schema, path] of [
		['update', updateRequest, paths.update(version)],
		['massUpdate', massUpdateRequest, paths.massUpdate(version)],
	] as const) {
		it(`Create or Update on the ${route} route`, async () => {
			const output = await run(upsert({ route }), profiles);
			expect(output.map((json) => json.status)).toEqual(['sent', 'sent']);
			const [request] = vendor().captured();
			expect(vendor().captured()).toHaveLength(1);
			expect(request.method).toBe('POST');
			expect(request.path).toBe(path);
			expect(request.query).toEqual({});
			assertSchema(cepHeaders, request.headers, 'headers');
			expect(request.headers.authorization).toBe(`Bearer ${String(credentials.restApiKey)}`);
			expect(request.headers['x-batch-project']).toBe(credentials.projectKey);
			assertSchema(schema, request.body, 'body');
			expect(request.status).toBe(202);
			// Typed keys as documented: date() in UTC, url(), natives with $.
			const [first, second] = request.body as Array<{ attributes: IDataObject }>;
			expect(first.attributes['date(seen)']).toBe('2024-05-01T10:00:00.000Z');
			expect(first.attributes['url(site)']).toBe('https://example.com/u1');
			expect(second.attributes.$email_address).toBe('ann@example.com');
			expect(second.attributes.$language).toBe('fr');
		});
	}

	it('Delete (GDPR create), one request per app', async () => {
		const second = String((sandbox.credentials.batch as IDataObject).secondAppApiKey);
		const both = { ...credentials, appApiKey: `${String(credentials.appApiKey)},${second}` };
		const output = await run({ resource: 'profile', operation: 'delete', customId: 'u1', options: { requestsPerSecond: 100, callbackUrl: 'https://example.com/done' } }, [{}], both);
		expect(output[0].requests).toHaveLength(2);
		const captured = vendor().captured();
		expect(captured.map((request) => request.path)).toEqual([paths.gdprCreate(String(credentials.appApiKey)), paths.gdprCreate(second)]);
		for (const request of captured) {
			expect(request.method).toBe('POST');
			assertSchema(gdprHeaders, request.headers, 'headers');
			expect(request.headers['x-authorization']).toBe(credentials.restApiKey);
			expect(request.headers['content-type']).toMatch(/^application\/json/);
			assertSchema(gdprCreateRequest, request.body, 'body');
			expect(request.body).toEqual({ request_type: 'remove', id: { type: 'custom_id', value: 'u1' }, callback_url: 'https://example.com/done' });
		}
	});

	it('Get Delete Status (GDPR status)', async () => {
		const [created] = await run({ resource: 'profile', operation: 'delete', customId: 'u1', options: { requestsPerSecond: 100 } }, [{}]);
		await fetch(`${vendor().url}/__sandbox/reset`, { method: 'POST' }).catch(() => undefined);
		const requestId = String(created.requestId);
		const [status] = await run({ resource: 'profile', operation: 'getDeleteStatus', requestId, app: 1 }, [{}]);
		const request = vendor().captured().at(-1)!;
		expect(request.method).toBe('GET');
		expect(request.path).toBe(paths.gdprStatus(String(credentials.appApiKey), requestId));
		assertSchema(gdprHeaders, request.headers, 'headers');
		expect(violations(gdprStatusRequest, request.rawBody)).toEqual([]);
		// The reset above dropped the request: the fake answers 404, which the node reports on the item.
		expect(String(status.error)).toMatch(/^Item 0\b.*404/);
	});
});

/** A one-route server answering `first` once, then `then` (when given), for feeding documented answers to the node. */
async function answering(first: ResponseExample, then?: ResponseExample): Promise<{ url: string; hits: () => number; server: Server }> {
	let hits = 0;
	const server = createServer((req, res) => {
		req.resume();
		req.on('end', () => {
			const example = hits++ === 0 || !then ? first : then;
			res.writeHead(example.status, { 'content-type': 'application/json' });
			res.end(JSON.stringify(example.body));
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits: () => hits, server };
}

describe('documented answers, fed to the node', () => {
	const items = [
		{ custom_id: 'u1', plan: 'pro' },
		{ custom_id: 'u2', em_last_intent: 'x' },
	];
	const feed = async (first: ResponseExample, then?: ResponseExample) => {
		const stub = await answering(first, then);
		try {
			const output = await run(upsertParameters({ options: { onlySendChanges: false } }), items, { ...credentials, baseUrl: stub.url });
			return { output, hits: stub.hits() };
		} finally {
			stub.server.close();
		}
	};

	it(`success: ${profileResponses.success.source}`, async () => {
		const { output } = await feed(profileResponses.success);
		expect(output).toEqual([
			{ customId: 'u1', status: 'sent', route: 'update', attributes: ['plan'] },
			{ customId: 'u2', status: 'sent', route: 'update', attributes: ['em_last_intent'] },
		]);
	});

	it(`partial errors: ${profileResponses.partialErrors.source}`, async () => {
		const { output } = await feed(profileResponses.partialErrors);
		expect(output[0].status).toBe('sent');
		expect(output[1].error).toBe('Item 1, field "em_last_intent": Batch dropped part of profile "u2": "em_last_intent": value is too long');
		// The error item's documented fields (docs/errors.md): the attribute and Batch's category.
		expect(output[1]).toMatchObject({ details: { itemIndex: 1, field: 'em_last_intent', vendorCode: 'attribute' } });
	});

	for (const example of [profileResponses.malformed, profileResponses.authentication]) {
		it(`${example.status}: ${example.source}`, async () => {
			const { output, hits } = await feed(example);
			expect(hits).toBe(1);
			const { error_code: code, error_message: message } = example.body;
			for (const [itemIndex, json] of output.entries()) {
				expect(json.error).toBe(`Item ${itemIndex}: The profile update request failed. The service answered ${example.status}: ${message} (${code})`);
				expect(json).toMatchObject({ details: { itemIndex, httpCode: String(example.status), vendorCode: code } });
			}
		});
	}

	for (const example of [profileResponses.tooManyRequests, profileResponses.serverError, profileResponses.maintenance]) {
		it(`${example.status} is retried: ${example.source}`, async () => {
			const { output, hits } = await feed(example, profileResponses.success);
			expect(hits).toBe(2);
			expect(output.map((json) => json.status)).toEqual(['sent', 'sent']);
		});
	}

	it(`GDPR create and status: ${gdprResponses.created.source}; ${gdprResponses.status.source}`, async () => {
		const created = await answering(gdprResponses.created);
		try {
			const [json] = await run({ resource: 'profile', operation: 'delete', customId: 'foobar', options: {} }, [{}], { ...credentials, baseUrl: created.url });
			expect(json).toMatchObject({ customId: 'foobar', requestId: gdprResponses.created.body.request_id, status: 'pending' });
		} finally {
			created.server.close();
		}
		const status = await answering(gdprResponses.status);
		try {
			const [json] = await run({ resource: 'profile', operation: 'getDeleteStatus', requestId: gdprResponses.status.body.request_id, app: 1 }, [{}], {
				...credentials,
				baseUrl: status.url,
			});
			expect(json).toEqual({ app: 1, ...gdprResponses.status.body });
		} finally {
			status.server.close();
		}
		const refused = await answering(gdprResponses.authentication);
		try {
			const [json] = await run({ resource: 'profile', operation: 'delete', customId: 'foobar', options: {} }, [{}], { ...credentials, baseUrl: refused.url });
			expect(json.error).toMatch(/^Item 0: The GDPR remove request failed\. The service answered 401: Authentication invalid \(AUTHENTICATION_INVALID\)/);
		} finally {
			refused.server.close();
		}
	});
});

describe('the fake refuses what Batch refuses', () => {
	const good = () => [{ identifiers: { custom_id: 'u1' }, attributes: { plan: 'pro' } }];
	const cep = (overrides: Record<string, string | undefined> = {}) => {
		const headers: Record<string, string> = {
			authorization: `Bearer ${String(credentials.restApiKey)}`,
			'x-batch-project': String(credentials.projectKey),
			'content-type': 'application/json',
		};
		for (const [name, value] of Object.entries(overrides)) {
			if (value === undefined) delete headers[name];
			else headers[name] = value;
		}
		return headers;
	};
	const post = async (path: string, body: unknown, headers = cep()) => {
		const response = await fetch(`${vendor().url}${path}`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
		const text = await response.text();
		let json: unknown;
		try {
			json = JSON.parse(text);
		} catch {
			json = text;
		}
		return { status: response.status, body: json as { error_code?: string; code?: string; errors?: Array<{ reason: string }> } };
	};

	it('accepts the documented request (the baseline of every negative case)', async () => {
		expect(await post(paths.update(version), good())).toEqual({ status: 202, body: { code: 'SUCCESS' } });
	});

	it('wrong paths: spelling, trailing slash, a version that is not 2.x', async () => {
		for (const path of ['/2.11/profile/update', '/2.11/profiles/update/', '/2.11/profiles/massupdate', '/3.0/profiles/update', '/2.11/Profiles/update']) {
			expect((await post(path, good())).status, path).toBe(404);
		}
		expect((await post('/1.0/APPKEY0001LIVE/gdpr/request/', { request_type: 'remove', id: { type: 'custom_id', value: 'u1' } }, { 'x-authorization': String(credentials.restApiKey), 'content-type': 'application/json' })).status).toBe(404);
	});

	it('missing or ill-formed headers: 401 AUTHENTICATION_INVALID, 400 for a body that is not JSON', async () => {
		for (const overrides of [
			{ authorization: undefined },
			{ authorization: String(credentials.restApiKey) },
			{ authorization: `bearer ${String(credentials.restApiKey)}` },
			{ authorization: `Token ${String(credentials.restApiKey)}` },
			{ 'x-batch-project': undefined },
			{ 'x-batch-project': 'project_ABC' },
		]) {
			expect(await post(paths.update(version), good(), cep(overrides)), JSON.stringify(overrides)).toMatchObject({
				status: 401,
				body: { error_code: 'AUTHENTICATION_INVALID' },
			});
		}
		expect(await post(paths.update(version), good(), cep({ 'content-type': 'text/plain' }))).toMatchObject({ status: 400, body: { error_code: 'MALFORMED_PARAMETER' } });
	});

	it('undocumented fields, wrong types and limits: 400 with Batch\'s error body', async () => {
		const refused = [
			[{ identifiers: { custom_id: 'u1' }, attribute: { plan: 'pro' } }],
			[{ identifiers: { custom_id: 'u1', email: 'a@b.co' } }],
			[{ identifiers: { custom_id: 42 } }],
			[{ identifiers: { custom_id: 'u1' }, attributes: [['plan', 'pro']] }],
			[{ identifiers: { custom_id: 'u1' }, events: { name: 'x' } }],
			[{ identifiers: { installation: { installation_id: 'i1' } } }],
			[{ attributes: { plan: 'pro' } }],
			{ identifiers: { custom_id: 'u1' } },
			[],
			Array.from({ length: 201 }, (_, i) => ({ identifiers: { custom_id: `u${i}` } })),
			'[{"identifiers":',
		];
		for (const body of refused) {
			const answer = await post(paths.update(version), body);
			expect(answer.status, JSON.stringify(body).slice(0, 80)).toBe(400);
			expect(answer.body.error_code).toMatch(/^(MALFORMED|MISSING)_PARAMETER$/);
		}
		expect((await post(paths.massUpdate(version), Array.from({ length: 10_001 }, (_, i) => ({ identifiers: { custom_id: `u${i}` } })))).status).toBe(400);
	});

	it('bad values inside an accepted call come back as partial errors, the rest applied', async () => {
		const answer = await post(paths.update(version), [
			{ identifiers: { custom_id: 'u1' }, attributes: { plan: 'x'.repeat(301), 'date(seen)': '2024-05-01T12:00:00+02:00', ok: 1 } },
		]);
		expect(answer.status).toBe(202);
		expect(answer.body.code).toBe('SUCCESS_WITH_PARTIAL_ERRORS');
		expect(answer.body.errors!.map((e) => e.reason)).toEqual(['string longer than 300 characters', 'dates must be sent in UTC (…Z)']);
	});

	it('GDPR create: missing X-Authorization, Bearer instead, undocumented field, wrong request type', async () => {
		const path = paths.gdprCreate(String(credentials.appApiKey));
		const body = { request_type: 'remove', id: { type: 'custom_id', value: 'u1' } };
		const legacy = { 'x-authorization': String(credentials.restApiKey), 'content-type': 'application/json' };
		expect((await post(path, body, legacy)).status).toBe(200);
		expect((await post(path, body, { 'content-type': 'application/json' })).status).toBe(401);
		expect((await post(path, body, { authorization: `Bearer ${String(credentials.restApiKey)}`, 'content-type': 'application/json' })).status).toBe(401);
		expect((await post(paths.gdprCreate('UNKNOWNAPP'), body, legacy)).status).toBe(401);
		for (const wrong of [
			{ ...body, request_type: 'delete' },
			{ ...body, reason: 'gdpr' },
			{ request_type: 'remove' },
			{ ...body, id: { type: 'email', value: 'u1' } },
			{ ...body, id: { type: 'custom_id', value: 'u1', app: 'x' } },
			{ ...body, callback_url: 'not a url' },
		]) {
			expect((await post(path, wrong, legacy)).status, JSON.stringify(wrong)).toBe(400);
		}
		expect((await post(path, body, { ...legacy, 'content-type': 'text/plain' })).status).toBe(400);
	});
});

describe('where Batch allows two forms, the node\'s form is the one the fake accepts', () => {
	it('identifiers: the node sends custom_id; the fake refuses the installation form', async () => {
		await run(upsertParameters({ options: { onlySendChanges: false } }), [{ custom_id: 'u1', plan: 'pro' }]);
		const [request] = vendor().captured();
		expect(Object.keys((request.body as Array<{ identifiers: object }>)[0].identifiers)).toEqual(['custom_id']);
		expect(request.status).toBe(202);
	});

	it('dates: the node converts any offset to UTC, the form the fake accepts; the offset form is refused', async () => {
		const output = await run(upsertParameters({ options: { onlySendChanges: false, dateAttributes: 'seen' } }), [
			{ custom_id: 'u1', seen: '2024-05-01T12:00:00+02:00' },
		]);
		expect(output[0].status).toBe('sent');
		const [request] = vendor().captured();
		expect((request.body as Array<{ attributes: IDataObject }>)[0].attributes['date(seen)']).toBe('2024-05-01T10:00:00.000Z');
		const state = (await (await fetch(`${vendor().url}/__sandbox/state`)).json()) as { calls: Array<{ code: string }> };
		expect(state.calls.at(-1)!.code).toBe('SUCCESS');
	});
});
