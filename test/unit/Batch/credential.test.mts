// The credential's test request and rules, replayed against the sandbox the way n8n 2.41's credential
// tester runs them: `ignoreHttpStatusErrors` decides which statuses throw; a thrown status fails the test
// with the matching `responseCode` rule's message (or n8n's generic one); an answer that did not throw is
// checked against the `responseSuccessBody` rules.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { IAuthenticateRuleResponseCode, IAuthenticateRuleResponseSuccessBody, IDataObject, IgnoreStatusErrorConfig } from 'n8n-workflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { BatchApi } from '../../../credentials/BatchApi.credentials';
import type { Sandbox } from '../../../sandbox/index.mts';
import { startSandbox } from '../../../sandbox/index.mts';
import { resolveCredentialValue, signRequest } from '../../helpers/fakeContext.mts';

let sandbox: Sandbox;
const credential = new BatchApi();

function throwsOn(status: number): boolean {
	const ignore = credential.test.request.ignoreHttpStatusErrors as boolean | IgnoreStatusErrorConfig | undefined;
	const ok = status >= 200 && status <= 299;
	if (ignore === true) return false;
	if (ignore && typeof ignore === 'object') return !ok && ignore.except.includes(status);
	return !ok;
}

async function runTest(values: Record<string, unknown>): Promise<{ ok: boolean; message?: string; status: number }> {
	const request = credential.test.request;
	// Signed by the credential's real `authenticate`, as n8n signs the test request.
	const { headers } = await signRequest(credential, values as IDataObject, { url: request.url ?? '', headers: { 'content-type': 'application/json' } });
	const response = await fetch(`${String(resolveCredentialValue(request.baseURL, values as IDataObject))}${request.url}`, {
		method: request.method,
		headers: headers as Record<string, string>,
		body: JSON.stringify(request.body),
	});
	const text = await response.text();
	let body: Record<string, unknown> = {};
	try {
		body = JSON.parse(text) as Record<string, unknown>;
	} catch {
		// A proxy's HTML page: no body rule can match it.
	}
	const rules = (credential.test.rules ?? []) as Array<IAuthenticateRuleResponseCode | IAuthenticateRuleResponseSuccessBody>;
	if (throwsOn(response.status)) {
		const rule = rules.find((r) => r.type === 'responseCode' && r.properties.value === response.status);
		return { ok: false, message: rule?.properties.message ?? `Received HTTP status code: ${response.status}`, status: response.status };
	}
	for (const rule of rules) {
		if (rule.type === 'responseSuccessBody' && body[(rule as IAuthenticateRuleResponseSuccessBody).properties.key] === rule.properties.value) {
			return { ok: false, message: rule.properties.message, status: response.status };
		}
	}
	return { ok: true, status: response.status };
}

/** A stand-in for a proxy or gateway in front of Batch that answers one status with an empty JSON body. */
async function statusServer(status: number): Promise<{ url: string; server: Server }> {
	const server = createServer((_req, res) => {
		res.writeHead(status, { 'content-type': 'application/json' });
		res.end('{}');
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

beforeAll(async () => {
	sandbox = await startSandbox({ only: ['batch'], ports: 'random' });
});
afterAll(async () => await sandbox.close());

describe('Batch API credential', () => {
	it('passes with the right keys without writing a profile, and fails with a wrong key or project', async () => {
		const good = { ...sandbox.credentials.batch, baseUrl: sandbox.vendor('batch').url };
		expect(await runTest(good)).toEqual({ ok: true, status: 400 });
		expect(await runTest({ ...good, restApiKey: 'wrong' })).toEqual({ ok: false, status: 401, message: 'Batch refused the REST API key or the project key' });
		expect((await runTest({ ...good, projectKey: 'project_99999999999999999999999999999999' })).ok).toBe(false);
		const state = (await (await fetch(`${sandbox.vendor('batch').url}/__sandbox/state`)).json()) as { profileCount: number };
		expect(state.profileCount).toBe(0);
	});

	it('fails on the HTTP status: 403, 404 for a wrong version or base URL, and 5xx, whatever the body says (#14)', async () => {
		const good = { ...sandbox.credentials.batch, baseUrl: sandbox.vendor('batch').url };
		const wrongVersion = await runTest({ ...good, apiVersion: '3.0' });
		expect(wrongVersion).toMatchObject({ ok: false, status: 404 });
		expect(wrongVersion.message).toMatch(/API Version/);
		expect(await runTest({ ...good, baseUrl: `${sandbox.vendor('batch').url}/api` })).toMatchObject({ ok: false, status: 404 });
		for (const status of [403, 500, 502, 503, 504, 507]) {
			const stub = await statusServer(status);
			try {
				expect(await runTest({ ...good, baseUrl: stub.url })).toMatchObject({ ok: false, status });
			} finally {
				stub.server.close();
			}
		}
		sandbox.vendor('batch').setFaults({ error5xxRate: 1 });
		try {
			expect((await runTest(good)).ok).toBe(false);
		} finally {
			sandbox.vendor('batch').setFaults({ error5xxRate: 0 });
		}
	});

	it('marks the keys as secrets', () => {
		const secret = (name: string) => credential.properties.find((p) => p.name === name)?.typeOptions?.password;
		expect(secret('restApiKey')).toBe(true);
		expect(secret('appApiKey')).toBe(true);
	});
});
