// Import (Create or Update) through the real node `execute`, over HTTP, against the sandbox.
import { describe, expect, it } from 'vitest';

import { MAX_CONTACTS_PER_IMPORT, MAX_IMPORT_BODY_BYTES, STATUS_CHECKS_PER_MINUTE } from '../../../nodes/CrescendoLab/transport';
import { jsonBytes } from '../../../nodes/shared/chunk';
import { credentials, maacCredentials } from '../../../sandbox/crescendoLab.mts';
import { FAST, importParams, resetSandbox, runNode, sandboxCall, sandboxState, uid, useCrescendo } from './helpers.mts';

const sandbox = await useCrescendo();

const importStarts = (run: { fake: { sent: Array<{ method: string; url: string }> } }) =>
	run.fake.sent.filter((r) => r.method === 'POST' && r.url.includes('/member/import'));

describe('Crescendo Lab import: mapping and validation', () => {
	it('maps every item field automatically and sends the Profile API request shape with the apikey header', async () => {
		const run = await runNode(sandbox, {
			items: [
				{ customer_id: 'c1', display_name: '陳大文', display_email: 'a@example.com', gender: 'Male', tags: 'vip, tw' },
				{ customer_id: 'c2', birthday: '1990-05-17', cl_custom_points: 12 },
			],
			parameters: importParams({}, { tags: 'n8n' }),
		});
		expect(run.error).toBeUndefined();
		const [start] = importStarts(run);
		expect(start.url).toMatch(/\/cdh\/v1\/member\/import\/$/);
		expect(run.fake.sent[0].headers).toMatchObject({ apikey: credentials.apiKey });
		expect(run.fake.sent[0].headers).not.toHaveProperty('authorization');
		expect(run.fake.sent[0].body).toEqual({
			import_key: 'customer_id',
			data: [
				{ customer_id: 'c1', display_name: '陳大文', display_email: 'a@example.com', gender: 'male', tags: ['vip', 'tw', 'n8n'] },
				{ customer_id: 'c2', birthday: '1990-05-17', cl_custom_points: 12, tags: ['n8n'] },
			],
		});
		const items = run.output![0];
		expect(items).toHaveLength(2);
		expect(items[0]).toMatchObject({
			json: { taskId: '1001', importKey: 'customer_id', keyValue: 'c1', outcome: 'imported', taskStatus: 'done', taskResult: { created_num: 2 } },
			pairedItem: { item: 0 },
		});
		const { contacts } = await sandboxState(sandbox);
		expect(contacts.map((c: any) => c.customer_id)).toEqual(['c1', 'c2']);
		expect(contacts[1].cl_custom_points).toBe(12);
	});

	it('sends only the fields set below, skipping empty values by default and sending null with "Send Null"', async () => {
		await sandboxCall(sandbox, 'POST', '/__sandbox/config', {
			knobs: { contacts: [{ customer_id: 'c1', display_name: 'Old', city: 'Tainan', note: 'stays' }] },
		});
		const columns = { mappingMode: 'defineBelow', value: { customer_id: 'c1', display_name: '', city: null } };
		const skip = await runNode(sandbox, { items: [{ note: 'not mapped' }], parameters: importParams({ columns }) });
		expect(skip.fake.sent[0].body).toEqual({ import_key: 'customer_id', data: [{ customer_id: 'c1' }] });
		let [contact] = (await sandboxState(sandbox)).contacts;
		expect(contact).toMatchObject({ display_name: 'Old', city: 'Tainan', note: 'stays' });

		const clear = await runNode(sandbox, { items: [{ note: 'not mapped' }], parameters: importParams({ columns }, { emptyValues: 'null' }) });
		expect(clear.fake.sent[0].body).toEqual({ import_key: 'customer_id', data: [{ customer_id: 'c1', display_name: null, city: null }] });
		[contact] = (await sandboxState(sandbox)).contacts;
		expect(contact).not.toHaveProperty('display_name');
		expect(contact).not.toHaveProperty('city');
		expect(contact.note).toBe('stays');
	});

	it('rejects items without the import key, bad values and repeated keys before sending, naming item and field', async () => {
		const items = [
			{ customer_id: 'ok1' },
			{ customer_id: '  ', display_name: 'blank key' },
			{ display_name: 'no key' },
			{ customer_id: 'c3', line_uid: 'U123' },
			{ customer_id: 'c4', gender: 'robot' },
			{ customer_id: 'c5', birthday: '17/05/1990' },
			{ customer_id: 'ok1' },
			{ customer_id: 'c7', address: { street: 'x' } },
			{ customer_id: 'ok2' },
		];
		const run = await runNode(sandbox, { items, parameters: importParams(), continueOnFail: true });
		const out = run.output![0];
		expect(out).toHaveLength(items.length);
		expect(out.map((item) => item.pairedItem)).toEqual(items.map((_, item) => ({ item })));
		expect(out[1].json.error).toBe('Item 1, field "customer_id": is empty; every contact needs a value for the import key');
		expect(out[2].json.error).toMatch(/^Item 2, field "customer_id"/);
		expect(out[3].json.error).toMatch(/^Item 3, field "line_uid": must be "U" followed by 32 hexadecimal/);
		expect(out[4].json.error).toMatch(/^Item 4, field "gender"/);
		expect(out[5].json.error).toMatch(/^Item 5, field "birthday"/);
		expect(out[6].json.error).toMatch(/^Item 6, field "customer_id": repeats the value of item 0/);
		expect(out[7].json.error).toMatch(/^Item 7, field "address"/);
		expect(out[0].json.outcome).toBe('imported');
		expect(out[8].json.outcome).toBe('imported');
		const [start] = importStarts(run);
		expect((start as any).body.data).toEqual([{ customer_id: 'ok1' }, { customer_id: 'ok2' }]);

		const stopped = await runNode(sandbox, { items, parameters: importParams() });
		expect(stopped.error?.message).toBe('Item 1, field "customer_id": is empty; every contact needs a value for the import key');
		expect(importStarts(stopped)).toHaveLength(0);
	});
});

