import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { SandboxControl } from '../../sandbox/control.mts';
import type { RunningVendor } from '../../sandbox/core.mts';
import { startVendor } from '../../sandbox/core.mts';
import { create, KEYS } from '../../sandbox/synerise.mts';

let vendor: RunningVendor;
let control: SandboxControl;

beforeAll(async () => {
	vendor = await startVendor(create(), { timeScale: 1 });
	control = new SandboxControl(vendor.url);
});
afterAll(async () => await vendor.close());
beforeEach(async () => {
	await control.reset();
	vendor.setFaults({ error5xxRate: 0, rate429: 0, resetRate: 0, latencyMs: [0, 0], routes: [] });
});

const configure = async (knobs: Record<string, unknown>) => await control.setKnobs(knobs);

async function call(method: string, path: string, options: { token?: string; basic?: string; body?: unknown; headers?: Record<string, string> } = {}) {
	const headers: Record<string, string> = { 'Api-Version': '4.4', ...options.headers };
	if (options.token) headers.authorization = `Bearer ${options.token}`;
	if (options.basic) headers.authorization = `Basic ${options.basic}`;
	let body: string | undefined;
	if (options.body !== undefined) {
		body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
		headers['content-type'] ??= 'application/json';
	}
	const response = await fetch(`${vendor.url}${path}`, { method, headers, body });
	const text = await response.text();
	return { status: response.status, headers: response.headers, body: text === '' ? undefined : (JSON.parse(text) as any) };
}

async function login(apiKey: string = KEYS.full.apiKey): Promise<string> {
	const response = await call('POST', '/uauth/v2/auth/login/profile', { body: { apiKey } });
	expect(response.status).toBe(200);
	return response.body.token as string;
}

const state = () => vendor.module.state() as any;

