// The defects of issues #14 and #18 (Crescendo Lab points), each through the real node `execute` against
// the sandbox. Every test here failed before its fix.
import { describe, expect, it } from 'vitest';

import { credentials, maacCredentials } from '../../../sandbox/crescendoLab.mts';
import { importParams, resetSandbox, runNode, sandboxCall, sandboxState, uid, useCrescendo } from './helpers.mts';

const sandbox = await useCrescendo();

const maac = (extra: Record<string, unknown> = {}, options: Record<string, unknown> = {}) => ({
	authentication: 'maacApi',
	...importParams(extra, options),
});
const rows = (run: { fake: { sent: Array<{ method: string; body: unknown }> } }) =>
	run.fake.sent.filter((r) => r.method === 'POST').flatMap((r) => (r.body as { data: unknown[] }).data);

describe('#14 phone numbers: the value checked is the value sent', () => {
	it('sends the normalised E.164 number, converts a local 09… number, and refuses what is not E.164', async () => {
		const run = await runNode(sandbox, {
			items: [
				{ customer_id: 'a', display_mobile: '0912-345-678' },
				{ customer_id: 'b', display_mobile: '+886 912 000 111' },
				{ customer_id: 'c', display_mobile: '886912345678' },
				{ customer_id: 'd', display_mobile: '(02) 2345-6789' },
			],
			parameters: importParams(),
			continueOnFail: true,
		});
		const out = run.output![0].map((item) => item.json);
		expect(rows(run)).toEqual([
			{ customer_id: 'a', display_mobile: '+886912345678' },
			{ customer_id: 'b', display_mobile: '+886912000111' },
		]);
		expect(out[0]).toMatchObject({ outcome: 'imported' });
		expect(out[1]).toMatchObject({ outcome: 'imported' });
		expect(out[2].error).toMatch(/^Item 2, field "display_mobile": is not a phone number in E\.164 form/);
		expect(out[3].error).toMatch(/^Item 3, field "display_mobile": is not a phone number in E\.164 form/);
		const { contacts } = await sandboxState(sandbox);
		expect(contacts.map((c: any) => c.display_mobile)).toEqual(['+886912345678', '+886912000111']);
	});

	it('matches on the normalised number: a local and an E.164 spelling of one number are one contact', async () => {
		const run = await runNode(sandbox, {
			items: [{ mobile: '0912345678' }, { mobile: '+886912345678' }],
			parameters: maac({ importKey: 'mobile' }),
			continueOnFail: true,
		});
		const out = run.output![0].map((item) => item.json);
		expect(out[0]).toMatchObject({ keyValue: '+886912345678' });
		expect(out[1].error).toMatch(/^Item 1, field "mobile": repeats the value of item 0/);
	});
});

