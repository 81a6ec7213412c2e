import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import type { Sandbox } from '../../sandbox/index.mts';
import { startSandbox } from '../../sandbox/index.mts';

let sandbox: Sandbox;
let url: string;
let keys: { restApiKey: string; projectKey: string; appApiKey: string };

const headers = (overrides: Record<string, string> = {}) => ({
	'content-type': 'application/json',
	authorization: `Bearer ${keys.restApiKey}`,
	'x-batch-project': keys.projectKey,
	...overrides,
});

async function post(path: string, body: unknown, extra: Record<string, string> = {}) {
	const response = await fetch(`${url}${path}`, { method: 'POST', headers: headers(extra), body: typeof body === 'string' ? body : JSON.stringify(body) });
	return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}

const control = () => sandbox.control('batch');

const op = (id: string, attributes: Record<string, unknown> = {}, events?: unknown[]) => ({ identifiers: { custom_id: id }, attributes, ...(events ? { events } : {}) });

beforeAll(async () => {
	sandbox = await startSandbox({ only: ['batch'], ports: 'random' });
	url = sandbox.vendor('batch').url;
	keys = sandbox.credentials.batch as typeof keys;
});
afterAll(async () => await sandbox.close());
beforeEach(async () => {
	await control().reset();
	await control().configure({ timeScale: 1, faults: { error5xxRate: 0 }, knobs: { updatePerSecond: 300, updateBurst: 1000, sendRetryAfter: false, visibilityDelayMs: 0, gdprDelayMs: 1000 } });
});

