import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { RateLimiter } from '../../../nodes/shared/rateLimit';
import { Transport, VendorHttpError, VendorNetworkError } from '../../../nodes/shared/transport';
import { fakeContext } from '../../helpers/fakeContext.mts';
import { FakeClock } from '../../helpers/fakeClock.mts';

type Script = Array<{ status: number; body?: unknown; headers?: Record<string, string> } | 'reset'>;

let server: Server;
let baseUrl = '';
let script: Script = [];
let seen: Array<{ path: string; apikey?: string }> = [];

beforeAll(async () => {
	server = createServer((req, res) => {
		seen.push({ path: req.url ?? '', apikey: req.headers.apikey as string | undefined });
		const next = script.shift() ?? { status: 200, body: { ok: true } };
		if (next === 'reset') {
			req.socket.destroy();
			return;
		}
		res.writeHead(next.status, { 'content-type': 'application/json', ...next.headers });
		res.end(next.body === undefined ? '' : JSON.stringify(next.body));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function transport(clock = new FakeClock()) {
	const ctx = fakeContext({
		// Crescendo Lab's Profile API credential sends its key in an `apikey` header.
		credentials: { crescendoLabApi: { apiKey: 'secret-key-123' } },
	});
	return new Transport(ctx, {
		credentialType: 'crescendoLabApi',
		baseUrl,
		clock,
		retry: { maxAttempts: 4, baseDelayMs: 10, maxDelayMs: 100 },
		errorMessage: (body) => (body as { detail?: string } | undefined)?.detail,
	});
}

describe('Transport', () => {
	it('signs the request with the credential and returns status, headers and body', async () => {
		script = [{ status: 200, body: { task_id: 7 }, headers: { 'x-vendor': 'yes' } }];
		seen = [];
		const response = await transport().request({ method: 'POST', path: '/import', body: { a: 1 } });
		expect(response).toMatchObject({ statusCode: 200, body: { task_id: 7 } });
		expect(response.headers['x-vendor']).toBe('yes');
		expect(seen).toEqual([{ path: '/import', apikey: 'secret-key-123' }]);
	});

	it('waits out a 429 for exactly its Retry-After and then succeeds', async () => {
		script = [{ status: 429, body: { detail: 'Too many requests' }, headers: { 'retry-after': '7' } }, { status: 200, body: {} }];
		const clock = new FakeClock();
		const client = transport(clock);
		const limiter = new RateLimiter({ requests: { limit: 100, windowMs: 1000 }, clock });
		await client.request({ method: 'GET', path: '/x', limiter });
		expect(clock.sleeps).toContain(7000);
		expect(client.retries).toBe(1);
	});

	it('retries 5xx answers and a reset connection, then succeeds', async () => {
		script = [{ status: 503, body: 'maintenance' }, 'reset', { status: 502 }, { status: 200, body: { done: true } }];
		const client = transport();
		const response = await client.request({ method: 'GET', path: '/x' });
		expect(response.body).toEqual({ done: true });
		expect(client.retries).toBe(3);
	});

	it('treats a vendor "busy" status as retryable only when the request says so', async () => {
		script = [{ status: 409, body: { detail: 'task running' } }, { status: 200, body: {} }];
		await expect(transport().request({ method: 'POST', path: '/x', retryStatuses: [409] })).resolves.toMatchObject({ statusCode: 200 });
		script = [{ status: 409, body: { detail: 'task running' } }];
		await expect(transport().request({ method: 'POST', path: '/x' })).rejects.toThrow('409: task running');
	});

	it('does not retry a 4xx validation error and keeps the vendor message, never the key', async () => {
		script = [{ status: 400, body: { detail: 'import_key is required' } }];
		seen = [];
		const failure = transport().request({ method: 'POST', path: '/x' });
		await expect(failure).rejects.toBeInstanceOf(VendorHttpError);
		await expect(failure).rejects.toMatchObject({ statusCode: 400, message: 'The service answered 400: import_key is required' });
		expect(seen).toHaveLength(1);
		await failure.catch((error: Error) => expect(JSON.stringify(error)).not.toContain('secret-key-123'));
	});

	it('gives up after the attempt budget with the last status', async () => {
		script = [{ status: 500 }, { status: 500 }, { status: 500 }, { status: 500 }, { status: 500 }];
		await expect(transport().request({ method: 'GET', path: '/x' })).rejects.toMatchObject({
			statusCode: 500,
			attempts: 4,
		});
	});

	it('reports a connection that keeps failing as a network error', async () => {
		script = ['reset', 'reset', 'reset', 'reset'];
		const failure = transport().request({ method: 'GET', path: '/x' });
		await expect(failure).rejects.toBeInstanceOf(VendorNetworkError);
		await expect(failure).rejects.toMatchObject({ attempts: 4 });
	});

	it('reads a download as a stream when asked, and accepts absolute URLs', async () => {
		script = [{ status: 200, body: { big: 'file' } }];
		const response = await transport().request({ method: 'GET', path: `${baseUrl}/files/export.csv`, encoding: 'stream' });
		const chunks: Buffer[] = [];
		for await (const chunk of response.body as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
		expect(JSON.parse(Buffer.concat(chunks).toString())).toEqual({ big: 'file' });
	});
});
