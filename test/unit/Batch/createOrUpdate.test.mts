// Create or Update, run through the real node `execute` with a context whose HTTP helper talks to the
// in-process Batch sandbox, so request shapes, chunking, pacing, partial errors and sync state are
// checked against the fake's answers rather than against mocks.
import type { IDataObject } from 'n8n-workflow';
import { beforeEach, describe, expect, it } from 'vitest';

import { Batch } from '../../../nodes/Batch/Batch.node';
import { MAX_PROFILES_PER_MASS_UPDATE, MAX_PROFILES_PER_UPDATE } from '../../../nodes/Batch/transport';
import { fakeContext, upsertParameters } from './context.mts';
import { useBatch } from './sandbox.mts';
import { FakeDeduplication } from '../../helpers/fakeDeduplication.mts';

const { credentials, configure, execute, state: sandboxState } = await useBatch();

interface BatchState {
	profiles: Record<string, { attributes: Record<string, { type: string; value: unknown }>; native: Record<string, unknown> }>;
	profileCount: number;
	calls: Array<{ route: string; status: number; code?: string; operations: number; customIds: string[] }>;
	gdprRequests: Array<{ request_id: string; status: string; id: { value: string } }>;
}

const state = sandboxState<BatchState>;

const profiles = (count: number, from = 0, extra: (i: number) => IDataObject = () => ({})) =>
	Array.from({ length: count }, (_, k) => ({ custom_id: `u${from + k}`, plan: 'basic', logins: from + k, ...extra(from + k) }));

beforeEach(async () => {
	await configure({
		timeScale: 1,
		knobs: { updatePerSecond: 300, updateBurst: 1000, massUpdatePerSecond: 10_000, massUpdateBurst: 10_000, poisonCustomIds: [] },
	});
});