describe('Batch sandbox', () => {
	it('upserts profiles with merge semantics, typed values and array edits', async () => {
		const first = await post('/2.11/profiles/update', [
			op('jane', { $email_address: 'jane@example.com', $email_marketing: 'subscribed', plan: 'gold', 'date(seen)': '2024-05-01T10:00:00Z', 'url(avatar)': 'https://a.example/x.png', tags: ['a', 'b'], n: 2, f: 1.5, vip: true }),
		]);
		expect(first).toMatchObject({ status: 202, body: { code: 'SUCCESS' } });
		await post('/2.4/profiles/update', [op('jane', { plan: null, tags: { $add: ['c', 'a'], $remove: ['b'] }, $email_marketing: null, n: 'two' })]);
		const jane = (await control().state()).profiles.jane;
		expect(jane.native).toEqual({ $email_address: 'jane@example.com' });
		expect(jane.attributes).toEqual({
			seen: { type: 'date', value: '2024-05-01T10:00:00Z' },
			avatar: { type: 'url', value: 'https://a.example/x.png' },
			tags: { type: 'array', value: ['a', 'c'] },
			n: { type: 'string', value: 'two' },
			f: { type: 'float', value: 1.5 },
			vip: { type: 'boolean', value: true },
		});
		expect((await control().state()).warnings).toEqual(['jane: attribute n changed type from integer to string']);
	});

	it('answers partial errors with bulk_index and still applies the rest of the profile', async () => {
		const answer = await post('/2.11/profiles/update', [
			op('a', { ok: 1 }),
			op('b', { Bad: 1, long: 'x'.repeat(301), $phone_number: '0600', fine: 'yes' }),
			op('c', {}, [{ name: 'old', time: '2001-01-01T00:00:00Z' }]),
		]);
		expect(answer.status).toBe(202);
		expect(answer.body.code).toBe('SUCCESS_WITH_PARTIAL_ERRORS');
		expect(answer.body.errors).toEqual([
			{ category: 'attribute', bulk_index: 1, attribute: 'Bad', reason: 'invalid attribute name' },
			{ category: 'attribute', bulk_index: 1, attribute: 'long', reason: 'string longer than 300 characters' },
			{ category: 'attribute', bulk_index: 1, attribute: '$phone_number', reason: 'phone number is not E.164' },
			{ category: 'event', bulk_index: 2, reason: 'event 0: time older than 24 hours or in the future' },
		]);
		expect((await control().state()).profiles.b.attributes).toEqual({ fine: { type: 'string', value: 'yes' } });
	});

	it('refuses wrong keys, a missing project and unknown versions', async () => {
		expect(await post('/2.11/profiles/update', [op('a')], { authorization: 'Bearer nope' })).toMatchObject({
			status: 401,
			body: { error_code: 'AUTHENTICATION_INVALID' },
		});
		expect((await post('/2.11/profiles/update', [op('a')], { 'x-batch-project': 'project_00000000000000000000000000000000' })).status).toBe(401);
		expect((await post('/2.11/profiles/update', [op('a')], { 'x-batch-project': '' })).status).toBe(401);
		await control().configure({ knobs: { missingProjectStatus: 400 } });
		expect((await post('/2.11/profiles/update', [op('a')], { 'x-batch-project': '' })).status).toBe(400);
		await control().configure({ knobs: { missingProjectStatus: 401 } });
		expect(await post('/3.0/profiles/update', [op('a')])).toMatchObject({ status: 404, body: { error_code: 'ROUTE_NOT_FOUND' } });
	});

	it('rejects whole calls over the size limit, malformed bodies and bad identifiers', async () => {
		const ops = (n: number) => Array.from({ length: n }, (_, i) => op(`u${i}`, { n: i }));
		expect((await post('/2.11/profiles/update', ops(200))).status).toBe(202);
		expect(await post('/2.11/profiles/update', ops(201))).toMatchObject({ status: 400, body: { error_code: 'MALFORMED_PARAMETER' } });
		expect((await post('/2.11/profiles/mass-update', ops(10_001))).status).toBe(400);
		expect((await post('/2.11/profiles/update', '{"not":"an array"}')).status).toBe(400);
		expect((await post('/2.11/profiles/update', '[oops')).status).toBe(400);
		expect((await post('/2.11/profiles/update', [])).status).toBe(400);
		expect((await post('/2.11/profiles/update', [{ identifiers: { custom_id: 5 } }])).status).toBe(400);
		await control().configure({ knobs: { identifierErrors: 'operation' } });
		const partial = await post('/2.11/profiles/update', [{ identifiers: {} }, op('ok', { a: 1 })]);
		expect(partial.body.errors).toEqual([{ category: 'identifier', bulk_index: 0, reason: 'exactly one of custom_id or installation is required' }]);
		await control().configure({ knobs: { identifierErrors: 'call' } });
	});

	it('answers 429 when the per-profile bucket is empty, with Retry-After only when switched on', async () => {
		const ops = (n: number, p = 'x') => Array.from({ length: n }, (_, i) => op(`${p}${i}`, { n: i }));
		for (let i = 0; i < 5; i++) expect((await post('/2.11/profiles/update', ops(200, `b${i}`))).status).toBe(202);
		const refused = await post('/2.11/profiles/update', ops(200));
		expect(refused).toMatchObject({ status: 429, body: { error_code: 'TOO_MANY_REQUESTS' } });
		expect(refused.headers.get('retry-after')).toBeNull();
		expect((await control().state()).profileCount).toBe(1000);
		await control().configure({ knobs: { sendRetryAfter: true } });
		await post('/2.11/profiles/update', ops(200, 'c'));
		for (let i = 0; i < 5; i++) await post('/2.11/profiles/update', ops(200, `d${i}`));
		const withHeader = await post('/2.11/profiles/update', ops(200, 'e'));
		expect(withHeader.status).toBe(429);
		expect(Number(withHeader.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
		// The mass-update bucket is separate.
		expect((await post('/2.11/profiles/mass-update', ops(500, 'm'))).status).toBe(202);
	});

	it('injects server errors through the core fault switches', async () => {
		await control().configure({ faults: { error5xxRate: 1, routes: ['profiles/update'] } });
		const response = await fetch(`${url}/2.11/profiles/update`, { method: 'POST', headers: headers(), body: JSON.stringify([op('a', { n: 1 })]) });
		expect([500, 502, 503]).toContain(response.status);
		expect((await control().state()).profileCount).toBe(0);
		await control().configure({ faults: { error5xxRate: 0, routes: [] } });
	});

	it('makes writes visible only after the configured delay', async () => {
		await control().configure({ knobs: { visibilityDelayMs: 300 } });
		await post('/2.11/profiles/update', [op('late', { n: 1 })]);
		expect((await control().state()).profiles.late).toBeUndefined();
		await new Promise((resolve) => setTimeout(resolve, 350));
		expect((await control().state()).profiles.late.attributes.n.value).toBe(1);
	});

	it('runs GDPR remove requests from pending to done and deletes the profile', async () => {
		await post('/2.11/profiles/update', [op('gone', { n: 1 })]);
		await control().configure({ timeScale: 0.1 });
		const legacy = { 'x-authorization': keys.restApiKey, authorization: '' };
		const created = await post(`/1.0/${keys.appApiKey}/gdpr/request`, { request_type: 'remove', id: { type: 'custom_id', value: 'gone' } }, legacy);
		const missing = await post(`/1.0/${keys.appApiKey}/gdpr/request`, { request_type: 'remove', id: { type: 'custom_id', value: 'nobody' } }, legacy);
		expect(created.status).toBe(200);
		const status = async (id: string) =>
			(await (await fetch(`${url}/1.0/${keys.appApiKey}/gdpr/request/${id}`, { headers: legacy })).json()) as any;
		expect((await status(created.body.request_id)).status).toBe('pending');
		await new Promise((resolve) => setTimeout(resolve, 150));
		expect(await status(created.body.request_id)).toMatchObject({ status: 'done', request_type: 'remove', id: { value: 'gone' } });
		expect(await status(missing.body.request_id)).toMatchObject({ status: 'done', error: 'user not found' });
		expect((await control().state()).profiles.gone).toBeUndefined();
		expect((await post(`/1.0/WRONGAPP/gdpr/request`, { request_type: 'remove', id: { type: 'custom_id', value: 'x' } }, legacy)).status).toBe(401);
		expect((await post(`/1.0/${keys.appApiKey}/gdpr/request`, { request_type: 'remove', id: { type: 'custom_id', value: 'x' } }, { 'x-authorization': 'bad' })).status).toBe(401);
	});
});
