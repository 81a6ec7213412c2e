// Contract tests of the Crescendo Lab node and fake (issue #14 §1): every request the node sends is checked
// against the fixtures' schemas (path exact, method, headers, body); the documented answers are fed to the
// node from a tiny local server; and wrong variants of each request are refused by the fake.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { IDataObject } from 'n8n-workflow';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { CrescendoLab } from '../../../nodes/CrescendoLab/CrescendoLab.node';
import { MAAC_FIELDS } from '../../../nodes/CrescendoLab/transport';
import { credentials, maacCredentials } from '../../../sandbox/crescendoLab.mts';
import { startSandbox, type Sandbox } from '../../../sandbox/index.mts';
import { crescendoContext } from '../../unit/CrescendoLab/helpers.mts';
import { assertSchema, violations } from '../schema.mts';
import {
	maacExampleUids,
	maacHeaders,
	maacImportRequest,
	maacImportRoute,
	maacResponses,
	maacRowFields,
	maacStatusRoute,
	profileCustomFieldPattern,
	profileHeaders,
	profileImportRequest,
	profileImportRoute,
	profileResponses,
	profileStatusRoute,
} from './fixtures.mts';

const FAST = { pollIntervalSeconds: 0.02, maxWaitSeconds: 30, maxRequestsPerMinute: 1500 };
const auto = { mappingMode: 'autoMapInputData', value: null };

let sandbox: Sandbox;
beforeAll(async () => (sandbox = await startSandbox({ only: ['crescendoLab'], ports: 'random', timeScale: 0.01, capture: true })));
afterAll(async () => await sandbox.close());
beforeEach(async () => {
	await control('POST', '/__sandbox/reset');
	await control('POST', '/__sandbox/config', {
		faults: { rate429: 0, error5xxRate: 0, resetRate: 0 },
		knobs: { busyStatus: 429, profileTrailingSlash: true, mismatchCsvHeader: false, disabledFields: [], rateLimit: 15, rateWindowMs: 60_000 },
	});
});