describe('Create or Update: request shape and packing', () => {
	it('sends profiles as Batch operations with the credential headers, in calls of at most 200', async () => {
		const { requests, output } = await execute({
			items: profiles(MAX_PROFILES_PER_UPDATE * 2 + 1, 0, (i) => ({ email: `u${i}@example.com` })),
			parameters: upsertParameters({
				fieldsToExclude: 'email',
				nativeAttributes: { emailAddress: (i: number) => `u${i}@example.com`, emailMarketing: 'subscribed' },
				options: { profilesPerSecond: 100_000 },
			}),
		});
		expect(requests.map((r) => (r.body as unknown[]).length)).toEqual([200, 200, 1]);
		const first = requests[0];
		expect(first.url).toBe(`${credentials.baseUrl}/2.11/profiles/update`);
		expect(first.headers.authorization).toBe(`Bearer ${credentials.restApiKey}`);
		expect(first.headers['x-batch-project']).toBe(credentials.projectKey);
		expect((first.body as unknown[])[3]).toEqual({
			identifiers: { custom_id: 'u3' },
			attributes: { plan: 'basic', logins: 3, $email_address: 'u3@example.com', $email_marketing: 'subscribed' },
		});
		expect(output).toHaveLength(401);
		expect(output[400]).toEqual({
			json: { customId: 'u400', status: 'sent', route: 'update', attributes: ['plan', 'logins', '$email_address', '$email_marketing'] },
			pairedItem: { item: 400 },
		});
		const batch = await state();
		expect(batch.profileCount).toBe(401);
		expect(batch.profiles.u7.attributes.logins).toEqual({ type: 'integer', value: 7 });
		expect(batch.profiles.u7.native.$email_address).toBe('u7@example.com');
	});

	it('puts exactly 200 profiles in one update call and 201 in two', async () => {
		const parameters = upsertParameters({ options: { route: 'update', profilesPerSecond: 100_000 } });
		expect((await execute({ items: profiles(200), parameters })).requests.map((r) => (r.body as unknown[]).length)).toEqual([200]);
		const more = await execute({ items: profiles(201, 1000), parameters });
		expect(more.requests.map((r) => (r.body as unknown[]).length).sort()).toEqual([1, 200]);
	});

	it('sends typed values, array edits and events, and always sends a profile that carries events', async () => {
		const staticData: IDataObject = {};
		const items = [{ custom_id: 'ev', signup: '2024-05-01T10:00:00Z', site: 'https://example.com/u/ev', programs: { $add: ['premium'] } }];
		const events = JSON.stringify([{ name: 'validated_purchase', time: new Date(Date.now() - 60_000).toISOString(), attributes: { amount: 42.5 } }]);
		const parameters = upsertParameters({ additionalFields: { events }, options: { urlAttributes: 'site' } });
		const first = await execute({ items, staticData, parameters });
		expect(first.requests[0].body).toEqual([
			{
				identifiers: { custom_id: 'ev' },
				attributes: { 'date(signup)': '2024-05-01T10:00:00Z', 'url(site)': 'https://example.com/u/ev', programs: { $add: ['premium'] } },
				events: [{ name: 'validated_purchase', time: JSON.parse(events)[0].time, attributes: { amount: 42.5 } }],
			},
		]);
		const stored = (await state()).profiles.ev;
		expect(stored.attributes).toEqual({
			signup: { type: 'date', value: '2024-05-01T10:00:00Z' },
			site: { type: 'url', value: 'https://example.com/u/ev' },
			programs: { type: 'array', value: ['premium'] },
		});
		// Same attributes again, but with events: sent anyway; without events: skipped.
		expect((await execute({ items, staticData, parameters })).requests).toHaveLength(1);
		expect((await execute({ items, staticData, parameters: upsertParameters({ options: { urlAttributes: 'site' } }) })).requests).toHaveLength(0);
	});

	it('switches to mass-update above the threshold and packs 10,000 per call', async () => {
		const { requests, output } = await execute({ items: profiles(MAX_PROFILES_PER_MASS_UPDATE + 5) });
		// Two requests are in flight at once, so they are recorded in the order they finished.
		expect(requests.map((r) => [r.url.split('/').pop(), (r.body as unknown[]).length]).sort()).toEqual([
			['mass-update', 10_000],
			['mass-update', 5],
		]);
		expect(output.every((item) => item.json.route === 'massUpdate')).toBe(true);
		expect((await state()).profileCount).toBe(10_005);
	});

	it('loses nothing on mass-update when Batch charges the calls late (slow uploads): a 429 is retried', async () => {
		// Random handling delays of up to 0.9 s stand in for large bodies that Batch reads, and charges,
		// long after the node started sending them.
		await configure({ faults: { latencyMs: [0, 900], routes: ['mass-update'], seed: 3 } });
		try {
			const { requests, output } = await execute({ items: profiles(2 * MAX_PROFILES_PER_MASS_UPDATE + 1) });
			expect(requests.filter((r) => r.status !== 429).map((r) => [r.status, (r.body as unknown[]).length])).toEqual([
				[202, 10_000],
				[202, 10_000],
				[202, 1],
			]);
			expect(output.every((item) => item.json.status === 'sent')).toBe(true);
		} finally {
			await configure({ faults: { latencyMs: [0, 0], routes: [] } });
		}
	});

	it('keeps the update route below the threshold and when forced', async () => {
		const { requests } = await execute({ items: profiles(250), parameters: upsertParameters({ options: { route: 'update', profilesPerSecond: 100_000 } }) });
		expect(requests.map((r) => r.url.endsWith('/profiles/update'))).toEqual([true, true]);
		const forced = await execute({ items: profiles(3, 1000), parameters: upsertParameters({ options: { route: 'massUpdate' } }) });
		expect(forced.requests.map((r) => r.url.endsWith('/profiles/mass-update'))).toEqual([true]);
	});

	it('paces under the token bucket: 1,400 profiles at 300/s with a 1,000 burst take the time the bucket needs and lose nothing', async () => {
		const started = Date.now();
		const { requests, output } = await execute({ items: profiles(1400) });
		const elapsed = Date.now() - started;
		expect(requests.filter((r) => r.status === 202)).toHaveLength(7);
		expect(output.every((item) => item.json.status === 'sent')).toBe(true);
		// 1,000 from the burst, then 400 more at 300/s: about 1.33 s.
		expect(elapsed).toBeGreaterThan(1200);
	});

	it('retries 429s from a bucket smaller than the pace it was asked for, and loses nothing', async () => {
		await configure({ knobs: { updatePerSecond: 400, updateBurst: 400 } });
		const { requests, output } = await execute({ items: profiles(1000), parameters: upsertParameters({ options: { profilesPerSecond: 5000 } }) });
		const refused = requests.filter((r) => r.status === 429).length;
		expect(refused).toBeGreaterThan(0);
		expect(requests.filter((r) => r.status === 202)).toHaveLength(5);
		expect(output.every((item) => item.json.status === 'sent')).toBe(true);
		expect((await state()).profileCount).toBe(1000);
	});
});

