// The Crescendo Lab fake answers as the reference's simulator notes say: happy path, auth failures,
// limits, the busy answer, validation, merge semantics, export CSV, and injected faults.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';

import { startSandbox, type Sandbox } from '../../sandbox/index.mts';
import { parse as parseStream } from 'csv-parse';

import { credentials, generatedColumns, generatedCsv, generatedRowWriter, japanCredentials, maacCredentials, toCsv, type Contact } from '../../sandbox/crescendoLab.mts';

// Large enough that a loaded machine still sees each state: 60 s window → 4.8 s; 1 s pending → 80 ms.
const SCALE = 0.08;
let sandbox: Sandbox;
let base: string;
const profile = { apikey: credentials.apiKey, 'content-type': 'application/json' };
const maac = { authorization: `Bearer ${maacCredentials.accessToken}`, 'content-type': 'application/json' };
const uid = (n: number) => `U${n.toString(16).padStart(32, '0')}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function call(method: string, path: string, headers: Record<string, string>, body?: unknown) {
	const response = await fetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
	const text = await response.text();
	let parsed: any = text;
	try {
		parsed = JSON.parse(text);
	} catch {
		// CSV or empty
	}
	return { status: response.status, headers: response.headers, body: parsed };
}

const control = () => sandbox.control('crescendoLab');

async function waitDone(path: string, headers: Record<string, string>) {
	for (let i = 0; i < 200; i++) {
		const answer = await call('GET', path, headers);
		if (answer.body.status === 'done') return answer;
		await sleep(5);
	}
	throw new Error('task never finished');
}

beforeAll(async () => {
	sandbox = await startSandbox({ only: ['crescendoLab'], ports: 'random', timeScale: SCALE });
	base = sandbox.vendor('crescendoLab').url;
});
afterAll(async () => await sandbox.close());
beforeEach(async () => {
	await control().reset();
	await control().configure({ faults: { rate429: 0, error5xxRate: 0, resetRate: 0 }, knobs: { busyStatus: 429, rateLimit: 15, rateWindowMs: 60_000, processingMsPer1000: 1000, maxBodyBytes: 10 * 1024 * 1024 } });
});

describe('Crescendo Lab sandbox', () => {
	it('runs a Profile API import through pending → processing → done and applies upsert semantics', async () => {
		await control().configure({ knobs: { contacts: [{ customer_id: 'c1', display_name: 'Old', city: 'Taipei', note: 'keep me', tags: ['a'] }] } });
		const start = await call('POST', '/cdh/v1/member/import/', profile, {
			import_key: 'customer_id',
			data: [
				{ customer_id: 'c1', display_name: '新名字', city: null, tags: ['b'] },
				{ customer_id: 'c2', display_mobile: '0912345678', gender: 'female' },
			],
		});
		expect(start.status).toBe(200);
		expect(typeof start.body.task_id).toBe('number');
		const first = await call('GET', `/cdh/v1/member/import/${start.body.task_id}/`, profile);
		expect(first.body.status).toBe('pending');
		expect(first.body.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+08:00$/);
		const done = await waitDone(`/cdh/v1/member/import/${start.body.task_id}/`, profile);
		expect(done.body.result).toMatchObject({ success: true, total_num: 2, created_num: 1, updated_num: 1, mismatch_num: 0 });
		const { contacts } = await control().state();
		const c1 = contacts.find((c: Contact) => c.customer_id === 'c1');
		expect(c1).toMatchObject({ display_name: '新名字', note: 'keep me', tags: ['a', 'b'] });
		expect(c1).not.toHaveProperty('city'); // null cleared it
		expect(contacts.find((c: Contact) => c.customer_id === 'c2')).toMatchObject({ display_mobile: '+886912345678', gender: 'female' });
	});

	it('refuses missing, wrong and other-region credentials with 401 and a detail body', async () => {
		const none = await call('POST', '/cdh/v1/member/import/', { 'content-type': 'application/json' }, { import_key: 'customer_id', data: [{ customer_id: 'x' }] });
		expect(none).toMatchObject({ status: 401, body: { detail: expect.any(String) } });
		const wrong = await call('PATCH', '/cdh/v1/member', { apikey: 'nope' }, {});
		expect(wrong.status).toBe(401);
		const japan = await call('PATCH', '/cdh/v1/member', { apikey: japanCredentials.apiKey }, {});
		expect(japan.status).toBe(401);
		const bearerOnProfile = await call('PATCH', '/cdh/v1/member', { authorization: `Bearer ${credentials.apiKey}` }, {});
		expect(bearerOnProfile.status).toBe(401);
		const maacWrong = await call('GET', '/openapi/v1/member/', { authorization: 'Bearer nope' });
		expect(maacWrong).toMatchObject({ status: 401, body: { detail: 'Invalid token.' } });
		expect((await call('GET', '/openapi/v1/member/', maac)).status).toBe(200);
	});

	it('answers the 16th task start in a window with 429 and Retry-After, and a second import while one runs with the busy status', async () => {
		// The first task stays running; a 10-minute window (6 s scaled) keeps the count stable on a slow machine.
		await control().configure({ knobs: { processingMsPer1000: 1e9, rateWindowMs: 600_000 } });
		const body = { import_key: 'customer_id', data: [{ customer_id: 'c1' }] };
		const first = await call('POST', '/cdh/v1/member/import/', profile, body);
		expect(first.status).toBe(200);
		const busy = await call('POST', '/cdh/v1/member/import/', profile, body);
		expect(busy).toMatchObject({ status: 429, body: { detail: expect.stringContaining('running') } });
		await control().configure({ knobs: { busyStatus: 409 } });
		const statuses: number[] = [];
		let retryAfter: string | null = null;
		for (let i = 0; i < 14; i++) {
			const answer = await call('POST', '/cdh/v1/member/import/', profile, body);
			statuses.push(answer.status);
			if (answer.status === 429) retryAfter = answer.headers.get('retry-after');
		}
		// 1 accepted + 1 busy (429) so far; 13 more fit in the window of 15 (busy answers count), the 14th is rate-limited.
		expect(statuses.slice(0, 13)).toEqual(Array(13).fill(409));
		expect(statuses[13]).toBe(429);
		expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
		expect((await control().state()).tasks).toHaveLength(1);
	});

	it('enforces the size caps and the request shape', async () => {
		const rows = Array.from({ length: 10_001 }, (_, i) => ({ customer_id: `c${i}` }));
		expect((await call('POST', '/openapi/v1/member/import/', maac, { import_key: 'customer_id', data: rows })).status).toBe(400);
		const profileTooMany = await call('POST', '/cdh/v1/member/import/', profile, { import_key: 'customer_id', data: rows });
		expect(profileTooMany).toMatchObject({ status: 422, body: { detail: [{ loc: ['body', 'data'] }] } });
		await control().configure({ knobs: { maxBodyBytes: 1000 } });
		const big = await call('POST', '/cdh/v1/member/import/', profile, { import_key: 'customer_id', data: [{ customer_id: 'x', note: 'n'.repeat(2000) }] });
		expect(big.status).toBe(413);
		await control().configure({ knobs: { maxBodyBytes: 10 * 1024 * 1024 } });
		expect((await call('POST', '/openapi/v1/member/import/', maac, '{"import_key":')).status).toBe(400);
		expect((await call('POST', '/openapi/v1/member/import/', maac, { data: [{ email: 'a@b.c' }] })).body).toEqual({ detail: expect.stringContaining('import_key') });
		expect((await call('POST', '/openapi/v1/member/import/', maac, { import_key: 'email', data: [] })).status).toBe(400);
		expect((await call('GET', '/openapi/v1/member/import/424242/', maac)).status).toBe(404);
		expect((await control().state()).tasks).toHaveLength(0);
	});

	it('fails a whole MAAC task on one bad row, reports mismatches on line_uid, and only lets non-empty values overwrite', async () => {
		await control().configure({ knobs: { contacts: [{ line_uid: uid(1), customer_id: 'old', display_name: 'Keep', tags: ['x'] }] } });
		const bad = await call('POST', '/openapi/v1/member/import/', maac, {
			import_key: 'line_uid',
			data: [{ line_uid: uid(1), gender: 'unknown' }, { line_uid: uid(1) }, { line_uid: '' }, { line_uid: uid(2), shoe: 42 }],
		});
		const failed = await waitDone(`/openapi/v1/member/import/${bad.body.id}/`, maac);
		expect(failed.body).toMatchObject({
			category: 'import_member',
			result: { success: false, blank_error: 1, duplicate_error: 1, gender_error: 1, useless_fields: ['shoe'] },
		});
		expect((await control().state()).contacts[0].customer_id).toBe('old');

		const good = await call('POST', '/openapi/v1/member/import/', maac, {
			import_key: 'line_uid',
			tags: ['campaign'],
			data: [{ line_uid: uid(1), customer_id: 'new', line_display_name: '', tags: ['y'] }, { line_uid: uid(9) }],
		});
		expect(good.body).toEqual({ id: expect.any(Number), result: 'start importing' });
		const done = await waitDone(`/openapi/v1/member/import/${good.body.id}/`, maac);
		expect(done.body.result).toMatchObject({ success: true, updated_num: 1, mismatch_num: 1, tags: ['campaign'] });
		const mismatch = await fetch(done.body.result.mismatch_export_link).then((r) => r.text());
		expect(mismatch).toContain(uid(9));
		const [contact] = (await control().state()).contacts;
		expect(contact).toMatchObject({ customer_id: 'new', display_name: 'Keep', tags: ['x', 'y', 'campaign'] });
	});

	it('exports the store as CSV with quoted commas, newlines, quotes and non-ASCII text', async () => {
		const rows = [
			{ customer_id: 'c1', display_name: '王小明, "Ming"', note: 'line one\nline two', cl_custom_points: '12' },
			{ customer_id: 'c2', display_name: '山田太郎', city: 'กรุงเทพมหานคร', tags: ['vip', 'new'] },
		];
		await control().configure({ knobs: { contacts: rows } });
		const start = await call('POST', '/cdh/v1/member/export/', profile, {});
		const busy = await call('POST', '/cdh/v1/member/export/', profile, {});
		expect(busy.status).toBe(429);
		const done = await waitDone(`/cdh/v1/member/export/${start.body.task_id}/`, profile);
		expect(done.body.download_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/files\//);
		expect(done.body.expires_at).toMatch(/\+08:00$/);
		const text = await fetch(done.body.download_url).then((r) => r.text());
		const parsed = parse(text, { bom: true, columns: true }) as Array<Record<string, string>>;
		expect(parsed).toHaveLength(2);
		expect(parsed[0]).toMatchObject({ display_name: '王小明, "Ming"', note: 'line one\nline two', cl_custom_points: '12' });
		expect(parsed[1]).toMatchObject({ display_name: '山田太郎', city: 'กรุงเทพมหานคร', tags: 'vip,new', cl_custom_points: '' });
		expect(toCsv([])).toContain('customer_id');
	});

	it('serves a generated export as a stream: every row, 100 columns, the same rows for the same seed', async () => {
		await control().configure({ knobs: { generatedExport: { rows: 5_000, columns: 100, seed: 7 }, processingMsPer1000: 1 } });
		try {
			const start = await call('POST', '/cdh/v1/member/export/', profile, {});
			const done = await waitDone(`/cdh/v1/member/export/${start.body.task_id}/`, profile);
			const response = await fetch(done.body.download_url);
			expect(response.headers.get('content-length')).toBeNull();
			const parser = parseStream({ bom: true, columns: true });
			const reading = (async () => {
				const rows: Array<Record<string, string>> = [];
				for await (const row of parser) rows.push(row as Record<string, string>);
				return rows;
			})();
			for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) parser.write(chunk);
			parser.end();
			const rows = await reading;
			expect(rows).toHaveLength(5_000);
			expect(Object.keys(rows[0])).toEqual(generatedColumns(100));
			expect(Object.keys(rows[0])).toHaveLength(100);
			expect(rows[4_999].customer_id).toBe('C000004999');
			expect(Object.values(rows[123])).toEqual(
				parse(generatedRowWriter(generatedColumns(100), 7)(123))[0] as string[],
			);
			expect(rows[5].tags.split(',')).toHaveLength(2);
		} finally {
			await control().configure({ knobs: { generatedExport: null } });
		}
	});

	it('writes a generated export only as fast as it is read', async () => {
		// A billion rows: reading the first chunk must not wait for (or hold) the rest.
		const stream = generatedCsv({ rows: 1_000_000_000, columns: 100 }, true);
		const first = (await stream[Symbol.asyncIterator]().next()).value as Buffer;
		stream.destroy();
		const text = first.toString('utf8');
		expect(text.startsWith('\uFEFFline_uid,customer_id')).toBe(true);
		expect(first.length).toBeLessThan(1024 * 1024);
		expect(text.split('\r\n').length).toBeGreaterThan(10);
	});

	it('lets injected faults through before handling, and counts them', async () => {
		await control().configure({ faults: { error5xxRate: 1, routes: ['/cdh/v1/member'] } });
		const answer = await call('PATCH', '/cdh/v1/member', profile, {});
		expect([500, 502, 503]).toContain(answer.status);
		const stats = await control().stats();
		expect(stats.injected.error5xx).toBe(1);
		await control().configure({ faults: { error5xxRate: 0 } });
		expect((await call('PATCH', '/cdh/v1/member', profile, {})).status).toBe(422);
	});
});
