import { describe, expect, it } from 'vitest';

import { MAX_REQUEST_BYTES } from '../../../nodes/Insider/transport';
import { credentials } from '../../../sandbox/insider.mts';
import { runNode, runNodeFailing } from './context.mts';
import { useInsider } from './sandbox.mts';

const { sandbox, baseUrl, state, configure } = await useInsider();


const autoMap = (options: Record<string, unknown> = {}) => ({ resource: 'user', operation: 'upsert', mappingMode: 'autoMap', options });
const run = (items: any[], parameters: any = autoMap(), extra: Record<string, unknown> = {}) =>
	runNode({ baseUrl, credentials: { ...credentials, partnerName: 'SandboxPartner ' }, items, parameters, ...extra });


describe('Insider upsert: request shape and mapping', () => {
	it('signs with lowercase partner and token headers and sends one user per item in the service shape', async () => {
		const { output, requests } = await run([
			{ email: 'a@x.io', name: 'Ann', age: 31, tier: 'gold', c_score: 5, user_loyalty_id: 'L1', events: [{ event_name: 'page_view', timestamp: '2024-01-01T10:00:00+03:00', event_params: { url: 'https://x' } }] },
		], autoMap({ customIdentifierFields: 'user_loyalty_id', skipHook: true, replaceArrays: true }));
		expect(requests).toHaveLength(1);
		expect(requests[0].method).toBe('POST');
		expect(requests[0].url).toBe(`${baseUrl}/api/user/v1/upsert`);
		expect(requests[0].headers['x-partner-name']).toBe('sandboxpartner');
		expect(requests[0].headers['x-request-token']).toBe(credentials.requestToken);
		expect(requests[0].headers['content-type']).toBe('application/json');
		expect(requests[0].body).toEqual({
			users: [
				{
					identifiers: { email: 'a@x.io', custom: { user_loyalty_id: 'L1' } },
					attributes: { name: 'Ann', age: 31, custom: { tier: 'gold', score: 5 } },
					events: [{ event_name: 'page_view', timestamp: '2024-01-01T10:00:00+03:00', event_params: { url: 'https://x' } }],
					not_append: true,
				},
			],
			skip_hook: true,
		});
		expect(output).toEqual([
			{ json: { status: 'accepted', identifiers: { email: 'a@x.io', custom: { user_loyalty_id: 'L1' } }, attributes: 4, events: 1 }, pairedItem: { item: 0 } },
		]);
	});

	it("sends '', 0 and false as given and follows the null option", async () => {
		await run([{ uuid: 'u1', name: '', age: 0, email_optin: false, city: null, note: '', flag: false, gone: null }]);
		let user = (await state()).users[0];
		expect(user.attributes).toEqual({ name: '', age: 0, email_optin: false, custom: { note: '', flag: false } });

		await run([{ uuid: 'u1', city: null, gone: null }], autoMap({ nullValues: 'send' }));
		user = (await state()).users[0];
		expect(user.attributes).toEqual({ name: '', age: 0, email_optin: false, city: null, custom: { note: '', flag: false, gone: null } });
	});

	it('builds users field by field (Define Below), keeping expression types', async () => {
		const { requests } = await run([{}], {
			resource: 'user',
			operation: 'upsert',
			mappingMode: 'defineBelow',
			insiderId: '',
			identifiers: { email: 'd@x.io', phone_number: '' },
			customIdentifiers: { identifier: [{ name: 'crm_id', value: 'C9' }] },
			attributes: { attribute: [{ name: 'c_loyalty_tier', value: 'silver' }, { name: 'age', value: 0 }, { name: 'email_optin', value: false }] },
			events: { event: [{ name: 'purchase', timestamp: '2024-05-01T00:00:00Z', params: '{"event_group_id":"O1","unit_sale_price":9.5,"currency":"EUR","quantity":1}' }] },
			options: {},
		});
		expect(requests[0].body.users[0]).toEqual({
			identifiers: { email: 'd@x.io', custom: { crm_id: 'C9' } },
			attributes: { age: 0, email_optin: false, custom: { loyalty_tier: 'silver' } },
			events: [{ event_name: 'purchase', timestamp: '2024-05-01T00:00:00Z', event_params: { event_group_id: 'O1', unit_sale_price: 9.5, currency: 'EUR', quantity: 1 } }],
		});
	});
});