describe('Crescendo Lab import: tasks', () => {
	it(`splits at ${MAX_CONTACTS_PER_IMPORT} contacts and runs the tasks strictly one after another`, async () => {
		const count = MAX_CONTACTS_PER_IMPORT + 1;
		const items = Array.from({ length: count }, (_, i) => ({ customer_id: `c${i}` }));
		const exact = await runNode(sandbox, { items: items.slice(0, MAX_CONTACTS_PER_IMPORT), parameters: importParams() });
		expect(exact.error).toBeUndefined();
		expect((await sandboxState(sandbox)).tasks.map((t: any) => t.rows)).toEqual([MAX_CONTACTS_PER_IMPORT]);
		await resetSandbox(sandbox);

		const run = await runNode(sandbox, { items, parameters: importParams() });
		expect(run.error).toBeUndefined();
		const { tasks, contacts } = await sandboxState(sandbox);
		expect(tasks.map((t: any) => t.rows)).toEqual([MAX_CONTACTS_PER_IMPORT, 1]);
		expect(tasks[1].createdAt).toBeGreaterThanOrEqual(tasks[0].doneAt);
		expect(contacts).toHaveLength(count);
		const out = run.output![0];
		expect(out).toHaveLength(count);
		expect(out[MAX_CONTACTS_PER_IMPORT - 1].json.taskId).toBe(String(tasks[0].id));
		expect(out[MAX_CONTACTS_PER_IMPORT].json.taskId).toBe(String(tasks[1].id));
		// Pacing: task starts are at least 60 000 / rpm ms apart; status checks have their own pace (#14).
		const gapsOf = (list: Array<{ at: number }>) => list.slice(1).map((r, i) => r.at - list[i].at);
		const starts = run.fake.sent.filter((r) => r.method === 'POST');
		const checks = run.fake.sent.filter((r) => r.method === 'GET');
		expect(Math.min(...gapsOf(starts))).toBeGreaterThanOrEqual(Math.floor(60_000 / FAST.maxRequestsPerMinute) - 2);
		if (checks.length > 1) expect(Math.min(...gapsOf(checks))).toBeGreaterThanOrEqual(Math.floor(60_000 / STATUS_CHECKS_PER_MINUTE) - 2);
	});

	it(`splits at the ${MAX_IMPORT_BODY_BYTES}-byte body cap, byte-exact`, async () => {
		const rows = 8;
		const envelope = jsonBytes({ import_key: 'customer_id', data: [] });
		const base = jsonBytes({ customer_id: 'c0', note: '' });
		const perRow = Math.floor((MAX_IMPORT_BODY_BYTES - envelope - (rows - 1)) / rows);
		const items = Array.from({ length: rows }, (_, i) => ({ customer_id: `c${i}`, note: 'x'.repeat(perRow - base) }));
		const used = envelope + rows * perRow + (rows - 1);
		(items[rows - 1] as any).note += 'x'.repeat(MAX_IMPORT_BODY_BYTES - used);
		const exact = await runNode(sandbox, { items, parameters: importParams() });
		expect((await sandboxState(sandbox)).tasks.map((t: any) => t.rows)).toEqual([rows]);
		expect(importStarts(exact).every((s: any) => s.bytes === MAX_IMPORT_BODY_BYTES)).toBe(true);
		expect(exact.output![0].every((item) => item.json.outcome === 'imported')).toBe(true);
		await resetSandbox(sandbox);

		(items[rows - 1] as any).note += 'x';
		const over = await runNode(sandbox, { items, parameters: importParams() });
		expect((await sandboxState(sandbox)).tasks.map((t: any) => t.rows)).toEqual([rows - 1, 1]);
		expect(importStarts(over).every((s: any) => s.bytes <= MAX_IMPORT_BODY_BYTES)).toBe(true);
		expect((await sandboxState(sandbox)).contacts).toHaveLength(rows);
	});

	it('waits out the busy answer (409 or 429) of an import started elsewhere, and a rate-limit 429 with Retry-After', async () => {
		for (const busyStatus of [409, 429]) {
			await resetSandbox(sandbox, { busyStatus, processingMsPer1000: 30_000 });
			// Another client's task of 1,000 rows: pending 10 ms + 300 ms processing at this time scale.
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
			expect(stats.byStatus[String(busyStatus)]).toBeGreaterThanOrEqual(1);
		}

		// Another client used the window up: the fake answers 429 + Retry-After and the node waits it out.
		await resetSandbox(sandbox, { rateLimit: 1, rateWindowMs: 30_000 });
		await fetch(`${sandbox.vendor('crescendoLab').url}/cdh/v1/member/import/`, {
			method: 'POST',
			headers: { apikey: credentials.apiKey, 'content-type': 'application/json' },
			body: JSON.stringify({ import_key: 'customer_id', data: [] }),
		});
		const items = Array.from({ length: 3 }, (_, i) => ({ customer_id: `r${i}` }));
		const run = await runNode(sandbox, { items, parameters: importParams() });
		expect(run.error).toBeUndefined();
		const stats = await sandboxCall(sandbox, 'GET', '/__sandbox/stats');
		expect(stats.byStatus['429']).toBe(1);
		const starts = importStarts(run) as any[];
		expect(starts).toHaveLength(2);
		// Retry-After is whole seconds: the retry waited for it rather than the short backoff.
		expect(starts[1].at - starts[0].at).toBeGreaterThanOrEqual(950);
		expect((await sandboxState(sandbox)).contacts).toHaveLength(3);
	});

	it('marks every contact of a task that fails validation as an error, blaming the field only on the items that have it', async () => {
		// The node knows "company", but this account does not: the fake fails the whole task on it.
		await resetSandbox(sandbox, { disabledFields: ['company'] });
		const items = [{ customer_id: 'a', company: 'ACME' }, { customer_id: 'b' }];
		const run = await runNode(sandbox, { items, parameters: importParams(), continueOnFail: true });
		const out = run.output![0];
		expect(out).toHaveLength(2);
		expect(out[0].json.error).toMatch(/^Item 0, field "company": Import task 1001: the task failed validation and imported nothing \(useless_fields company\)/);
		// #18.1: the item that was fine is not blamed on the import key; it says why it was not imported.
		expect(out[1].json.error).toMatch(/^Item 1: Import task 1001: .*this contact was not imported because of other contacts of the task/);
		expect((await sandboxState(sandbox)).contacts).toHaveLength(0);

		const stopped = await runNode(sandbox, { items, parameters: importParams() });
		expect(stopped.error?.message).toMatch(/Import task 1002: the task failed validation/);
	});

	it('returns task IDs without waiting for the last task when "Wait for Completion" is off', async () => {
		const items = Array.from({ length: 3 }, (_, i) => ({ customer_id: `w${i}` }));
		const run = await runNode(sandbox, { items, parameters: importParams({}, { waitForCompletion: false }) });
		expect(run.output![0].map((i) => i.json)).toEqual(
			items.map((item) => ({ taskId: '1001', importKey: 'customer_id', keyValue: item.customer_id, taskStatus: 'started', outcome: 'started' })),
		);
		expect(run.fake.sent.filter((r) => r.method === 'GET')).toHaveLength(0);
		const status = await runNode(sandbox, { items: [{}], parameters: { operation: 'getImportStatus', taskId: '1001' } });
		expect(status.output![0][0].json).toMatchObject({ taskId: '1001', status: expect.stringMatching(/pending|processing|done/) });
	});

	it('with "Wait for Completion" off, still waits for each task before starting the next, but not for the last', async () => {
		const items = Array.from({ length: MAX_CONTACTS_PER_IMPORT + 1 }, (_, i) => ({ customer_id: `n${i}` }));
		const run = await runNode(sandbox, { items, parameters: importParams({}, { waitForCompletion: false }) });
		expect(run.error).toBeUndefined();
		const out = run.output![0];
		expect(out).toHaveLength(items.length);
		expect(out.every((item) => item.json.outcome === 'started')).toBe(true);
		expect(out[0].json.taskId).toBe('1001');
		expect(out[MAX_CONTACTS_PER_IMPORT].json.taskId).toBe('1002');
		const polled = new Set(run.fake.sent.filter((r) => r.method === 'GET').map((r) => r.url.replace(/\/$/, '').replace(/.*\//, '')));
		expect([...polled]).toEqual(['1001']);
		const { tasks } = await sandboxState(sandbox);
		expect(tasks[1].createdAt).toBeGreaterThanOrEqual(tasks[0].doneAt);
		const stats = await sandboxCall(sandbox, 'GET', '/__sandbox/stats');
		expect(stats.byStatus['429'] ?? 0).toBe(0);
	});

	it('fails items with the task ID when the task outlasts Max Wait', async () => {
		await resetSandbox(sandbox, { processingMsPer1000: 1e9 });
		const run = await runNode(sandbox, {
			items: [{ customer_id: 'slow' }],
			parameters: importParams({}, { maxWaitSeconds: 1 }),
			continueOnFail: true,
		});
		expect(run.output![0][0].json.error).toMatch(/Job 1001 was still running after \d+ s/);
	});
});

describe('Crescendo Lab import: MAAC OpenAPI v1', () => {
	it('sends the v1 request shape with the Bearer token, request-level tags, and reports mismatched LINE UIDs', async () => {
		await sandboxCall(sandbox, 'POST', '/__sandbox/config', { knobs: { contacts: [{ line_uid: uid(1), display_name: 'Known' }] } });
		const run = await runNode(sandbox, {
			items: [
				{ line_uid: uid(1), email: 'k@example.com', mobile: '0912345678' },
				{ line_uid: uid(2), gender: 'female' },
			],
			parameters: { authentication: 'maacApi', ...importParams({ importKey: 'line_uid' }, { tags: 'spring, sale' }) },
		});
		expect(run.error).toBeUndefined();
		const [start] = run.fake.sent;
		expect(start.url).toMatch(/\/openapi\/v1\/member\/import\/$/);
		expect(start.headers).toMatchObject({ authorization: `Bearer ${maacCredentials.accessToken}` });
		expect(start.headers).not.toHaveProperty('apikey');
		expect(start.body).toEqual({
			import_key: 'line_uid',
			data: [
				// #14: the local number is sent as the E.164 value the node checked, as MAAC converts it.
				{ line_uid: uid(1), email: 'k@example.com', mobile: '+886912345678' },
				{ line_uid: uid(2), gender: 'female' },
			],
			tags: ['spring', 'sale'],
		});
		expect(run.fake.sent.some((r) => /\/openapi\/v1\/member\/import\/1001\/$/.test(r.url))).toBe(true);
		const download = run.fake.sent.find((r) => r.url.includes('/files/'));
		expect(download?.headers).toEqual({});
		const out = run.output![0].map((i) => i.json);
		expect(out[0]).toMatchObject({ outcome: 'imported', taskResult: { updated_num: 1, mismatch_num: 1 } });
		expect(out[1]).toMatchObject({ outcome: 'notMatched', reason: expect.stringContaining('No contact') });
		expect((await sandboxState(sandbox)).contacts[0]).toMatchObject({ display_email: 'k@example.com', display_mobile: '+886912345678', tags: ['spring', 'sale'] });
	});

	it('refuses fields v1 does not have and genders it does not accept before sending', async () => {
		const run = await runNode(sandbox, {
			items: [{ email: 'a@example.com', display_email: 'x' }, { email: 'b@example.com', gender: 'unknown' }, { email: 'c@example.com' }],
			parameters: { authentication: 'maacApi', ...importParams({ importKey: 'email' }) },
			continueOnFail: true,
		});
		const out = run.output![0];
		expect(out[0].json.error).toMatch(/^Item 0, field "display_email": MAAC v1 import has no such field/);
		expect(out[1].json.error).toMatch(/^Item 1, field "gender": must be one of male, female/);
		expect((run.fake.sent[0].body as any).data).toEqual([{ email: 'c@example.com' }]);
	});

	it('keeps the credential out of the error when the key is wrong', async () => {
		const baseUrl = sandbox.vendor('crescendoLab').url;
		const run = await runNode(sandbox, {
			items: [{ customer_id: 'x' }],
			parameters: importParams(),
			credentials: { crescendoLabApi: { apiKey: 'wrong-secret-key-123', region: 'tw', baseUrl } },
		});
		expect(run.error?.message).toMatch(/answered 401: Invalid API key/);
		expect(JSON.stringify(run.error)).not.toContain('wrong-secret-key-123');
		expect(run.error?.message).not.toContain('wrong-secret-key-123');
	});
});