describe('Create or Update: errors per item', () => {
	it('maps SUCCESS_WITH_PARTIAL_ERRORS back through bulk_index to exactly the affected items', async () => {
		await configure({ knobs: { poisonCustomIds: ['u3', 'u150', 'u201'] } });
		const { output, staticData } = await execute({ items: profiles(250), continueOnFail: true });
		const failed = output.filter((item) => item.json.error);
		expect(failed.map((item) => item.pairedItem)).toEqual([{ item: 3 }, { item: 150 }, { item: 201 }]);
		expect(failed[0].json.error).toContain('Item 3, field "plan"');
		expect(failed[0].json.error).toContain('poisoned');
		expect(output.filter((item) => item.json.status === 'sent')).toHaveLength(247);
		// Fixed on the vendor side, the three are sent again next run and nothing else is.
		await configure({ knobs: { poisonCustomIds: [] } });
		const again = await execute({ items: profiles(250), staticData });
		expect(again.requests.flatMap((r) => (r.body as Array<{ identifiers: { custom_id: string } }>).map((op) => op.identifiers.custom_id))).toEqual([
			'u3',
			'u150',
			'u201',
		]);
		expect(again.output.filter((item) => item.json.status === 'skipped')).toHaveLength(247);
	});

	it('stops on a partial error without Continue On Fail, but remembers the accepted profiles', async () => {
		await configure({ knobs: { poisonCustomIds: ['u1'] } });
		const staticData: IDataObject = {};
		await expect(execute({ items: profiles(3), staticData })).rejects.toThrow(/Item 1, field "plan"/);
		await configure({ knobs: { poisonCustomIds: [] } });
		const again = await execute({ items: profiles(3), staticData });
		expect(again.requests.flatMap((r) => (r.body as unknown[]).length)).toEqual([1]);
	});

	it('fails bad input before sending anything for it, naming item and attribute', async () => {
		const items = [...profiles(2), { custom_id: 'bad', 'Bad Name': 1 }, { custom_id: 'null', plan: 'x' }, { custom_id: 'u9', phone: '0600' }];
		const { output, requests } = await execute({
			items,
			continueOnFail: true,
			parameters: upsertParameters({ fieldsToExclude: 'phone', nativeAttributes: { phoneNumber: (i: number) => (items[i] as IDataObject).phone ?? '' } }),
		});
		expect(output.map((item) => item.json.error ?? item.json.status)).toEqual([
			'sent',
			'sent',
			expect.stringMatching(/^Item 2, field "Bad Name": .*not a valid attribute name/),
			expect.stringMatching(/^Item 3, field "custom_id": .*conversion bug/),
			expect.stringMatching(/^Item 4, field "phoneNumber": .*E\.164/),
		]);
		expect(requests.flatMap((r) => (r.body as Array<{ identifiers: { custom_id: string } }>).map((op) => op.identifiers.custom_id))).toEqual(['u0', 'u1']);
		// Without Continue On Fail the node stops before any request.
		const stopped = fakeContext({ items, credentials, parameters: upsertParameters() });
		await expect(new Batch().execute.call(stopped.ctx)).rejects.toThrow(/Item 2, field "Bad Name"/);
		expect(stopped.requests).toHaveLength(0);
	});

	it('reports a normalization collision as an error item', async () => {
		const { output } = await execute({
			items: [{ custom_id: 'a', 'First Name': 'Ann', first_name: 'Anne' }, { custom_id: 'b', 'Last Seen': 3 }],
			continueOnFail: true,
			parameters: upsertParameters({ options: { normalizeNames: true } }),
		});
		expect(output[0].json.error).toMatch(/field "first_name".*"First Name"/);
		expect(output[1].json).toMatchObject({ status: 'sent', attributes: ['last_seen'] });
		expect((await state()).profiles.b.attributes.last_seen.value).toBe(3);
	});

	it('never puts the API key in an error', async () => {
		const wrong = { ...credentials, restApiKey: 'secret-wrong-key-123' };
		const fake = fakeContext({ items: profiles(2), credentials: wrong, parameters: upsertParameters() });
		const error = await new Batch().execute.call(fake.ctx).then(
			() => undefined,
			(e: Error) => e,
		);
		expect(error?.message).toContain('401');
		expect(error?.message).toContain('AUTHENTICATION_INVALID');
		expect(JSON.stringify(error)).not.toContain('secret-wrong-key-123');
		expect(String(error?.stack)).not.toContain('secret-wrong-key-123');
	});
});

