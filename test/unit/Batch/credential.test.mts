// The credential's test request and rule, replayed against the sandbox the way n8n's credential tester
// runs them: the request is sent with HTTP errors ignored, and the rule fails the test when the body's
// error_code says the keys were refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { BatchApi } from '../../../credentials/BatchApi.credentials';
import type { Sandbox } from '../../sandbox/index.mts';
import { startSandbox } from '../../sandbox/index.mts';

let sandbox: Sandbox;
const credential = new BatchApi();

function expand(template: string, values: Record<string, unknown>): string {
	return template.replace(/^=/, '').replace(/\{\{\$credentials\.(\w+)\}\}/g, (_, key: string) => String(values[key] ?? ''));
}

async function runTest(values: Record<string, unknown>): Promise<{ ok: boolean; message?: string; status: number }> {
	const request = credential.test.request;
	const headers: Record<string, string> = { 'content-type': 'application/json' };
	for (const [name, template] of Object.entries(credential.authenticate.properties.headers as Record<string, string>)) {
		headers[name] = expand(template, values);
	}
	const response = await fetch(`${expand(String(request.baseURL), values)}${request.url}`, {
		method: request.method,
		headers,
		body: JSON.stringify(request.body),
	});
	const body = (await response.json()) as Record<string, unknown>;
	for (const rule of credential.test.rules ?? []) {
		if (rule.type === 'responseSuccessBody' && body[rule.properties.key] === rule.properties.value) {
			return { ok: false, message: rule.properties.message, status: response.status };
		}
	}
	return { ok: true, status: response.status };
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

	it('marks the keys as secrets', () => {
		const secret = (name: string) => credential.properties.find((p) => p.name === name)?.typeOptions?.password;
		expect(secret('restApiKey')).toBe(true);
		expect(secret('appApiKey')).toBe(true);
	});
});