describe('Insider upsert: validation before sending', () => {
	const bad = [
		{ item: { email: 'nope', name: 'A' }, field: 'identifiers.email' },
		{ item: { phone_number: '12345', name: 'A' }, field: 'identifiers.phone_number' },
		{ item: { name: 'no identifier' }, field: 'identifiers' },
		{ item: { uuid: 'u', events: [{ event_name: 'Purchase', timestamp: '2024-01-01T00:00:00Z' }] }, field: 'events.0.event_name' },
		{ item: { uuid: 'u', events: [{ event_name: 'view', timestamp: '2024-01-01 00:00' }] }, field: 'events.0.timestamp' },
		{ item: { uuid: 'u', events: [{ event_name: 'purchase', timestamp: '2024-01-01T00:00:00Z', event_params: { currency: 'USD', quantity: 1, unit_sale_price: 3 } }] }, field: 'events.0.event_params.event_group_id' },
		{ item: { uuid: 'u', birthday: '01/01/1990' }, field: 'attributes.birthday' },
		{ item: { uuid: 'u' }, field: 'attributes' },
		{ item: { identifiers: { uuid: 'u', loyalty: 'x' }, name: 'A' }, field: 'identifiers.loyalty' },
	];

	it.each(bad)('fails item with $field before any request', async ({ item, field }) => {
		const error = await runNodeFailing({ baseUrl, credentials, items: [item], parameters: autoMap() });
		expect(error.message).toContain(`Item 0, field "${field}"`);
		expect(error.requests).toHaveLength(0);
	});

	it('with Continue On Fail, bad items become error items in place and the rest are sent', async () => {
		const items = [{ email: 'ok1@x.io', name: 'A' }, { email: 'bad', name: 'B' }, { email: 'ok2@x.io', name: 'C' }];
		const { output, requests } = await run(items, autoMap(), { continueOnFail: true });
		expect(requests).toHaveLength(1);
		expect(requests[0].body.users.map((user: any) => user.identifiers.email)).toEqual(['ok1@x.io', 'ok2@x.io']);
		expect(output.map((item: any) => item.pairedItem.item)).toEqual([0, 1, 2]);
		expect(output[1].json.error).toContain('Item 1, field "identifiers.email"');
		expect(output[0].json.status).toBe('accepted');
	});
});

describe('Insider upsert: server error keys map back to items', () => {
	it('maps users.<i>.<path>.<rule> of each request to the right input item and field', async () => {
		// The node checks types before sending; a rule only the service knows (a blocked UUID) comes back per user.
		await configure({ rejectUuids: ['u7', 'u1500', 'u2499'] });
		const items = Array.from({ length: 2500 }, (_, i) => ({ uuid: `u${i}`, name: `N${i}` }));
		const { output, requests } = await run(items, autoMap(), { continueOnFail: true });
		await configure({ rejectUuids: [] });
		expect(requests.map((request) => request.body.users.length)).toEqual([1000, 1000, 500]);
		const failed = output.filter((item: any) => item.json.error).map((item: any) => [item.pairedItem.item, item.json.error]);
		expect(failed).toEqual([
			[7, 'Item 7, field "identifiers.uuid": uuid is blocked in this workspace: u7'],
			[1500, 'Item 1500, field "identifiers.uuid": uuid is blocked in this workspace: u1500'],
			[2499, 'Item 2499, field "identifiers.uuid": uuid is blocked in this workspace: u2499'],
		]);
		expect((await state()).users).toHaveLength(2497);
	});

	it('without Continue On Fail, stops with the first rejected item', async () => {
		await configure({ rejectUuids: ['b'] });
		const error = await runNodeFailing({ baseUrl, credentials, items: [{ uuid: 'a', age: 1 }, { uuid: 'b', age: 2 }], parameters: autoMap() });
		await configure({ rejectUuids: [] });
		// Item 0 went in the same request and was applied: the error says so.
		expect(error.message).toBe(
			'Item 1, field "identifiers.uuid": uuid is blocked in this workspace: b [The node stopped at this error: 1 other item had already succeeded and stay applied (item 0); 0 were not sent. Turn on Continue On Fail for a result per item.]',
		);
	});

	it('refuses an age or opt-in of the wrong type before sending, and converts numeric and true/false text', async () => {
		const { output, requests } = await run(
			[{ uuid: 'a', age: '31', email_optin: 'TRUE' }, { uuid: 'b', age: 'old' }, { uuid: 'c', sms_optin: 'yes' }],
			autoMap(),
			{ continueOnFail: true },
		);
		expect(requests).toHaveLength(1);
		expect(requests[0].body.users).toEqual([{ identifiers: { uuid: 'a' }, attributes: { age: 31, email_optin: true } }]);
		expect(output.map((item: any) => item.json.error)).toEqual([
			undefined,
			'Item 1, field "attributes.age": must be a number, got "old"',
			'Item 2, field "attributes.sms_optin": must be true or false, got "yes"',
		]);
	});
});