describe.each(['database', 'staticData'] as const)('Create or Update: only send changes (%s store)', (store) => {
	// The database store (n8n's deduplication helpers) when n8n offers it, else workflow static data.
	const stateOptions = () => ({ staticData: {} as IDataObject, deduplication: store === 'database' ? new FakeDeduplication() : undefined });

	it('skips unchanged profiles, sends new and changed ones, and catches a change back', async () => {
		const kept = stateOptions();
		const first = await execute({ items: profiles(300), ...kept });
		expect(first.requests).toHaveLength(2);
		// Same data in another key order: nothing is sent.
		const reordered = profiles(300).map(({ logins, plan, custom_id }) => ({ logins, custom_id, plan }));
		const second = await execute({ items: reordered, ...kept });
		expect(second.requests).toHaveLength(0);
		expect(second.output[5].json).toEqual({ customId: 'u5', status: 'skipped', reason: 'unchanged since the last run Batch accepted it' });
		// u1 changes, u300 is new.
		const third = await execute({ items: [...profiles(300, 0, (i) => (i === 1 ? { plan: 'gold' } : {})), ...profiles(1, 300)], ...kept });
		expect(third.requests.flatMap((r) => (r.body as Array<{ identifiers: { custom_id: string } }>).map((op) => op.identifiers.custom_id))).toEqual(['u1', 'u300']);
		// u1 back to its first value is a change too.
		const fourth = await execute({ items: profiles(301), ...kept });
		expect(fourth.requests.flatMap((r) => (r.body as Array<{ identifiers: { custom_id: string } }>).map((op) => op.identifiers.custom_id))).toEqual(['u1']);
		expect((await state()).profiles.u1.attributes.plan.value).toBe('basic');
	});

	it('sends only changed attributes when asked, and everything when the option is off', async () => {
		const kept = stateOptions();
		const parameters = upsertParameters({ options: { changedAttributesOnly: true } });
		await execute({ items: profiles(2), ...kept, parameters });
		const changed = await execute({ items: profiles(2, 0, (i) => (i === 0 ? { plan: 'gold' } : {})), ...kept, parameters });
		expect(changed.requests[0].body).toEqual([{ identifiers: { custom_id: 'u0' }, attributes: { plan: 'gold' } }]);
		const off = await execute({ items: profiles(2), ...kept, parameters: upsertParameters({ options: { onlySendChanges: false } }) });
		expect((off.requests[0].body as unknown[]).length).toBe(2);
	});

	it('Reset Sync State forgets every profile', async () => {
		const kept = stateOptions();
		await execute({ items: profiles(5), ...kept });
		const reset = fakeContext({ items: [{}], credentials, ...kept, parameters: { resource: 'profile', operation: 'resetSyncState' } });
		const output = await new Batch().execute.call(reset.ctx);
		expect(output[0][0].json).toEqual({
			syncStateReset: true,
			forgottenProfiles: store === 'staticData' ? 5 : 0,
			forgottenDatabaseEntries: store === 'database' ? 5 : 0,
		});
		const after = await execute({ items: profiles(5), ...kept });
		expect(after.requests.flatMap((r) => (r.body as unknown[]).length)).toEqual([5]);
	});
});

describe('Create or Update: sync state store fallback', () => {
	it('falls back to static data when the database store fails', async () => {
		const dedup = new FakeDeduplication();
		dedup.failWith = new Error('Instance needs to initialized before use');
		const staticData: IDataObject = {};
		const first = await execute({ items: profiles(3), staticData, deduplication: dedup });
		expect(first.requests).toHaveLength(1);
		expect(JSON.stringify(staticData)).toContain('u2');
		const second = await execute({ items: profiles(3), staticData, deduplication: dedup });
		expect(second.requests).toHaveLength(0);
	});

	it('keeps manual runs on static data, as before (n8n does not save it for them)', async () => {
		const dedup = new FakeDeduplication();
		await execute({ items: profiles(3), deduplication: dedup, mode: 'manual' });
		expect(dedup.calls).toEqual([]);
	});
});

