import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import type { RunningVendor } from '../../sandbox/core.mts';
import { startVendor } from '../../sandbox/core.mts';
import { create, credentials, DEPLOYMENT, deploymentHost, INTEGRATION_KEY } from '../../sandbox/talonOne.mts';

let vendor: RunningVendor;
let module: ReturnType<typeof create>;

const headers = (overrides: Record<string, string | undefined> = {}) => {
	const all: Record<string, string | undefined> = {
		authorization: `ApiKey-v1 ${credentials.apiKey}`,
		'destination-hostname': credentials.deploymentHostname,
		'customer-data-platform-name': credentials.platformName,
		'content-type': 'application/json',
		...overrides,
	};
	return Object.fromEntries(Object.entries(all).filter(([, value]) => value !== undefined)) as Record<string, string>;
};

async function call(method: string, path: string, body?: unknown, overrides: Record<string, string | undefined> = {}) {
	const response = await fetch(`${vendor.url}${path}`, {
		method,
		headers: headers(overrides),
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	const text = await response.text();
	const isJson = (response.headers.get('content-type') ?? '').includes('json');
	return { status: response.status, headers: response.headers, body: text && isJson ? JSON.parse(text) : text || undefined };
}

const store = () => (module.state() as any).deployments[DEPLOYMENT];
const membersOf = (profileId: string) =>
	store()
		.profiles.find((profile: any) => profile.integrationId === profileId)
		?.audienceMemberships.map((membership: any) => membership.id);

beforeAll(async () => {
	module = create();
	vendor = await startVendor(module);
});
afterAll(async () => {
	await vendor.close();
});
beforeEach(() => {
	module.reset();
	module.configure({ requestsPerSecond: 60, burst: 60, retryAfterSeconds: null, maxAudienceChanges: 1000, capScope: 'request', singularAlias: false });
	vendor.setFaults({ error5xxRate: 0, rate429: 0, resetRate: 0, routes: [] });
});

describe('Talon.One fake: happy path', () => {
	it('creates audiences, changes memberships in bulk and per profile, updates and deletes', async () => {
		const created = await call('POST', '/cdp/audiences', { audienceId: 'ext-1', audienceName: 'One' });
		expect(created.status).toBe(201);
		expect(created.body).toMatchObject({ id: 1, accountId: 6, name: 'One', integration: credentials.platformName, integrationId: 'ext-1' });
		expect(typeof created.body.created).toBe('string');
		expect((await call('POST', '/cdp/audiences', { audienceId: 'ext-2', audienceName: 'Two' })).body.id).toBe(2);

		const bulk = await call('PUT', '/cdp/customer_profiles/audiences', {
			data: [
				{ customerProfileId: 'p1', adds: [1, 2], deletes: [] },
				{ customerProfileId: 'p2', adds: [2], deletes: [2] },
			],
		});
		expect(bulk).toMatchObject({ status: 204, body: undefined });
		expect(membersOf('p1')).toEqual([1, 2]);
		// An ID in both lists: adds first, then deletes.
		expect(membersOf('p2')).toEqual([]);

		const external = await call('PUT', '/cdp/v2/customer_profiles/audiences', {
			data: [{ customerProfileId: 'p1', adds: [], deletes: ['ext-1'] }],
		});
		expect(external.status).toBe(204);
		expect(membersOf('p1')).toEqual([2]);

		const single = await call('PUT', '/cdp/customer_profile/p3?skipNonExistingAttributes=true', {
			attributes: { Language: 'english', Unknown: 1 },
			audiencesChanges: { adds: [1], deletes: [] },
		});
		expect(single.status).toBe(200);
		expect(single.body).toMatchObject({
			effects: [],
			createdCoupons: [],
			createdReferrals: [],
			customerProfile: {
				integrationId: 'p3',
				attributes: { Language: 'english' },
				closedSessions: 0,
				totalSales: 0,
				audienceMemberships: [{ id: 1, name: 'One' }],
			},
		});
		expect((module.state() as any).ruleEngine.at(-1)).toEqual({ customerProfileId: 'p3', requested: false, ran: true });

		const byExternal = await call('PUT', '/cdp/customer_profile/p3/audiences', { data: { adds: ['ext-2'], deletes: ['ext-1'] } });
		expect(byExternal.body.customerProfile.audienceMemberships).toEqual([{ id: 2, name: 'Two' }]);

		const renamed = await call('PUT', '/cdp/audiences/ext-2', { audienceId: 'ext-2', audienceName: 'Deux' });
		expect(renamed).toMatchObject({ status: 200, body: { id: 2, name: 'Deux' } });
		expect((await call('DELETE', '/cdp/audiences/ext-2')).status).toBe(204);
		expect(membersOf('p1')).toEqual([]);
		expect(membersOf('p3')).toEqual([]);
		expect(store().audiences.map((audience: any) => audience.integrationId)).toEqual(['ext-1']);
	});

	it('keeps unmentioned attributes and deletes null ones', async () => {
		await call('PUT', '/cdp/customer_profile/p', { attributes: { Language: 'en', Nickname: 'Bo' } });
		const second = await call('PUT', '/cdp/customer_profile/p', { attributes: { Nickname: null, Tier: 'gold' }, runRuleEngine: true });
		expect(second.body.customerProfile.attributes).toEqual({ Language: 'en', Tier: 'gold' });
		expect((module.state() as any).ruleEngine.at(-1)).toEqual({ customerProfileId: 'p', requested: true, ran: true });
	});

	it('accepts Basic auth built from "ApiKey-v1 <key>:" only behind its knob (the node sends ApiKey-v1)', async () => {
		const basic = Buffer.from(`ApiKey-v1 ${credentials.apiKey}:`).toString('base64');
		const refused = await call('POST', '/cdp/audiences', { audienceId: 'basic', audienceName: 'Basic' }, { authorization: `Basic ${basic}` });
		expect(refused.status).toBe(401);
		module.configure({ basicAuth: true });
		const response = await call('POST', '/cdp/audiences', { audienceId: 'basic', audienceName: 'Basic' }, { authorization: `Basic ${basic}` });
		expect(response.status).toBe(201);
		module.configure({ basicAuth: false });
	});

	it('refuses a destination-hostname that is not a bare hostname (#14: the spec says format hostname)', async () => {
		for (const value of [`https://${DEPLOYMENT}/`, `https://${DEPLOYMENT}`, `${DEPLOYMENT}/`, `http://${DEPLOYMENT}`]) {
			const response = await call('POST', '/cdp/audiences', { audienceId: 'x', audienceName: 'X' }, { 'destination-hostname': value });
			expect(response.status).toBe(400);
			expect(Object.keys(response.body).sort()).toEqual(['Error', 'RequestUUID', 'StatusCode']);
			expect(response.body.StatusCode).toBe(400);
		}
		expect(store()?.audiences ?? []).toEqual([]);
		expect(deploymentHost('Example.Talon.One')).toBe('example.talon.one');
	});
});

describe('Talon.One fake: auth and header checks', () => {
	it('answers in the documented order with the gateway error body', async () => {
		const noAuth = await call('POST', '/cdp/audiences', { audienceId: 'x', audienceName: 'x' }, { authorization: undefined });
		expect(noAuth.status).toBe(401);
		expect(noAuth.body).toMatchObject({ StatusCode: 401, Error: 'Missing Session Token' });
		expect(noAuth.body.RequestUUID).toMatch(/^[0-9a-f-]{36}$/);
		const noHost = await call('POST', '/cdp/audiences', {}, { 'destination-hostname': undefined });
		expect(noHost.body).toMatchObject({ StatusCode: 400, Error: 'No Deployment URL specified' });
		const noPlatform = await call('POST', '/cdp/audiences', {}, { 'customer-data-platform-name': undefined });
		expect(noPlatform.status).toBe(400);
		expect((await call('POST', '/cdp/audiences', {}, { authorization: 'ApiKey-v1 wrong' })).status).toBe(401);
		expect((await call('POST', '/cdp/audiences', {}, { authorization: `ApiKey-v1 ${INTEGRATION_KEY}` })).status).toBe(401);
		expect((await call('POST', '/cdp/audiences', {}, { 'destination-hostname': 'other.talon.one' })).status).toBe(401);
		expect(store()).toBeUndefined();
	});
});

describe('Talon.One fake: limits and errors', () => {
	it('refuses more than 1,000 changes per request, and applies nothing', async () => {
		await call('POST', '/cdp/audiences', { audienceId: 'a', audienceName: 'A' });
		const fill = (count: number) => Array.from({ length: count }, () => 1);
		const atCap = await call('PUT', '/cdp/customer_profiles/audiences', {
			data: [
				{ customerProfileId: 'x', adds: fill(600), deletes: [] },
				{ customerProfileId: 'y', adds: fill(300), deletes: fill(100) },
			],
		});
		expect(atCap.status).toBe(204);
		const over = await call('PUT', '/cdp/customer_profiles/audiences', {
			data: [
				{ customerProfileId: 'z', adds: fill(600), deletes: [] },
				{ customerProfileId: 'w', adds: fill(401), deletes: [] },
			],
		});
		expect(over.status).toBe(400);
		expect(over.body.Error).toContain('exceeds the limit of 1000');
		expect(store().profiles.map((profile: any) => profile.integrationId)).toEqual(['x', 'y']);
		// The per-profile reading of the cap (inferred) accepts the same request.
		module.configure({ capScope: 'profile' });
		const perProfile = await call('PUT', '/cdp/customer_profiles/audiences', {
			data: [
				{ customerProfileId: 'z', adds: fill(600), deletes: [] },
				{ customerProfileId: 'w', adds: fill(401), deletes: [] },
			],
		});
		expect(perProfile.status).toBe(204);
	});

	it('gives 404 for an unknown audience and applies nothing of the request', async () => {
		await call('POST', '/cdp/audiences', { audienceId: 'a', audienceName: 'A' });
		const response = await call('PUT', '/cdp/customer_profiles/audiences', {
			data: [
				{ customerProfileId: 'ok', adds: [1], deletes: [] },
				{ customerProfileId: 'bad', adds: [99], deletes: [] },
			],
		});
		expect(response.body).toMatchObject({ StatusCode: 404, Error: 'Not Found' });
		expect(store().profiles).toEqual([]);
		expect((await call('PUT', '/cdp/audiences/nope', { audienceId: 'nope', audienceName: 'N' })).status).toBe(404);
		expect((await call('DELETE', '/cdp/audiences/nope')).status).toBe(404);
	});

	it('gives 409 with the documented message for a duplicate audience ID, and 400 for missing fields', async () => {
		await call('POST', '/cdp/audiences', { audienceId: 'dup', audienceName: 'A' });
		const duplicate = await call('POST', '/cdp/audiences', { audienceId: 'dup', audienceName: 'B' });
		expect(duplicate.body).toMatchObject({ StatusCode: 409, Error: "The audience with the ID 'dup' already exists" });
		expect((await call('POST', '/cdp/audiences', { audienceId: 'x' })).status).toBe(400);
		expect((await call('POST', '/cdp/audiences', { audienceId: 'x'.repeat(1001), audienceName: 'X' })).status).toBe(400);
		const undefinedAttribute = await call('PUT', '/cdp/customer_profile/p', { attributes: { Nope: 1 } });
		expect(undefinedAttribute.body).toMatchObject({ StatusCode: 400, Error: "The attribute 'Nope' does not exist" });
	});

	it('answers 429 "Too many requests" over the per-key rate, with Retry-After only when configured', async () => {
		// A trickle of refill keeps the test independent of how fast the calls run.
		module.configure({ requestsPerSecond: 0.01, burst: 3 });
		const statuses: number[] = [];
		for (let i = 0; i < 5; i++) statuses.push((await call('PUT', '/cdp/customer_profiles/audiences', { data: [] })).status);
		expect(statuses).toEqual([204, 204, 204, 429, 429]);
		const limited = await call('PUT', '/cdp/customer_profiles/audiences', { data: [] });
		expect(limited.body).toMatchObject({ StatusCode: 429, Error: 'Too many requests' });
		expect(limited.headers.get('retry-after')).toBeNull();
		module.configure({ retryAfterSeconds: 2 });
		module.configure({ burst: 1 });
		await call('PUT', '/cdp/customer_profiles/audiences', { data: [] });
		const withHeader = await call('PUT', '/cdp/customer_profiles/audiences', { data: [] });
		expect(withHeader.status).toBe(429);
		expect(withHeader.headers.get('retry-after')).toBe('2');
	});

	it('injects faults before handling, so a faulted request changes nothing', async () => {
		vendor.setFaults({ error5xxRate: 1, routes: ['audiences'] });
		const response = await call('POST', '/cdp/audiences', { audienceId: 'a', audienceName: 'A' });
		expect([500, 502, 503]).toContain(response.status);
		expect(store()).toBeUndefined();
	});

	it('serves the singular guide path only behind its flag', async () => {
		await call('POST', '/cdp/audiences', { audienceId: 'a', audienceName: 'A' });
		const body = { data: [{ customerProfileId: 'p', adds: [1], deletes: [] }] };
		// Without the flag, "audiences" is a profile ID on the single-profile route (as a real server would
		// likely read it), whose body has no `data` field: refused, nothing applied.
		const refused = await call('PUT', '/cdp/customer_profile/audiences', body);
		expect(refused.status).toBe(400);
		expect(refused.body.Error).toContain('undocumented field(s): data');
		expect(store()?.profiles.map((profile: any) => profile.integrationId)).toEqual([]);
		module.configure({ singularAlias: true });
		expect((await call('PUT', '/cdp/customer_profile/audiences', body)).status).toBe(204);
		expect(membersOf('p')).toEqual([1]);
	});
});
