import { describe, expect, it } from 'vitest';

import { splitChange } from '../../../nodes/TalonOne/helpers/membershipChanges';
import { MAX_AUDIENCE_CHANGES_PER_REQUEST, MAX_ISOLATION_REQUESTS } from '../../../nodes/TalonOne/transport';
import { routesToErrorOutput } from '../../helpers/errorOutput.mts';
import { fakeContext, runNode } from './context.mts';
import { memberships, useTalon } from './sandbox.mts';

const { sandbox, audiences } = await useTalon(Array.from({ length: 20 }, (_, i) => `aud-${i + 1}`));

const params = (extra: Record<string, unknown> = {}) => ({
	resource: 'customerProfile',
	operation: 'updateAudiences',
	audienceIdType: 'internal',
	customerProfileId: (_: number, json: any) => json.profileId,
	audiencesToAdd: (_: number, json: any) => json.adds,
	audiencesToRemove: (_: number, json: any) => json.deletes,
	...extra,
});

/** `count` audience IDs cycling over the seeded audiences. */
const ids = (count: number, offset = 0) => Array.from({ length: count }, (_, i) => audiences[(i + offset) % audiences.length]);

describe('Customer Profile → Update Audiences', () => {
	it('sends the documented request: PUT, plural path, CDP headers, grouped entries', async () => {
		const ctx = fakeContext({
			params: params(),
			credentials: sandbox.credentials,
			items: [
				{ profileId: 'URN-1', adds: [audiences[0], audiences[1]], deletes: [audiences[2]] },
				{ profileId: 'URN-2', adds: `${audiences[3]}, ${audiences[4]}`, deletes: '' },
			],
		});
		const [output] = await runNode(ctx);
		expect(ctx.sent).toHaveLength(1);
		const [request] = ctx.sent;
		expect(request.method).toBe('PUT');
		expect(new URL(request.url).pathname).toBe('/cdp/customer_profiles/audiences');
		expect(request.headers.authorization).toBe(`ApiKey-v1 ${sandbox.credentials.apiKey}`);
		expect(request.headers['destination-hostname']).toBe(sandbox.credentials.deploymentHostname);
		expect(request.headers['customer-data-platform-name']).toBe(sandbox.credentials.platformName);
		expect(request.body).toEqual({
			data: [
				{ customerProfileId: 'URN-1', adds: [audiences[0], audiences[1]], deletes: [audiences[2]] },
				{ customerProfileId: 'URN-2', adds: [audiences[3], audiences[4]], deletes: [] },
			],
		});
		expect(request.status).toBe(204);
		expect(output.map((item) => item.json)).toEqual([
			{
				customerProfileId: 'URN-1',
				audienceIdType: 'internal',
				added: [audiences[0], audiences[1]],
				removed: [audiences[2]],
				changes: 3,
				requests: [1],
			},
			{
				customerProfileId: 'URN-2',
				audienceIdType: 'internal',
				added: [audiences[3], audiences[4]],
				removed: [],
				changes: 2,
				requests: [1],
			},
		]);
		expect(output.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(memberships(sandbox.state(), 'URN-1')).toEqual([audiences[0], audiences[1]]);
	});

	it('fills a request to exactly 1,000 changes and starts a new one at 1,001', async () => {
		expect(MAX_AUDIENCE_CHANGES_PER_REQUEST).toBe(1000);
		const items = [
			{ profileId: 'a', adds: ids(400), deletes: ids(100) }, // 500
			{ profileId: 'b', adds: ids(250), deletes: ids(250, 3) }, // 1,000 in all: still one request
			{ profileId: 'c', adds: ids(1), deletes: [] }, // the 1,001st change: a second request
			{ profileId: 'd', adds: ids(999), deletes: [] }, // 1 + 999 = 1,000: fits with c
			{ profileId: 'e', adds: [], deletes: ids(1000) }, // a whole request alone
		];
		const ctx = fakeContext({ params: params(), credentials: sandbox.credentials, items });
		const [output] = await runNode(ctx);
		const sizes = ctx.sent.map((request) =>
			request.body.data.reduce((sum: number, entry: any) => sum + entry.adds.length + entry.deletes.length, 0),
		);
		expect(sizes).toEqual([1000, 1000, 1000]);
		expect(ctx.sent.map((request) => request.body.data.map((entry: any) => entry.customerProfileId))).toEqual([
			['a', 'b'],
			['c', 'd'],
			['e'],
		]);
		expect(output.map((item) => item.json.requests)).toEqual([[1], [1], [2], [2], [3]]);
		expect(sandbox.state().membershipRequests.map((request: any) => request.changes)).toEqual([1000, 1000, 1000]);
	});

	it('splits one profile with more than 1,000 changes over consecutive requests, adds before deletes', async () => {
		const [x] = audiences;
		// 1,001 changes: 600 adds (x among them), then 401 deletes that remove x again.
		const adds = [...ids(599, 1), x];
		const deletes = [...ids(400, 2), x];
		const items = [
			{ profileId: 'before', adds: ids(10), deletes: [] },
			{ profileId: 'big', adds, deletes },
			{ profileId: 'after', adds: ids(5), deletes: [] },
		];
		const ctx = fakeContext({ params: params(), credentials: sandbox.credentials, items });
		const [output] = await runNode(ctx);
		const bodies = ctx.sent.map((request) =>
			request.body.data.map((entry: any) => [entry.customerProfileId, entry.adds.length, entry.deletes.length]),
		);
		// A profile over the cap is a batch of its own, spread over consecutive requests: its last part does
		// not share a request with the next profile.
		expect(bodies).toEqual([[['before', 10, 0]], [['big', 600, 400]], [['big', 0, 1]], [['after', 5, 0]]]);
		expect(output.map((item) => item.json.requests)).toEqual([[1], [2, 3], [4]]);
		expect(output[1].json.changes).toBe(1001);
		// x was added in request 2 and removed in request 3, as one request would leave it.
		expect(memberships(sandbox.state(), 'big')).not.toContain(x);
		expect(memberships(sandbox.state(), 'after')).toEqual(ids(5).sort((a, b) => a - b));
	});

	it('splitChange keeps order and never exceeds the cap', () => {
		const change = { customerProfileId: 'p', adds: [1, 2, 3], deletes: [4, 5] };
		expect(splitChange(change, 7, 2)).toEqual([
			{ customerProfileId: 'p', adds: [1, 2], deletes: [], itemIndex: 7, part: 1, parts: 3 },
			{ customerProfileId: 'p', adds: [3], deletes: [4], itemIndex: 7, part: 2, parts: 3 },
			{ customerProfileId: 'p', adds: [], deletes: [5], itemIndex: 7, part: 3, parts: 3 },
		]);
		expect(splitChange(change, 0, 5)).toHaveLength(1);
	});

	it('uses the v2 route with external audience IDs', async () => {
		const ctx = fakeContext({
			params: params({ audienceIdType: 'external' }),
			credentials: sandbox.credentials,
			items: [{ profileId: 'ext-1', adds: 'aud-1, aud-2', deletes: ['aud-2'] }],
		});
		const [output] = await runNode(ctx);
		expect(new URL(ctx.sent[0].url).pathname).toBe('/cdp/v2/customer_profiles/audiences');
		expect(ctx.sent[0].body).toEqual({ data: [{ customerProfileId: 'ext-1', adds: ['aud-1', 'aud-2'], deletes: ['aud-2'] }] });
		expect(output[0].json).toMatchObject({ audienceIdType: 'external', added: ['aud-1', 'aud-2'], removed: ['aud-2'] });
		expect(memberships(sandbox.state(), 'ext-1')).toEqual([audiences[0]]);
	});

	it('fails a bad item before anything is sent, naming the item and field', async () => {
		const items = [
			{ profileId: 'ok', adds: [audiences[0]], deletes: [] },
			{ profileId: 'bad', adds: [audiences[0], 'twelve'], deletes: [] },
		];
		const stopping = fakeContext({ params: params(), credentials: sandbox.credentials, items });
		await expect(runNode(stopping)).rejects.toThrow('Item 1, field "Audiences to Add": entry 1 ("twelve") is not an audience ID');
		expect(stopping.sent).toHaveLength(0);

		const continuing = fakeContext({ params: params(), credentials: sandbox.credentials, items, continueOnFail: true });
		const [output] = await runNode(continuing);
		expect(continuing.sent).toHaveLength(1);
		expect(continuing.sent[0].body.data.map((entry: any) => entry.customerProfileId)).toEqual(['ok']);
		expect(output[0].json.requests).toEqual([1]);
		expect(output[1].json).toMatchObject({ details: { itemIndex: 1 } });
		expect(output[1].json.error).toContain('Item 1, field "Audiences to Add"');
		expect(routesToErrorOutput(output[1])).toBe(true);

		const emptyId = fakeContext({
			params: params(),
			credentials: sandbox.credentials,
			items: [{ profileId: '  ', adds: [], deletes: [] }],
		});
		await expect(runNode(emptyId)).rejects.toThrow('Item 0, field "Customer Profile ID": must not be empty');
	});

	it('halves a refused request to find the items at fault; the others still apply', async () => {
		const items = [
			{ profileId: 'p1', adds: [audiences[0]], deletes: [] },
			{ profileId: 'p2', adds: [9999], deletes: [] },
			{ profileId: 'p3', adds: [audiences[1]], deletes: [] },
			{ profileId: 'p4', adds: [audiences[2]], deletes: [] },
		];
		const ctx = fakeContext({ params: params(), credentials: sandbox.credentials, items, continueOnFail: true });
		const [output] = await runNode(ctx);
		// [p1 p2 p3 p4] refused → the half of the suspect audiences {a0, 9999} is tried: [p1 p2] refused →
		// [p1] (a0) accepted, so 9999 is the unknown one and p2 fails without another request → [p3 p4] ok.
		expect(ctx.sent.map((request) => [request.status, request.body.data.map((entry: any) => entry.customerProfileId)])).toEqual([
			[404, ['p1', 'p2', 'p3', 'p4']],
			[404, ['p1', 'p2']],
			[204, ['p1']],
			[204, ['p3', 'p4']],
		]);
		expect(output[0].json.requests).toEqual([3]);
		expect(output[1].json.error).toBe(
			'Item 1, field "Audiences to Add": Talon.One does not know the audience 9999: requests naming it were refused with 404 Not Found, the same changes without it were accepted.',
		);
		expect(output[2].json.requests).toEqual([4]);
		expect(output[3].json.requests).toEqual([4]);
		expect(memberships(sandbox.state(), 'p1')).toEqual([audiences[0]]);
		expect(memberships(sandbox.state(), 'p2')).toEqual([]);
		expect(JSON.stringify(output)).not.toContain(String(sandbox.credentials.apiKey));

		const stopping = fakeContext({
			params: params(),
			credentials: sandbox.credentials,
			items: [...items.slice(0, 2), { profileId: 'p5', adds: ids(1000), deletes: [] }],
		});
		await expect(runNode(stopping)).rejects.toThrow(/^Item 1, field "Audiences to Add": Talon\.One does not know the audience 9999/);
		// Without Continue On Fail nothing more is sent once an item is refused.
		expect(stopping.sent.map((request) => request.status)).toEqual([404, 204]);
	});

	it('halves a request refused with 400 to find the items at fault', async () => {
		const items = [
			{ profileId: 'q1', adds: [audiences[0]], deletes: [] },
			{ profileId: 'q2', adds: ids(600), deletes: [] },
			{ profileId: 'q3', adds: [audiences[1]], deletes: [] },
		];
		// Only a request carrying q2's 600 changes is refused (a cap of 500), as a 400 for its content.
		sandbox.configure({ maxAudienceChanges: 500 });
		const ctx = fakeContext({ params: params(), credentials: sandbox.credentials, items, continueOnFail: true });
		const [output] = await runNode(ctx);
		// [q1 q2 q3] refused → [q1 q2] refused → [q1] ok, [q2] refused → [q3] ok.
		expect(ctx.sent.map((request) => request.status)).toEqual([400, 400, 204, 400, 204]);
		expect(output[1].json.error).toMatch(/^Item 1: Request 4 failed\. The service answered 400/);
		expect(output[0].json.requests).toEqual([3]);
		expect(output[2].json.requests).toEqual([5]);
	});

	it('fails only the rows that name unknown audiences, with the audience ID, at a cost per audience (#18.3)', async () => {
		// 2,500 rows, 1 % of which name one of 25 audience IDs Talon.One does not know.
		const unknown = Array.from({ length: 25 }, (_, k) => 5000 + k);
		const items = Array.from({ length: 2500 }, (_, i) => ({
			profileId: `u${i}`,
			adds: i % 100 === 37 ? [audiences[i % 20], unknown[Math.floor(i / 100)]] : [audiences[i % 20], audiences[(i + 7) % 20]],
			deletes: [],
		}));
		const ctx = fakeContext({ params: params(), credentials: sandbox.credentials, items, continueOnFail: true });
		const [output] = await runNode(ctx);
		const failed = output.filter((item) => item.json.error !== undefined);
		expect(failed.map((item) => (item.json.details as { itemIndex: number }).itemIndex)).toEqual(unknown.map((_, k) => k * 100 + 37));
		for (const item of failed) {
			const { itemIndex } = item.json.details as { itemIndex: number };
			const id = unknown[Math.floor(itemIndex / 100)];
			expect(item.json.error).toBe(
				`Item ${itemIndex}, field "Audiences to Add": Talon.One does not know the audience ${id}: requests naming it were refused with 404 Not Found, the same changes without it were accepted.`,
			);
		}
		// Every other row is applied, and nothing of a failed row.
		expect(memberships(sandbox.state(), 'u0')).toEqual([audiences[0], audiences[7]].sort((a, b) => a - b));
		expect(memberships(sandbox.state(), 'u37')).toEqual([]);
		expect(output.filter((item) => item.json.error === undefined)).toHaveLength(2475);
		// 5,000 changes need 5 requests; finding 25 unknown audiences costs a few requests each, not per row.
		expect(ctx.sent.length).toBeLessThan(5 + 25 * 8);
		// The fake answers as Talon.One documents: the 404 does not name the audience.
		const refusal = await fetch(`${sandbox.vendor.url}/cdp/customer_profiles/audiences`, {
			method: 'PUT',
			headers: {
				authorization: `ApiKey-v1 ${sandbox.credentials.apiKey}`,
				'destination-hostname': String(sandbox.credentials.deploymentHostname),
				'customer-data-platform-name': String(sandbox.credentials.platformName),
				'content-type': 'application/json',
			},
			body: JSON.stringify({ data: [{ customerProfileId: 'x', adds: [5000], deletes: [] }] }),
		});
		expect(refusal.status).toBe(404);
		const body = (await refusal.json()) as Record<string, unknown>;
		expect(Object.keys(body).sort()).toEqual(['Error', 'RequestUUID', 'StatusCode']);
		expect(body).toMatchObject({ StatusCode: 404, Error: 'Not Found' });
	}, 60_000);

	it('bounds the extra requests when every entry is refused', async () => {
		const items = Array.from({ length: 200 }, (_, i) => ({ profileId: `bad-${i}`, adds: [9000 + i], deletes: [] }));
		const ctx = fakeContext({ params: params(), credentials: sandbox.credentials, items, continueOnFail: true });
		const [output] = await runNode(ctx);
		expect(ctx.sent.length).toBeLessThanOrEqual(1 + MAX_ISOLATION_REQUESTS);
		expect(output).toHaveLength(200);
		expect(output.every((item) => typeof item.json.error === 'string' && item.json.error.includes('404'))).toBe(true);
	});

	it('retries 429 answers from the gateway and still applies every change once', async () => {
		sandbox.configure({ requestsPerSecond: 2, burst: 1 });
		const items = Array.from({ length: 4 }, (_, i) => ({ profileId: `r${i}`, adds: ids(1000), deletes: [] }));
		const ctx = fakeContext({ params: params(), credentials: sandbox.credentials, items });
		const [output] = await runNode(ctx);
		expect(output.map((item) => item.json.requests)).toEqual([[1], [2], [3], [4]]);
		const statuses = ctx.sent.map((request) => request.status);
		expect(statuses.filter((status) => status === 204)).toHaveLength(4);
		expect(statuses).toContain(429);
		expect(sandbox.state().membershipRequests).toHaveLength(4);
	});
});