describe('Insider upsert: packing at the limits', () => {
	it('1,000 users make one request and 1,001 make two', async () => {
		const users = (n: number) => Array.from({ length: n }, (_, i) => ({ uuid: `p${i}`, name: 'x' }));
		expect((await run(users(1000))).requests.map((r) => r.body.users.length)).toEqual([1000]);
		expect((await run(users(1001))).requests.map((r) => r.body.users.length)).toEqual([1000, 1]);
	});

	it('fills a request to exactly 5,000,000 bytes, and one byte more starts a second request', async () => {
		// Five users whose request body is exactly the cap: {"users":[u0,u1,u2,u3,u4]}.
		const userBytes = (blob: number, i: number) => JSON.stringify({ identifiers: { uuid: `b${i}` }, attributes: { custom: { blob: 'x'.repeat(blob) } } }).length;
		const fixed = Array.from({ length: 5 }, (_, i) => userBytes(0, i)).reduce((a, b) => a + b, 0) + '{"users":[]}'.length + 4;
		const free = MAX_REQUEST_BYTES - fixed;
		const blobs = [0, 1, 2, 3, 4].map((i) => Math.floor(free / 5) + (i < free % 5 ? 1 : 0));
		const items = (extra: number) => blobs.map((blob, i) => ({ uuid: `b${i}`, blob: 'x'.repeat(blob + (i === 4 ? extra : 0)) }));

		const exact = await run(items(0));
		expect(exact.requests.map((r) => r.bytes)).toEqual([MAX_REQUEST_BYTES]);
		expect(exact.requests[0].status).toBe(200);

		const over = await run(items(1));
		expect(over.requests.map((r) => r.body.users.length).sort()).toEqual([1, 4]);
		expect(over.requests.every((r) => r.status === 200 && r.bytes <= MAX_REQUEST_BYTES)).toBe(true);
	});

	it('a single user over 5 MB fails alone without being sent', async () => {
		const { output, requests } = await run([{ uuid: 'ok', name: 'a' }, { uuid: 'big', blob: 'x'.repeat(MAX_REQUEST_BYTES) }], autoMap(), { continueOnFail: true });
		expect(requests).toHaveLength(1);
		expect(requests[0].body.users).toHaveLength(1);
		expect(output[1].json.error).toMatch(/Item 1, field "blob": is the largest part of an item that is \d+ bytes, more than the 5000000 bytes/);
	});
});

describe('Insider upsert: concurrency', () => {
	it('keeps at most "Requests in Parallel" requests in flight', async () => {
		const vendor = sandbox.vendor('insider');
		// Long enough that the next requests are packed while the first ones wait: items are prepared while
		// requests are in flight, so a short latency would measure the preparation speed, not the cap.
		vendor.setFaults({ latencyMs: [1000, 1000], routes: ['/upsert'] });
		try {
			const items = Array.from({ length: 8000 }, (_, i) => ({ uuid: `c${i}`, name: 'x' }));
			const four = await run(items);
			expect(four.requests).toHaveLength(8);
			expect(four.maxInFlight).toBe(4);
			const two = await run(items, autoMap({ concurrency: 2 }));
			expect(two.maxInFlight).toBe(2);
		} finally {
			vendor.setFaults({ latencyMs: [0, 0], routes: [] });
		}
	});
});

describe('Insider upsert: failures of whole requests', () => {
	it('retries a 429 with Retry-After and a 500 unknown-error body, then succeeds', async () => {
		// A 1.2 s window (time scale 0.02), so the service's Retry-After is short.
		await fetch(`${baseUrl}/__sandbox/config`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ timeScale: 0.02 }) });
		await configure({ fail500: 1, rateLimits: { userWrite: 1 }, retryAfterSeconds: 1 });
		const started = Date.now();
		const { output, requests } = await run(
			Array.from({ length: 1500 }, (_, i) => ({ uuid: `r${i}`, name: 'x' })),
			autoMap({ concurrency: 1 }),
		);
		expect(requests.map((r) => r.status)).toEqual([500, 200, 429, 200]);
		expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
		expect(output.every((item: any) => item.json.status === 'accepted')).toBe(true);
		await configure({ rateLimits: { userWrite: 25_000 } });
		await fetch(`${baseUrl}/__sandbox/config`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ timeScale: 1 }) });
	});

	it('a refused credential fails every item with the vendor message and never shows the token', async () => {
		const { output } = await runNode({
			baseUrl,
			credentials: { partnerName: credentials.partnerName, requestToken: 'wrong-secret-token' },
			items: [{ uuid: 'a', name: 'x' }, { uuid: 'b', name: 'y' }],
			parameters: autoMap(),
			continueOnFail: true,
		});
		expect(output).toHaveLength(2);
		for (const item of output) {
			expect(item.json.error).toContain('The service answered 403: Access Denied.');
			expect(JSON.stringify(item.json)).not.toContain('wrong-secret-token');
		}
	});
});