describe('#14 Profile API paths: one named form, overridable in the credential', () => {
	const baseUrl = () => sandbox.vendor('crescendoLab').url;

	it('sends the import, its status checks and the export with the trailing slash of the design notes', async () => {
		const run = await runNode(sandbox, { items: [{ customer_id: 'a' }], parameters: importParams() });
		expect(run.error).toBeUndefined();
		const paths = run.fake.sent.map((r) => `${r.method} ${new URL(r.url).pathname}`);
		expect(paths[0]).toBe('POST /cdh/v1/member/import/');
		expect(paths.slice(1).every((path) => path === 'GET /cdh/v1/member/import/1001/')).toBe(true);
	});

	it('follows the credential: without the slash when the account has none, and the fake refuses the other form', async () => {
		await resetSandbox(sandbox, { profileTrailingSlash: false });
		const noSlash = { crescendoLabApi: { ...credentials, baseUrl: baseUrl(), trailingSlash: false } };
		const agreed = await runNode(sandbox, { items: [{ customer_id: 'a' }], parameters: importParams(), credentials: noSlash });
		expect(agreed.error).toBeUndefined();
		expect(new URL(agreed.fake.sent[0].url).pathname).toBe('/cdh/v1/member/import');
		expect(agreed.output![0][0].json.outcome).toBe('imported');

		// The default (slash) against an account without it: a clear 404, never a silent success.
		const mismatched = await runNode(sandbox, { items: [{ customer_id: 'b' }], parameters: importParams() });
		expect(mismatched.error?.message).toMatch(/answered 404: Not Found/);
	});

	it('uses the credential path prefix for every route', async () => {
		const prefixed = { crescendoLabApi: { ...credentials, baseUrl: baseUrl(), pathPrefix: 'cdh/v2/' } };
		const run = await runNode(sandbox, { items: [{ customer_id: 'a' }], parameters: importParams(), credentials: prefixed });
		expect(new URL(run.fake.sent[0].url).pathname).toBe('/cdh/v2/member/import/');
		expect(run.error?.message).toMatch(/answered 404/);
	});

	it('the credential test route is the documented PATCH: 401 for a bad key, 422 (nothing changed) for a good one; no GET', async () => {
		const call = async (method: string, headers: Record<string, string>) =>
			await fetch(`${baseUrl()}/cdh/v1/member`, { method, headers: { 'content-type': 'application/json', ...headers }, body: method === 'GET' ? undefined : '{}' });
		expect((await call('PATCH', { apikey: 'wrong' })).status).toBe(401);
		const good = await call('PATCH', { apikey: credentials.apiKey });
		expect(good.status).toBe(422);
		expect(((await good.json()) as any).detail[0].loc).toEqual(['body']);
		expect((await call('GET', { apikey: credentials.apiKey })).status).toBe(404);
	});
});

describe('#14 busy answers and the status pace', () => {
	it('waits out a 400 whose message says a task is running, like 409 and 429', async () => {
		await resetSandbox(sandbox, { busyStatus: 400, processingMsPer1000: 30_000 });
		const other = await fetch(`${sandbox.vendor('crescendoLab').url}/cdh/v1/member/import/`, {
			method: 'POST',
			headers: { apikey: credentials.apiKey, 'content-type': 'application/json' },
			body: JSON.stringify({ import_key: 'customer_id', data: Array.from({ length: 1000 }, (_, i) => ({ customer_id: `o${i}` })) }),
		});
		expect(other.status).toBe(200);
		const run = await runNode(sandbox, { items: [{ customer_id: 'mine' }], parameters: importParams() });
		expect(run.error).toBeUndefined();
		expect(run.output![0][0].json.outcome).toBe('imported');
		const stats = await sandboxCall(sandbox, 'GET', '/__sandbox/stats');
		expect(stats.byStatus['400']).toBeGreaterThanOrEqual(1);
	});

	it('does not retry a 400 that says something else', async () => {
		const run = await runNode(sandbox, {
			items: [{ customer_id: 'a' }],
			parameters: importParams({ importKey: 'customer_id' }),
			credentials: { crescendoLabApi: { ...credentials, baseUrl: sandbox.vendor('crescendoLab').url } },
		});
		expect(run.error).toBeUndefined();
		const stats = await sandboxCall(sandbox, 'GET', '/__sandbox/stats');
		expect(stats.byStatus['400'] ?? 0).toBe(0);
	});

	it('status checks do not wait for the import budget: the first check follows the start at once', async () => {
		// 20 starts a minute: one every 3 s. Before the fix the first status check waited those 3 s too.
		const run = await runNode(sandbox, { items: [{ customer_id: 'a' }], parameters: importParams({}, { maxRequestsPerMinute: 20 }) });
		expect(run.error).toBeUndefined();
		const [start, firstCheck] = run.fake.sent;
		expect(firstCheck.method).toBe('GET');
		expect(firstCheck.at - start.at).toBeLessThan(1000);
	});
});

describe('#14 MAAC mismatch file', () => {
	it('reads the file without a header: the first mismatched LINE UID is a mismatch, not a column name', async () => {
		for (const mismatchCsvHeader of [false, true]) {
			await resetSandbox(sandbox, { mismatchCsvHeader, contacts: [{ line_uid: uid(1), display_name: 'Known' }] });
			const run = await runNode(sandbox, {
				items: [{ line_uid: uid(1) }, { line_uid: uid(2) }, { line_uid: uid(3) }],
				parameters: maac({ importKey: 'line_uid' }),
			});
			expect(run.error).toBeUndefined();
			expect(run.output![0].map((item) => item.json.outcome)).toEqual(['imported', 'notMatched', 'notMatched']);
		}
	});
});