const base = () => sandbox.vendor('crescendoLab').url;
async function control(method: string, path: string, body?: unknown): Promise<any> {
	const response = await fetch(`${base()}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
	return await response.json();
}
const captured = () => sandbox.vendor('crescendoLab').captured();

async function run(baseUrl: string, items: IDataObject[], parameters: Record<string, unknown>, extra: IDataObject = {}) {
	const fake = crescendoContext({
		items,
		parameters: { authentication: 'profileApi', resource: 'contact', operation: 'import', columns: auto, ...parameters, options: { ...FAST, ...(parameters.options as object) } },
		credentials: { crescendoLabApi: { ...credentials, baseUrl, ...extra }, crescendoLabMaacApi: { ...maacCredentials, baseUrl, ...extra } },
		continueOnFail: true,
	});
	try {
		return { output: await new CrescendoLab().execute.call(fake.context), fake };
	} catch (error) {
		return { error: error as Error, fake };
	}
}

describe('Crescendo Lab contract: MAAC OpenAPI v1 requests', () => {
	it('the node sends the import and its status checks exactly as the spec writes them', async () => {
		await control('POST', '/__sandbox/config', { knobs: { contacts: [{ line_uid: maacExampleUids[0] }] } });
		const result = await run(
			base(),
			[
				{ line_uid: maacExampleUids[0], line_display_name: 'test_member1', email: 'alan@example.com', mobile: '0987654321', customer_id: '1235734897', gender: 'male', birthday: '1990-05-17', tags: 'tag1, tag2' },
				{ line_uid: maacExampleUids[1], mobile: '+886987654321', tags: ['tag1', 'tag3'] },
			],
			{ authentication: 'maacApi', importKey: 'line_uid', options: { tags: '20200101import' } },
		);
		expect(result.error).toBeUndefined();
		const requests = captured();
		const [start, ...checks] = requests;
		expect(`${start.method} ${start.path}`).toBe(`${maacImportRoute.method} ${maacImportRoute.path}`);
		expect(start.headers.authorization).toMatch(maacHeaders.authorization);
		expect(start.headers.authorization).toBe(`Bearer ${maacCredentials.accessToken}`);
		expect(start.headers['content-type']).toMatch(maacHeaders.contentType);
		expect(start.headers.apikey).toBeUndefined();
		assertSchema(maacImportRequest, start.body, 'MAAC import request');
		expect((start.body as any).data[0].mobile).toBe('+886987654321');
		expect(start.status).toBe(200);
		const statusChecks = checks.filter((r) => r.method === 'GET' && !r.path.startsWith('/files/'));
		expect(statusChecks.length).toBeGreaterThan(0);
		for (const check of statusChecks) {
			expect(check.path).toMatch(maacStatusRoute.pattern);
			expect(check.headers.authorization).toBe(`Bearer ${maacCredentials.accessToken}`);
			expect(check.rawBody).toBe('');
		}
		// The mismatch file is a signed link: it never gets the token.
		const download = checks.find((r) => r.path.startsWith('/files/'));
		expect(download?.headers.authorization).toBeUndefined();
	});

	it('the node knows exactly the row fields the spec lists', () => {
		expect([...MAAC_FIELDS].sort()).toEqual([...maacRowFields.fields].sort());
		expect(Object.keys(maacImportRequest.properties!.data.items!.properties!).sort()).toEqual([...MAAC_FIELDS].sort());
	});
});

describe('Crescendo Lab contract: Profile API requests (documented facts and the named constants)', () => {
	it('the node sends the inferred route with the documented apikey header and a body within the documented limits', async () => {
		const result = await run(base(), [
			{ customer_id: 'crm-1', display_email: 'a@example.com', display_mobile: '0912 345 678', gender: 'Female', cl_custom_points: 3 },
			{ customer_id: 'crm-2', birthday: '1990-05-17', tags: 'vip' },
		], { importKey: 'customer_id', options: { emptyValues: 'null' } });
		expect(result.error).toBeUndefined();
		const [start, ...checks] = captured();
		expect(`${start.method} ${start.path}`).toBe(`${profileImportRoute.method} ${profileImportRoute.path}`);
		expect(start.headers.apikey).toBe(credentials.apiKey);
		expect(start.headers.apikey).toMatch(profileHeaders.apikey);
		expect(start.headers.authorization).toBeUndefined();
		expect(start.headers['content-type']).toMatch(profileHeaders.contentType);
		const body = structuredClone(start.body) as { data: Array<Record<string, unknown>> };
		for (const row of body.data) {
			for (const key of Object.keys(row)) if (profileCustomFieldPattern.test(key)) delete row[key];
		}
		assertSchema(profileImportRequest, body, 'Profile API import request');
		for (const check of checks) {
			expect(check.path).toMatch(profileStatusRoute.pattern);
			expect(check.headers.apikey).toBe(credentials.apiKey);
		}
	});

	it('where two forms are possible (the trailing slash), the node setting and the fake agree', async () => {
		for (const trailingSlash of [true, false]) {
			await control('POST', '/__sandbox/reset');
			await control('POST', '/__sandbox/config', { knobs: { profileTrailingSlash: trailingSlash } });
			const result = await run(base(), [{ customer_id: `s-${String(trailingSlash)}` }], { importKey: 'customer_id' }, { trailingSlash });
			expect(result.error).toBeUndefined();
			expect(result.output![0][0].json.outcome).toBe('imported');
			const [start] = captured();
			expect(start.path).toBe(trailingSlash ? '/cdh/v1/member/import/' : '/cdh/v1/member/import');
			expect(start.status).toBe(200);
		}
	});
});

/** A tiny server that answers the documented examples in order, and serves the mismatch file. */
async function exampleServer(answers: Array<{ status: number; body: unknown }>, mismatchFile = ''): Promise<{ url: string; seen: string[]; server: Server }> {
	const seen: string[] = [];
	let next = 0;
	const server = createServer((req: IncomingMessage, res) => {
		seen.push(`${req.method} ${req.url}`);
		req.resume();
		if (req.url === '/mismatch.csv') {
			res.writeHead(200, { 'content-type': 'text/csv' }).end(mismatchFile);
			return;
		}
		const answer = answers[Math.min(next++, answers.length - 1)];
		const address = server.address() as AddressInfo;
		const text = JSON.stringify(answer.body).replace('MISMATCH_LINK', `http://127.0.0.1:${address.port}/mismatch.csv`);
		res.writeHead(answer.status, { 'content-type': 'application/json', ...(answer.status === 429 ? { 'retry-after': '1' } : {}) }).end(text);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

describe('Crescendo Lab contract: documented answers fed to the node', () => {
	const uidItems = maacExampleUids.map((line_uid) => ({ line_uid }));

	it('start → pending → processing → done with mismatches: both contacts are reported not matched, from the file', async () => {
		const { url, seen, server } = await exampleServer(
			[maacResponses.started, maacResponses.pending, maacResponses.processing, maacResponses.doneWithMismatches],
			`${maacExampleUids.join('\r\n')}\r\n`,
		);
		try {
			const result = await run(url, uidItems, { authentication: 'maacApi', importKey: 'line_uid' });
			expect(result.error).toBeUndefined();
			const out = result.output![0].map((item) => item.json);
			expect(out.map((item) => item.outcome)).toEqual(['notMatched', 'notMatched']);
			expect(out[0]).toMatchObject({ taskId: '999', taskStatus: 'done', taskResult: { mismatch_num: 2, total_num: 2 } });
			expect(seen).toEqual([
				'POST /openapi/v1/member/import/',
				'GET /openapi/v1/member/import/999/',
				'GET /openapi/v1/member/import/999/',
				'GET /openapi/v1/member/import/999/',
				'GET /mismatch.csv',
			]);
		} finally {
			server.close();
		}
	});

	it('done and failed validation (the partial-error answer): every item fails with the counters, none claims success', async () => {
		const { url, server } = await exampleServer([maacResponses.started, maacResponses.doneFailed]);
		try {
			const result = await run(url, uidItems, { authentication: 'maacApi', importKey: 'line_uid' });
			const out = result.output![0].map((item) => item.json);
			for (const [index, item] of out.entries()) {
				expect(item.error).toMatch(new RegExp(`^Item ${index}: Import task 999: the task failed validation and imported nothing \\(blank_error 1, duplicate_error 1\\)`));
			}
		} finally {
			server.close();
		}
	});

	it('the same done answer under import key customer_id: "submitted" with the counters (no per-contact result)', async () => {
		const { url, seen, server } = await exampleServer([maacResponses.started, maacResponses.doneWithMismatches]);
		try {
			const result = await run(url, [{ customer_id: 'a' }, { customer_id: 'b' }], { authentication: 'maacApi', importKey: 'customer_id' });
			const out = result.output![0].map((item) => item.json);
			expect(out.map((item) => item.outcome)).toEqual(['submitted', 'submitted']);
			expect(seen).not.toContain('GET /mismatch.csv');
		} finally {
			server.close();
		}
	});

	it('error envelopes: 401 fails with the vendor message and no secret; 429 is waited out; a plain 400 is not retried', async () => {
		for (const [answers, check] of [
			[[maacResponses.unauthorized], (r: any) => expect(r.output[0][0].json.error).toMatch(/answered 401: Invalid token\./)],
			[[maacResponses.rateLimited, maacResponses.started, maacResponses.doneWithMismatches], (r: any) => expect(r.output[0][0].json.outcome).toBe('submitted')],
			[[maacResponses.badRequest, maacResponses.started], (r: any) => expect(r.output[0][0].json.error).toMatch(/answered 400: import_key must be one of/)],
		] as const) {
			const { url, server } = await exampleServer([...answers]);
			try {
				const result = await run(url, [{ customer_id: 'a' }], { authentication: 'maacApi', importKey: 'customer_id' });
				check(result);
				expect(JSON.stringify(result.output)).not.toContain(maacCredentials.accessToken);
			} finally {
				server.close();
			}
		}
	});

	it('Profile API: the task_id answer and a finished task (states inferred) give one imported item', async () => {
		const { url, seen, server } = await exampleServer([profileResponses.started, profileResponses.done]);
		try {
			const result = await run(url, [{ customer_id: 'crm-1' }], { importKey: 'customer_id' });
			expect(result.output![0][0].json).toMatchObject({ taskId: '5001', outcome: 'imported', taskStatus: 'complete' });
			expect(seen).toEqual(['POST /cdh/v1/member/import/', 'GET /cdh/v1/member/import/5001/']);
		} finally {
			server.close();
		}
	});
});

describe('Crescendo Lab contract: the fake refuses wrong variants the way the vendor documents', () => {
	const validMaac = { import_key: 'customer_id', data: [{ customer_id: 'a' }] };
	const bearer = { authorization: `Bearer ${maacCredentials.accessToken}`, 'content-type': 'application/json' };
	const send = async (method: string, path: string, headers: Record<string, string>, body?: unknown) => {
		const response = await fetch(`${base()}${path}`, { method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
		const text = await response.text();
		let parsed: any = text;
		try {
			parsed = JSON.parse(text);
		} catch {
			// not JSON
		}
		return { status: response.status, body: parsed };
	};

	it('the valid request is accepted (the control case)', async () => {
		expect(violations(maacImportRequest, validMaac)).toEqual([]);
		expect((await send('POST', '/openapi/v1/member/import/', bearer, validMaac)).status).toBe(200);
	});

	it.each([
		['a misspelt path', 'POST', '/openapi/v1/members/import/', bearer, validMaac, 404],
		['no trailing slash', 'POST', '/openapi/v1/member/import', bearer, validMaac, 404],
		['a doubled slash', 'POST', '/openapi/v1/member/import//', bearer, validMaac, 404],
		['no Authorization header', 'POST', '/openapi/v1/member/import/', { 'content-type': 'application/json' }, validMaac, 401],
		['a lower-case bearer scheme', 'POST', '/openapi/v1/member/import/', { ...bearer, authorization: `bearer ${maacCredentials.accessToken}` }, validMaac, 401],
		['a token without the Bearer scheme', 'POST', '/openapi/v1/member/import/', { ...bearer, authorization: maacCredentials.accessToken }, validMaac, 401],
		['the Profile API header instead', 'POST', '/openapi/v1/member/import/', { apikey: maacCredentials.accessToken, 'content-type': 'application/json' }, validMaac, 401],
		['a body that is not JSON', 'POST', '/openapi/v1/member/import/', { ...bearer, 'content-type': 'text/plain' }, 'import_key=customer_id', 400],
		['an undocumented body field', 'POST', '/openapi/v1/member/import/', bearer, { ...validMaac, overwrite: true }, 400],
		['an import key of the wrong type', 'POST', '/openapi/v1/member/import/', bearer, { ...validMaac, import_key: 1 }, 400],
		['an import key the spec does not list', 'POST', '/openapi/v1/member/import/', bearer, { ...validMaac, import_key: 'display_email' }, 400],
		['request tags that are not a list', 'POST', '/openapi/v1/member/import/', bearer, { ...validMaac, tags: 'vip' }, 400],
		['a row that is not an object', 'POST', '/openapi/v1/member/import/', bearer, { ...validMaac, data: ['a'] }, 400],
		['no rows', 'POST', '/openapi/v1/member/import/', bearer, { ...validMaac, data: [] }, 400],
		['10,001 rows (over the limit)', 'POST', '/openapi/v1/member/import/', bearer, { ...validMaac, data: Array.from({ length: 10_001 }, (_, i) => ({ customer_id: `c${i}` })) }, 400],
		['a status path without the trailing slash', 'GET', '/openapi/v1/member/import/1001', { authorization: bearer.authorization }, undefined, 404],
		['the Profile API import without the configured slash', 'POST', '/cdh/v1/member/import', { apikey: credentials.apiKey, 'content-type': 'application/json' }, validMaac, 404],
		['the Profile API with a Bearer header', 'POST', '/cdh/v1/member/import/', { authorization: `Bearer ${credentials.apiKey}`, 'content-type': 'application/json' }, validMaac, 401],
		['the undocumented Profile API GET', 'GET', '/cdh/v1/member', { apikey: credentials.apiKey }, undefined, 404],
	] as const)('refuses %s', async (_name, method, path, headers, body, status) => {
		const answer = await send(method, path, headers as Record<string, string>, body);
		expect(answer.status).toBe(status);
		if (status === 400 || status === 401) expect(typeof answer.body.detail === 'string' || Array.isArray(answer.body.detail)).toBe(true);
		expect((await control('GET', '/__sandbox/state')).tasks).toHaveLength(0);
	});

	it('row-level problems are not 4xx: the task is done with success false and imports nothing (documented failure body)', async () => {
		const started = await send('POST', '/openapi/v1/member/import/', bearer, { import_key: 'customer_id', data: [{ customer_id: '' }, { customer_id: 'x', gender: 'unknown' }] });
		expect(started.status).toBe(200);
		expect(violations({ type: 'object', required: ['id', 'result'], properties: { id: { type: 'integer' }, result: { const: 'start importing' } } }, started.body)).toEqual([]);
		let status: any;
		for (let i = 0; i < 100 && status?.status !== 'done'; i++) {
			await new Promise((resolve) => setTimeout(resolve, 20));
			status = (await send('GET', `/openapi/v1/member/import/${started.body.id}/`, { authorization: bearer.authorization })).body;
		}
		expect(status).toMatchObject({ category: 'import_member', status: 'done', result: { success: false, blank_error: 1, gender_error: 1 } });
		expect(Object.keys(status.result)).toEqual(expect.arrayContaining(Object.keys(maacResponses.doneFailed.body.result)));
	});
});
