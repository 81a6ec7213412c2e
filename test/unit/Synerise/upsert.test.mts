import { describe, expect, it } from 'vitest';

import { jsonBytes } from '../../../nodes/shared/chunk';
import { MAX_BATCH_BYTES, MAX_PROFILES_PER_BATCH } from '../../../nodes/Synerise/transport';
import { KEYS } from '../../../sandbox/synerise.mts';
import { autoMapped, runNode, syneriseContext } from './context.mts';
import { useSynerise } from './sandbox.mts';

const { vendor, state, jwt } = await useSynerise();

const batchCalls = (run: ReturnType<typeof syneriseContext>) => run.ctx.calls.filter((call) => call.url.endsWith('/v4/clients/batch'));

describe('Synerise Create or Update (batch)', () => {
	it(`packs ${MAX_PROFILES_PER_BATCH} profiles per request at the count cap`, async () => {
		for (const [count, sizes] of [
			[2000, [1000, 1000]],
			[2001, [1000, 1000, 1]],
		] as const) {
			vendor.module.reset();
			vendor.module.configure({ applyDelayMs: 0 });
			const items = Array.from({ length: count }, (_, i) => ({ customId: `cap-${i}`, firstName: `F${i}` }));
			const run = syneriseContext({ credential: jwt(), items, params: autoMapped('upsert') });
			const out = await runNode(run);
			expect(batchCalls(run).map((call) => (call.body as unknown[]).length)).toEqual(sizes);
			expect(out).toHaveLength(count);
			expect(out.every((item, i) => item.json.accepted === true && item.json.customId === `cap-${i}` && (item.pairedItem as { item: number }).item === i)).toBe(true);
			expect(state().profiles).toHaveLength(count);
			expect(state().batches.every((b: { status: number }) => b.status === 202)).toBe(true);
			// One login for the whole run; every call carries the API version.
			expect(state().logins).toBe(1);
			expect(state().missingApiVersion).toBe(0);
		}
	});

	it(`fills a request up to exactly ${MAX_BATCH_BYTES} bytes, and one byte more starts another`, async () => {
		const profile = (i: number, pad: number) => ({ customId: `b${i}`, attributes: { pad: 'x'.repeat(pad) } });
		const pad = 240_000;
		const three = [0, 1, 2].map((i) => profile(i, pad));
		// The JSON array: brackets, entries and the commas between them.
		const used = 2 + three.reduce((sum, p) => sum + jsonBytes(p), 0) + 3;
		const lastPad = MAX_BATCH_BYTES - used - jsonBytes(profile(3, 0));
		for (const [extra, requests] of [
			[0, [4]],
			[1, [3, 1]],
		] as const) {
			vendor.module.reset();
			vendor.module.configure({ applyDelayMs: 0 });
			const items = [...three, profile(3, lastPad + extra)];
			const run = syneriseContext({ credential: jwt(), items, params: autoMapped('upsert') });
			await runNode(run);
			expect(batchCalls(run).map((call) => (call.body as unknown[]).length)).toEqual(requests);
			expect(state().batches.map((b: { bytes: number }) => b.bytes)[0]).toBe(extra === 0 ? MAX_BATCH_BYTES : used - 1);
			expect(state().profiles).toHaveLength(4);
		}
	});

	it('turns a profile too big for any request into an error item and sends the rest', async () => {
		const items = [{ customId: 'fine' }, { customId: 'huge', attributes: { pad: 'x'.repeat(MAX_BATCH_BYTES) } }];
		const run = syneriseContext({ credential: jwt(), items, params: autoMapped('upsert'), continueOnFail: true });
		const out = await runNode(run);
		expect(out[0].json).toMatchObject({ accepted: true, customId: 'fine' });
		expect(out[1].json.error).toMatch(/^Item 1, field "pad": is the largest part of an item that is \d+ bytes, more than the 1000000 bytes/);
		expect(state().profiles.map((p: { customId: string }) => p.customId)).toEqual(['fine']);
	});

	it('checks every item before sending: bad ones become error items naming item and field', async () => {
		const items = [
			{ customId: 'ok-0', email: 'ok0@example.com', birthDate: '1990-05-03', phone: '+48 111 222 333', sex: 'female', countryCode: 'pl' },
			{ customId: 'bad-email', email: 'not-an-email' },
			{ customId: 'bad-phone', phone: '12' },
			{ customId: 'bad-date', birthDate: '1990-02-30' },
			{ customId: 'old-date', birthDate: '1899-12-31' },
			{ customId: 'emoji-\u{1F600}' },
			{ firstName: 'No identifier' },
			{ customId: 'reserved', source: 'web' },
			{ customId: 'agreement', agreements: { email: 'maybe' } },
			{ customId: 'ok-9', agreements: { sms: 'True', push: 0 }, tags: 'a, b' },
		];
		const run = syneriseContext({ credential: jwt(), items, params: autoMapped('upsert'), continueOnFail: true });
		const out = await runNode(run);
		expect(out).toHaveLength(items.length);
		const errors = out.map((item) => item.json.error as string | undefined);
		expect(errors[0]).toBeUndefined();
		expect(errors[1]).toMatch(/^Item 1, field "email": "not-an-email" is not a valid email address/);
		expect(errors[2]).toMatch(/^Item 2, field "phone"/);
		expect(errors[3]).toMatch(/^Item 3, field "birthDate": "1990-02-30" is not a valid birth date/);
		expect(errors[4]).toMatch(/^Item 4, field "birthDate"/);
		expect(errors[5]).toMatch(/^Item 5, field "customId": must not contain characters outside the Basic Multilingual Plane/);
		expect(errors[6]).toMatch(/^Item 6, field "email \/ phone \/ uuid \/ customId"/);
		expect(errors[7]).toMatch(/^Item 7, field "attributes.source": .*reserves/);
		expect(errors[8]).toMatch(/^Item 8, field "agreements.email": must be true or false/);
		expect(errors[9]).toBeUndefined();
		// Only the two valid items were sent, normalised.
		const [call] = batchCalls(run);
		expect(call.body).toEqual([
			{ customId: 'ok-0', email: 'ok0@example.com', birthDate: '1990-05-03', phone: '+48 111 222 333', sex: 'FEMALE', countryCode: 'PL' },
			{ customId: 'ok-9', tags: ['a', 'b'], agreements: { sms: true, push: false } },
		]);
		expect(state().dropped).toEqual([]);
	});

	it('stops before sending anything when an item is bad and Continue On Fail is off', async () => {
		const run = syneriseContext({ credential: jwt(), items: [{ customId: 'a' }, { customId: 'b', email: 'x@' }], params: autoMapped('upsert') });
		await expect(runNode(run)).rejects.toThrow('Item 1, field "email"');
		expect(run.ctx.calls).toHaveLength(0);
	});

	it('never sends empty strings: skips them, or sends null to clear when asked', async () => {
		const items = [{ customId: 'e1', city: '', firstName: '   ', lastName: 'Kept', note: '' }];
		const skip = syneriseContext({ credential: jwt(), items, params: autoMapped('upsert') });
		await runNode(skip);
		expect(batchCalls(skip)[0].body).toEqual([{ customId: 'e1', lastName: 'Kept' }]);

		const clear = syneriseContext({ credential: jwt(), items, params: autoMapped('upsert', { options: { emptyValues: 'null' } }) });
		await runNode(clear);
		expect(batchCalls(clear)[0].body).toEqual([{ customId: 'e1', city: null, firstName: null, lastName: 'Kept', attributes: { note: null } }]);
		expect(state().profiles[0]).toMatchObject({ customId: 'e1', city: null, lastName: 'Kept', attributes: {} });
	});

	it('maps a 207 answer to error items for exactly the rejected entries', async () => {
		vendor.module.configure({ batchInvalidItems: 'multiStatus', rejectEmailDomains: ['blocked.test'] });
		const items = Array.from({ length: 6 }, (_, i) => ({ customId: `m${i}`, email: i % 3 === 1 ? `u${i}@blocked.test` : `u${i}@example.com` }));
		const run = syneriseContext({ credential: jwt(), items, params: autoMapped('upsert'), continueOnFail: true });
		const out = await runNode(run);
		const failed = out.map((item, i) => (item.json.error ? i : -1)).filter((i) => i >= 0);
		expect(failed).toEqual([1, 4]);
		expect(out[1].json.error).toBe('Item 1, field "email": email domain is not accepted by this workspace');
		expect(state().profiles.map((p: { customId: string }) => p.customId)).toEqual(['m0', 'm2', 'm3', 'm5']);
	});

	it('after a 400 that names entries, fails those items and sends the others once more', async () => {
		vendor.module.configure({ batchInvalidItems: 'reject400', rejectEmailDomains: ['blocked.test'] });
		const items = [{ email: 'a@example.com' }, { email: 'b@blocked.test' }, { email: 'c@example.com' }];
		const run = syneriseContext({ credential: jwt(), items, params: autoMapped('upsert'), continueOnFail: true });
		const out = await runNode(run);
		expect(out.map((item) => (item.json.error ? 'error' : 'ok'))).toEqual(['ok', 'error', 'ok']);
		expect(state().batches.map((b: { status: number; items: number }) => [b.status, b.items])).toEqual([
			[400, 3],
			[202, 2],
		]);
		expect(state().profiles).toHaveLength(2);

		// When every entry is named, each item gets its own message and nothing is sent again.
		vendor.module.reset();
		vendor.module.configure({ applyDelayMs: 0, batchInvalidItems: 'reject400', rejectEmailDomains: ['blocked.test'] });
		const allBad = syneriseContext({ credential: jwt(), items: [{ email: 'x@blocked.test' }, { email: 'y@blocked.test' }], params: autoMapped('upsert'), continueOnFail: true });
		const refused = await runNode(allBad);
		expect(refused.map((item) => item.json.error)).toEqual([
			'Item 0, field "email": email domain is not accepted by this workspace',
			'Item 1, field "email": email domain is not accepted by this workspace',
		]);
		expect(batchCalls(allBad)).toHaveLength(1);
	});

	it('retries 5xx answers and refreshes an expired token in the middle of a run', async () => {
		vendor.setFaults({ error5xxRate: 0.5, routes: ['/v4/clients/batch'], seed: 7 });
		const stale = syneriseContext({ credential: { ...jwt(), token: 'expired.token.value' }, items: Array.from({ length: 3000 }, (_, i) => ({ customId: `r${i}` })), params: autoMapped('upsert') });
		const out = await runNode(stale);
		expect(out.filter((item) => item.json.error)).toHaveLength(0);
		expect(vendor.stats().injected.error5xx).toBeGreaterThan(0);
		expect(state().unauthorized).toBeGreaterThanOrEqual(1);
		expect(stale.logins).toBeGreaterThanOrEqual(1);
		expect(state().profiles).toHaveLength(3000);
	});

	it('fails every item of a refused request with the vendor message and no secret', async () => {
		const run = syneriseContext({
			credential: { authMethod: 'jwt', apiKey: KEYS.readOnly.apiKey, baseUrl: vendor.url },
			items: [{ customId: 'x1' }, { customId: 'x2' }],
			params: autoMapped('upsert'),
			continueOnFail: true,
		});
		const out = await runNode(run);
		expect(out.map((item) => item.json.error)).toEqual([
			'Item 0: The batch request failed. The service answered 403: Missing permission API_BATCH_CLIENT_CREATE',
			'Item 1: The batch request failed. The service answered 403: Missing permission API_BATCH_CLIENT_CREATE',
		]);
		expect(JSON.stringify(out)).not.toContain(KEYS.readOnly.apiKey);
		expect(JSON.stringify(out)).not.toContain(String(run.credential.token));
	});
});
