import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { startSandbox, type Sandbox } from '../../sandbox/index.mts';
import { credentials } from '../../sandbox/insider.mts';

let sandbox: Sandbox;
let base: string;

const headers = (extra: Record<string, string> = {}) => ({
	'content-type': 'application/json',
	'x-partner-name': credentials.partnerName,
	'x-request-token': credentials.requestToken,
	...extra,
});

async function call(method: string, path: string, body?: unknown, extra?: Record<string, string>) {
	const response = await fetch(`${base}${path}`, { method, headers: headers(extra), body: body === undefined ? undefined : JSON.stringify(body) });
	const text = await response.text();
	let parsed: any = text;
	try {
		parsed = text ? JSON.parse(text) : undefined;
	} catch {
		// not JSON
	}
	return { status: response.status, body: parsed, headers: response.headers };
}

const control = () => sandbox.control('insider');

beforeAll(async () => {
	sandbox = await startSandbox({ only: ['insider'], ports: 'random' });
	base = sandbox.vendor('insider').url;
});
afterAll(async () => await sandbox.close());
beforeEach(async () => {
	await control().reset();
	await control().setKnobs({ rateLimits: { userWrite: 25_000 }, authFailure: 'forbidden', exportDelayMs: 50 });
});

describe('Insider sandbox', () => {
	it('upserts users, merges attributes, appends arrays and events, and reports per-user errors by key', async () => {
		const first = await call('POST', '/api/user/v1/upsert', {
			users: [
				{ identifiers: { email: 'a@x.io' }, attributes: { name: 'Ann', age: 0, email_optin: false, custom: { tags: ['x'], note: '' } } },
				{ identifiers: { email: 'not-an-email' }, attributes: { name: 'Bad' } },
				{ identifiers: { uuid: 'u-3' }, events: [{ event_name: 'purchase', timestamp: '2024-01-01T00:00:00Z', event_params: { currency: 'USD' } }] },
			],
		});
		expect(first.status).toBe(200);
		expect(first.body.data.successful).toEqual({ count: 1 });
		expect(first.body.data.fail.count).toBe(2);
		expect(first.body.data.fail.errors['users.1.identifiers.*.regexp(^.+@.+\\..+$)']).toEqual(['not a valid email address: not-an-email']);
		expect(first.body.data.fail.errors['users.2.events.0.event_params.*.required']).toEqual([
			'event_group_id parameter is required on purchase event',
			'unit_sale_price parameter is required on purchase event',
			'quantity parameter is required on purchase event',
		]);
		await call('POST', '/api/user/v1/upsert', { users: [{ identifiers: { email: 'a@x.io' }, attributes: { custom: { tags: ['y', 'x'] } } }] });
		const { users } = await control().state();
		expect(users).toHaveLength(1);
		expect(users[0].attributes).toEqual({ name: 'Ann', age: 0, email_optin: false, custom: { tags: ['x', 'y'], note: '' } });
		expect(users[0].insider_id).toMatch(/[0-9a-f-]{36}/);
	});

	it('answers 403 for a wrong token by default and 400/401 in the specific variant', async () => {
		expect((await call('POST', '/api/user/v1/upsert', { users: [] }, { 'x-request-token': 'nope' })).status).toBe(403);
		expect((await call('POST', '/api/user/v1/upsert', { users: [] }, { 'x-partner-name': 'SandboxPartner' })).body).toEqual({
			success: false,
			message: 'Access Denied. You do not have sufficient access to perform this action.',
		});
		await control().setKnobs({ authFailure: 'specific' });
		expect((await call('POST', '/api/user/v1/upsert', {}, { 'x-partner-name': 'other' })).body).toEqual({ success: false, message: 'Partner is invalid.' });
		const wrongToken = await call('POST', '/api/user/v1/upsert', {}, { 'x-request-token': 'nope' });
		expect(wrongToken.status).toBe(401);
	});

	it('refuses non-JSON bodies, a revoked token and an operation the token may not use', async () => {
		const text = await fetch(`${base}/api/user/v1/upsert`, { method: 'POST', headers: { ...headers(), 'content-type': 'text/plain' }, body: 'users' });
		expect(text.status).toBe(400);
		expect(await text.json()).toEqual({ error: 'content type must be application/json' });
		const broken = await fetch(`${base}/api/user/v1/upsert`, { method: 'POST', headers: headers(), body: '{"users": [' });
		expect(await broken.json()).toEqual({ success: false, message: 'Request data is not in valid JSON format.' });
		await control().setKnobs({ deniedRoutes: ['POST /api/user/v1/delete'] });
		expect((await call('POST', '/api/user/v1/delete', { identifiers: { email: 'a@x.io' } })).status).toBe(403);
		expect((await call('POST', '/api/user/v3/metadata/columns', { table: 'events' })).status).toBe(200);
		await control().setKnobs({ deniedRoutes: [], revokedTokens: [credentials.requestToken] });
		expect((await call('POST', '/api/user/v3/metadata/columns', { table: 'events' })).status).toBe(403);
		await control().setKnobs({ revokedTokens: [] });
	});

	it('enforces the per-minute limit with 429 and Retry-After, the 1,000-user cap and the 5 MB cap', async () => {
		await control().setKnobs({ rateLimits: { userWrite: 2 } });
		const user = { identifiers: { email: 'a@x.io' }, attributes: { name: 'A' } };
		expect((await call('POST', '/api/user/v1/upsert', { users: [user] })).status).toBe(200);
		expect((await call('POST', '/api/user/v1/attribute/delete', { users: [{ identifiers: { email: 'a@x.io' }, whole: ['name'] }] })).status).toBe(200);
		const limited = await call('POST', '/api/user/v1/upsert', { users: [user] });
		expect(limited.status).toBe(429);
		expect(limited.body).toEqual({ error: 'rejected: too many requests' });
		expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);

		await control().setKnobs({ rateLimits: { userWrite: 25_000 } });
		const tooMany = await call('POST', '/api/user/v1/upsert', { users: Array.from({ length: 1001 }, () => user) });
		expect(tooMany.status).toBe(400);
		const big = await call('POST', '/api/user/v1/upsert', { users: [{ ...user, attributes: { blob: 'x'.repeat(5_000_001) } }] });
		expect(big.status).toBe(400);
		expect(big.body.error).toBe('request body is bigger than maximum allowed size 5,000,000 bytes');
		expect((await call('POST', '/api/user/v1/upsert', {})).body).toEqual({ error: 'users must be defined: bad request' });
	});

	it('answers injected failures: the 500 unknown-error body and an HTML edge 502', async () => {
		await control().setKnobs({ fail500: 1, failEdge: 1 });
		const first = await call('POST', '/api/user/v3/metadata/columns', { table: 'contacts' });
		expect(first.status).toBe(500);
		expect(first.body).toEqual({ success: false, message: 'The request processing has failed because of an unknown error.' });
		const second = await call('POST', '/api/user/v3/metadata/columns', { table: 'contacts' });
		expect(second.status).toBe(502);
		expect(String(second.body)).toContain('<html>');
		const third = await call('POST', '/api/user/v3/metadata/columns', { table: 'contacts' });
		expect(third.status).toBe(200);
		expect(third.body.map((column: any) => column.key)).toContain('c_loyalty_tier');
	});

	it('reads profiles with c_ names, the gdpr alias, event projection and 404 for unknown users', async () => {
		await control().setKnobs({
			users: [
				{
					insider_id: 'iid-1',
					identifiers: { email: 'p@x.io' },
					attributes: { name: 'P', gdpr_optin: true, custom: { tier: 'gold' } },
					events: [
						{ event_name: 'page_view', timestamp: '2024-01-02T00:00:00Z', event_params: { url: 'https://a' } },
						{ event_name: 'page_view', timestamp: '2023-01-02T00:00:00Z', event_params: { url: 'https://old' } },
					],
				},
			],
		});
		const profile = await call('POST', '/api/user/v1/profile', {
			identifiers: { email: 'p@x.io' },
			attributes: ['name', 'gdpr', 'c_tier', 'surname'],
			events: { start_date: Date.parse('2024-01-01T00:00:00Z') / 1000, end_date: Date.parse('2024-02-01T00:00:00Z') / 1000, wanted: [{ event_name: 'page_view', params: ['url', 'timestamp'] }] },
			quota: true,
		});
		expect(profile.status).toBe(200);
		expect(profile.body.attributes).toEqual({ name: 'P', gdpr: true, c_tier: 'gold', iid: 'iid-1' });
		expect(profile.body.events).toEqual({ page_view: [{ url: 'https://a', created_date: '2024-01-02T00:00:00Z' }] });
		expect(profile.body.quota).toEqual({ cost: 1.5, used: 1.5, total: 1000 });
		expect((await call('POST', '/api/user/v1/profile', { identifiers: { email: 'none@x.io' }, attributes: ['*'] })).body).toEqual({
			error: 'no such user for these identifiers: no data',
		});
	});

	it('runs the export: validates, calls the hook with a link, serves the file, then refuses a second export that day', async () => {
		await control().setKnobs({ users: [{ insider_id: 'iid-9', identifiers: { email: 'e@x.io' }, attributes: { name: 'E, Jr.', custom: { tier: 'gold' } }, events: [] }] });
		const posted: any[] = [];
		const hook = createServer((req, res) => {
			let text = '';
			req.on('data', (chunk) => (text += chunk));
			req.on('end', () => {
				posted.push(JSON.parse(text));
				res.end('ok');
			});
		});
		await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
		const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
		expect((await call('POST', '/api/raw/v1/export', { segment: { segment_id: 2 }, attributes: ['*'], format: 'csv', hook: hookUrl })).status).toBe(400);
		const started = await call('POST', '/api/raw/v1/export', { segment: { segment_id: 1 }, attributes: ['*'], format: 'csv', hook: hookUrl });
		expect(started.status).toBe(200);
		for (let i = 0; i < 50 && posted.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
		expect(posted).toEqual([{ url: started.body.url }]);
		const file = await fetch(posted[0].url);
		expect(file.status).toBe(200);
		expect(await file.text()).toBe('iid,a_email,a_name,a_c_tier\r\niid-9,e@x.io,"E, Jr.",gold\r\n');
		const again = await call('POST', '/api/raw/v1/export', { segment: { segment_id: 1 }, attributes: ['*'], format: 'csv', hook: hookUrl });
		expect(again.status).toBe(429);
		hook.close();
	});

	it('updates and deletes identifiers with the documented refusals, deletes and anonymises users', async () => {
		await control().setKnobs({
			users: [
				{ insider_id: 'i1', identifiers: { email: 'one@x.io', phone_number: '+6598765432' }, attributes: { name: 'One', city: 'X', custom: { tier: 'g' } }, events: [] },
				{ insider_id: 'i2', identifiers: { email: 'two@x.io' }, attributes: {}, events: [] },
			],
		});
		expect((await call('PATCH', '/api/user/v1/identity', { old_identifier: { email: 'one@x.io' }, new_identifier: { email: 'one@x.io' } })).body).toEqual({ error: 'identifier values are the same: bad request' });
		expect((await call('PATCH', '/api/user/v1/identity', { old_identifier: { email: 'one@x.io' }, new_identifier: { email: 'two@x.io' } })).body).toEqual({ error: 'new identifier already has a user assigned to it: bad request' });
		expect((await call('PATCH', '/api/user/v1/identity', { old_identifier: { email: 'one@x.io', uuid: 'a' }, new_identifier: { email: 'n@x.io' } })).status).toBe(400);
		expect((await call('PATCH', '/api/user/v1/identity', { old_identifier: { email: 'one@x.io' }, new_identifier: { email: 'new@x.io' } })).status).toBe(200);
		expect((await call('DELETE', '/api/user/v1/identity', { identifiers: { email: 'two@x.io' } })).body).toEqual({ error: 'you cannot delete the sole identifier specified for a user: bad request' });
		expect((await call('DELETE', '/api/user/v1/identity', { identifiers: { phone_number: '+6598765432' } })).status).toBe(200);
		expect((await call('POST', '/api/user/v1/anonymize', { identifiers: { email: 'new@x.io' } })).status).toBe(200);
		expect((await call('POST', '/api/user/v1/delete', { identifiers: { email: 'two@x.io' } })).status).toBe(200);
		expect((await call('POST', '/api/user/v1/delete', { identifiers: { email: 'two@x.io' } })).status).toBe(404);
		const { users } = await control().state();
		expect(users).toEqual([{ insider_id: 'i1', identifiers: {}, attributes: { custom: { tier: 'g' } }, events: [], anonymous: true }]);
	});
});