describe('Synerise sandbox', () => {
	it('logs in with a workspace key and serves the documented profile life cycle', async () => {
		await configure({ applyDelayMs: 0 });
		const token = await login();
		const [, payload] = token.split('.');
		const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
		expect(claims.exp).toBeGreaterThan(Date.now() / 1000 + 3500);

		const created = await call('POST', '/v4/clients', { token, body: { email: 'Jane@Example.com', firstName: 'Jane', attributes: { tier: 'gold' } } });
		expect(created).toMatchObject({ status: 202, body: undefined });

		const byEmail = await call('GET', '/v4/clients/by-email/jane%40example.com', { token });
		expect(byEmail.status).toBe(200);
		// Every key of the documented shape, nulls for unset fields, agreements all false by default.
		expect(byEmail.body).toMatchObject({ email: 'Jane@Example.com', firstName: 'Jane', city: null, tags: [], previousClients: [], attributes: { tier: 'gold' } });
		expect(Object.keys(byEmail.body.agreements)).toHaveLength(7);
		expect(byEmail.body.uuid).toMatch(/^[0-9a-f-]{36}$/);
		const clientId = byEmail.body.clientId as number;

		for (const segment of ['by-customId', 'by-customid', 'by-custom-id']) {
			expect((await call('GET', `/v4/clients/${segment}/nobody`, { token })).status).toBe(404);
		}
		expect((await call('POST', `/v4/clients/${clientId}`, { token, body: { city: 'Warsaw', attributes: { tier: null, time: 'x' } } })).status).toBe(202);
		const updated = await call('GET', `/v4/clients/${clientId}`, { token });
		expect(updated.body.city).toBe('Warsaw');
		// null deletes the custom attribute; the reserved name `time` is silently ignored.
		expect(updated.body.attributes).toEqual({});

		const listed = await call('GET', '/v4/clients?pageIndex=1&pageSize=10&filters%5Bemail%5D=JANE%40example.com', { token });
		expect(listed.body.map((p: any) => p.clientId)).toEqual([clientId]);

		expect((await call('DELETE', `/v4/clients/${clientId}`, { token })).status).toBe(202);
		expect((await call('GET', `/v4/clients/${clientId}`, { token })).status).toBe(404);
		expect(state().history.map((h: any) => h.kind)).toEqual(['create', 'update', 'delete']);
	});

	it('applies queued writes after the processing delay', async () => {
		await configure({ applyDelayMs: 150 });
		const token = await login();
		await call('POST', '/v4/clients', { token, body: { customId: 'late-1' } });
		expect((await call('GET', '/v4/clients/by-customId/late-1', { token })).status).toBe(404);
		await new Promise((resolve) => setTimeout(resolve, 300));
		expect((await call('GET', '/v4/clients/by-customId/late-1', { token })).status).toBe(200);
	});

	it('refuses bad keys, expired tokens, wrong Basic pairs and missing permissions with the error object', async () => {
		const bad = await call('POST', '/uauth/v2/auth/login/profile', { body: { apiKey: '00000000-0000-4000-8000-000000000000' } });
		expect(bad.status).toBe(401);
		expect(Object.keys(bad.body).sort()).toEqual(['error', 'message', 'path', 'status', 'timestamp']);
		expect(bad.body.path).toBe('/uauth/v2/auth/login/profile');
		expect((await call('POST', '/uauth/v2/auth/login/profile', { body: { apiKey: 'not-a-uuid' } })).status).toBe(400);

		await configure({ tokenTtlSeconds: 0.1 });
		const token = await login();
		expect((await call('GET', '/v4/clients', { token })).status).toBe(200);
		await new Promise((resolve) => setTimeout(resolve, 150));
		const expired = await call('GET', '/v4/clients', { token });
		expect(expired.status).toBe(401);
		expect(expired.body).toMatchObject({ error: 'Unauthorized', status: 401, path: '/v4/clients' });
		expect((await call('GET', '/v4/auth/refresh/profile', { token })).status).toBe(401);

		await configure({ tokenTtlSeconds: 3600 });
		const fresh = await login();
		await configure({ expireTokensNow: true });
		expect((await call('GET', '/v4/clients', { token: fresh })).status).toBe(401);

		const basic = (guid: string, key: string) => Buffer.from(`${guid}:${key}`).toString('base64');
		expect((await call('GET', '/v4/clients', { basic: basic(KEYS.full.guid, KEYS.full.apiKey) })).status).toBe(200);
		expect((await call('GET', '/v4/clients', { basic: basic(KEYS.readOnly.guid, KEYS.full.apiKey) })).status).toBe(401);
		// Basic authentication must be enabled for the key.
		expect((await call('GET', '/v4/clients', { basic: basic(KEYS.jwtOnly.guid, KEYS.jwtOnly.apiKey) })).status).toBe(401);

		const readOnly = await login(KEYS.readOnly.apiKey);
		const denied = await call('POST', '/v4/clients/batch', { token: readOnly, body: [{ email: 'a@b.co' }] });
		expect(denied).toMatchObject({ status: 403, body: { status: 403, error: 'Forbidden' } });
		const check = await call('POST', '/uauth/api-key/permission-check', { token: readOnly, body: ['API_CLIENT_READ', 'API_CLIENT_CREATE'] });
		expect(check.body).toEqual({ businessProfileName: 'Sandbox Workspace', permissions: { API_CLIENT_READ: true, API_CLIENT_CREATE: false } });
		expect(state().logins).toBe(3);
	});

	it('caps batches by count and bytes, and drops invalid entries while processing', async () => {
		await configure({ applyDelayMs: 0 });
		const token = await login();
		const many = Array.from({ length: 1001 }, (_, i) => ({ customId: `c${i}` }));
		const tooMany = await call('POST', '/v4/clients/batch', { token, body: many });
		expect(tooMany.status).toBe(400);
		expect(tooMany.body.message).toContain('at most 1000');

		const big = [{ customId: 'big', attributes: { blob: 'x'.repeat(1_000_000) } }];
		expect((await call('POST', '/v4/clients/batch', { token, body: big })).status).toBe(400);
		await configure({ batchOversizeStatus: 413 });
		expect((await call('POST', '/v4/clients/batch', { token, body: big })).status).toBe(413);

		expect((await call('POST', '/v4/clients/batch', { token, body: { customId: 'x' } })).status).toBe(400);
		expect((await call('POST', '/v4/clients/batch', { token, body: '[]', headers: { 'content-type': 'text/plain' } })).status).toBe(415);

		const ok = await call('POST', '/v4/clients/batch', { token, body: [...many.slice(0, 999), { email: 'not-an-email' }] });
		expect(ok).toMatchObject({ status: 202, body: undefined });
		expect(state().profiles).toHaveLength(999);
		expect(state().dropped).toEqual([expect.objectContaining({ field: 'email', value: 'not-an-email' })]);

		await configure({ batchInvalidItems: 'multiStatus' });
		const partial = await call('POST', '/v4/clients/batch', { token, body: [{ customId: 'ok-1' }, { phone: '12' }, { email: '' }] });
		expect(partial.status).toBe(207);
		expect(partial.body.errors.map((e: any) => e.field)).toEqual(['[1].phone', '[2].email', '[2].']);
		expect(state().profiles).toHaveLength(1000);
	});

	it('enforces the list rules: 1-based pages, page size, window and enums', async () => {
		await configure({ applyDelayMs: 0, listWindow: 50 });
		const token = await login();
		await call('POST', '/v4/clients/batch', { token, body: Array.from({ length: 25 }, (_, i) => ({ customId: `p${i}`, lastName: `L${String(i).padStart(2, '0')}` })) });
		const page2 = await call('GET', '/v4/clients?pageIndex=2&pageSize=10&sortBy=lastName&sortOrder=DESC', { token });
		expect(page2.body.map((p: any) => p.lastName)).toEqual(['L14', 'L13', 'L12', 'L11', 'L10', 'L09', 'L08', 'L07', 'L06', 'L05']);
		expect((await call('GET', '/v4/clients?pageIndex=0&pageSize=10', { token })).status).toBe(400);
		expect((await call('GET', '/v4/clients?pageIndex=1&pageSize=101', { token })).status).toBe(400);
		expect((await call('GET', '/v4/clients?pageIndex=6&pageSize=10', { token })).status).toBe(400);
		expect((await call('GET', '/v4/clients?sortBy=zipCode', { token })).status).toBe(400);
	});

	it('throttles with 429 and Retry-After when the rate knob is set, and injects faults', async () => {
		await configure({ ratePerSecond: 2, rateBurst: 2, retryAfterSeconds: 3 });
		const token = await login();
		const answers = [];
		for (let i = 0; i < 3; i++) answers.push(await call('GET', '/v4/clients', { token }));
		expect(answers.map((a) => a.status)).toEqual([200, 200, 429]);
		expect(answers[2].headers.get('retry-after')).toBe('3');
		expect(answers[2].body).toMatchObject({ error: 'Too Many Requests', status: 429 });

		await configure({ ratePerSecond: 0 });
		vendor.setFaults({ error5xxRate: 1, routes: ['/v4/clients/batch'] });
		const faulted = await call('GET', '/v4/clients', { token });
		expect(faulted.status).toBe(200);
		const response = await fetch(`${vendor.url}/v4/clients/batch`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '[]' });
		expect([500, 502, 503]).toContain(response.status);
		expect(vendor.stats().injected.error5xx).toBe(1);
	});

	it('refuses a /v4 call without Api-Version 4.4 with a 400 error object; the knob serves and counts it', async () => {
		const token = await login();
		const bare = await fetch(`${vendor.url}/v4/clients`, { headers: { authorization: `Bearer ${token}` } });
		expect(bare.status).toBe(400);
		expect(await bare.json()).toMatchObject({ error: 'Bad Request', status: 400, path: '/v4/clients', message: 'Missing Api-Version header' });
		expect((await call('GET', '/v4/clients', { token, headers: { 'Api-Version': '4.0' } })).status).toBe(400);
		expect(state().missingApiVersion).toBe(1);
		await configure({ requireApiVersion: false });
		expect((await fetch(`${vendor.url}/v4/clients`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
		expect(state().missingApiVersion).toBe(2);
	});
	it('matches profiles by their current identifiers after updates and deletes change them', async () => {
		await configure({ applyDelayMs: 0 });
		const token = await login();
		const batch = async (profiles: unknown[]) => expect((await call('POST', '/v4/clients/batch', { token, body: profiles })).status).toBe(202);
		await batch([{ customId: 'a', email: 'old@example.com' }, { customId: 'b', email: 'other@example.com' }]);
		const a = (await call('GET', '/v4/clients/by-customId/a', { token })).body.clientId as number;
		// A new email: the old one no longer names the profile, the new one does.
		expect((await call('POST', `/v4/clients/${a}`, { token, body: { email: 'New@Example.com' } })).status).toBe(202);
		expect((await call('GET', '/v4/clients/by-email/old%40example.com', { token })).status).toBe(404);
		await batch([{ email: 'new@example.com', firstName: 'Matched' }, { email: 'old@example.com', firstName: 'Fresh' }]);
		expect((await call('GET', `/v4/clients/${a}`, { token })).body.firstName).toBe('Matched');
		const fresh = (await call('GET', '/v4/clients/by-email/old%40example.com', { token })).body;
		expect(fresh.clientId).not.toBe(a);
		expect(fresh.firstName).toBe('Fresh');
		// A deleted profile is not matched again: the next upsert with its custom ID creates a new one.
		expect((await call('DELETE', '/v4/clients/by-customid/b', { token })).status).toBe(202);
		await batch([{ customId: 'b', firstName: 'Reborn' }]);
		const reborn = (await call('GET', '/v4/clients/by-customId/b', { token })).body;
		expect(reborn.firstName).toBe('Reborn');
		expect(reborn.email).toBeNull();
		expect(state().profiles).toHaveLength(3);
	});
});