describe('#18.7 MAAC v1 without a per-contact result', () => {
	it('says "submitted" with the task counters when the key is not line_uid and the task counted mismatches', async () => {
		await resetSandbox(sandbox, { contacts: [{ customer_id: 'known', display_name: 'Known' }] });
		const run = await runNode(sandbox, { items: [{ customer_id: 'known' }, { customer_id: 'stranger' }], parameters: maac() });
		expect(run.error).toBeUndefined();
		const out = run.output![0].map((item) => item.json);
		for (const item of out) {
			expect(item).toMatchObject({ outcome: 'submitted', taskResult: { total_num: 2, updated_num: 1, mismatch_num: 1 } });
			expect(item.reason).toMatch(/reports only counters/);
		}
	});

	it('says "imported" when the counters leave no doubt (no mismatch)', async () => {
		await resetSandbox(sandbox, { contacts: [{ customer_id: 'known' }] });
		const run = await runNode(sandbox, { items: [{ customer_id: 'known' }], parameters: maac() });
		expect(run.output![0][0].json).toMatchObject({ outcome: 'imported', taskResult: { mismatch_num: 0 } });
	});
});

describe('#18.1 unknown fields under Map Automatically', () => {
	it('refuses the item that has the unknown field, naming it, before the task starts; the others are imported', async () => {
		const run = await runNode(sandbox, {
			items: [{ id: 7, customer_id: 'a' }, { customer_id: 'b', display_name: 'B' }],
			parameters: importParams(),
			continueOnFail: true,
		});
		const out = run.output![0].map((item) => item.json);
		expect(out[0].error).toMatch(/^Item 0, field "id": the Profile API import has no such field/);
		expect(out[1]).toMatchObject({ outcome: 'imported', keyValue: 'b' });
		expect(rows(run)).toEqual([{ customer_id: 'b', display_name: 'B' }]);
		expect((await sandboxState(sandbox)).contacts.map((c: any) => c.customer_id)).toEqual(['b']);
	});

	it('"Leave the Field Out" sends the item without the field and lists it in the output', async () => {
		const run = await runNode(sandbox, {
			items: [{ id: 7, customer_id: 'a', cl_custom_points: 3 }, { customer_id: 'b' }],
			parameters: importParams({}, { unknownFields: 'omit' }),
		});
		expect(run.error).toBeUndefined();
		expect(rows(run)).toEqual([{ customer_id: 'a', cl_custom_points: 3 }, { customer_id: 'b' }]);
		const out = run.output![0].map((item) => item.json);
		expect(out[0]).toMatchObject({ outcome: 'imported', omittedFields: ['id'] });
		expect(out[1]).not.toHaveProperty('omittedFields');
	});

	it('the fake still fails the whole task on an unknown field, as the vendor does', async () => {
		const answer = await fetch(`${sandbox.vendor('crescendoLab').url}/openapi/v1/member/import/`, {
			method: 'POST',
			headers: { authorization: `Bearer ${maacCredentials.accessToken}`, 'content-type': 'application/json' },
			body: JSON.stringify({ import_key: 'customer_id', data: [{ customer_id: 'a', id: 1 }, { customer_id: 'b' }] }),
		});
		const { id } = (await answer.json()) as { id: number };
		let status: any;
		for (let i = 0; i < 100; i++) {
			status = await (
				await fetch(`${sandbox.vendor('crescendoLab').url}/openapi/v1/member/import/${id}/`, {
					headers: { authorization: `Bearer ${maacCredentials.accessToken}` },
				})
			).json();
			if (status.status === 'done') break;
			await new Promise((resolve) => setTimeout(resolve, 20));
		}
		expect(status.result).toMatchObject({ success: false, useless_fields: ['id'] });
		expect((await sandboxState(sandbox)).contacts).toHaveLength(0);
	});
});