describe('Delete', () => {
	it('sends a GDPR remove request per profile and outputs its request id', async () => {
		await execute({ items: profiles(2) });
		const fake = fakeContext({
			items: [{ id: 'u0' }, { id: 'nobody' }, { id: '' }],
			credentials,
			continueOnFail: true,
			parameters: { resource: 'profile', operation: 'delete', customId: (i: number) => ['u0', 'nobody', ''][i], options: { requestsPerSecond: 50 } },
		});
		const output = (await new Batch().execute.call(fake.ctx))[0];
		expect(fake.requests.map((r) => [r.url.replace(String(credentials.baseUrl), ''), r.body, r.headers['x-authorization']])).toEqual([
			[`/1.0/${credentials.appApiKey}/gdpr/request`, { request_type: 'remove', id: { type: 'custom_id', value: 'u0' } }, credentials.restApiKey],
			[`/1.0/${credentials.appApiKey}/gdpr/request`, { request_type: 'remove', id: { type: 'custom_id', value: 'nobody' } }, credentials.restApiKey],
		]);
		expect(output[0].json).toMatchObject({ customId: 'u0', status: 'pending', requestType: 'remove' });
		expect(output[0].json.requestId).toMatch(/^[0-9a-f-]{36}$/);
		expect(output[2].json.error).toMatch(/Item 2, field "customId"/);
		const gdpr = (await state()).gdprRequests;
		expect(gdpr.map((r) => r.request_id)).toEqual([output[0].json.requestId, output[1].json.requestId]);
	});

	it('asks for the App API Key when the credential has none', async () => {
		const fake = fakeContext({
			items: [{}],
			credentials: { ...credentials, appApiKey: '' },
			parameters: { resource: 'profile', operation: 'delete', customId: 'u0', options: {} },
		});
		await expect(new Batch().execute.call(fake.ctx)).rejects.toThrow(/App API Key/);
		expect(fake.requests).toHaveLength(0);
	});
});

describe('Create or Update: a sync state saved by an earlier version still matches', () => {
	const items = [{ custom_id: 'u1', plan: 'gold', logins: 3 }];
	const perAttribute = upsertParameters({ options: { changedAttributesOnly: true } });
	// The fingerprints of { plan: 'gold', logins: 3 } (whole profile) and of 'gold' and 3 (per attribute).
	const profileState = { v: 1, granularity: 'profile', profiles: { u1: 'e3962323e22a1d19' } };
	const attributeState = { v: 1, granularity: 'attribute', profiles: { u1: { plan: '4aa4de83', logins: '360caa42' } } };

	it('writes the same static data as before, and skips a profile it holds', async () => {
		const staticData: IDataObject = {};
		await execute({ items, staticData });
		expect(staticData).toEqual({ batchProfileSync: profileState });
		const again = await execute({ items, staticData: { batchProfileSync: structuredClone(profileState) } });
		expect(again.requests).toHaveLength(0);
		expect(again.output[0].json).toMatchObject({ customId: 'u1', status: 'skipped' });
		const attributes: IDataObject = {};
		await execute({ items, staticData: attributes, parameters: perAttribute });
		expect(attributes).toEqual({ batchProfileSync: attributeState });
		const unchanged = await execute({ items, staticData: { batchProfileSync: structuredClone(attributeState) }, parameters: perAttribute });
		expect(unchanged.requests).toHaveLength(0);
	});

	it('finds the database keys written before', async () => {
		const dedup = new FakeDeduplication();
		await dedup.helpers().checkProcessedAndRecord(['p\u001fu1\u001fe3962323e22a1d19'], 'node', { mode: 'entries' });
		const again = await execute({ items, deduplication: dedup });
		expect(again.requests).toHaveLength(0);
		const attributes = new FakeDeduplication();
		await attributes.helpers().checkProcessedAndRecord(['a\u001fu1\u001fplan\u001f4aa4de83', 'a\u001fu1\u001flogins\u001f360caa42'], 'node', { mode: 'entries' });
		const unchanged = await execute({ items, deduplication: attributes, parameters: perAttribute });
		expect(unchanged.requests).toHaveLength(0);
		expect(unchanged.output[0].json).toMatchObject({ customId: 'u1', status: 'skipped' });
	});
});
