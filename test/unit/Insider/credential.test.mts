import type { IDataObject } from 'n8n-workflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { InsiderApi } from '../../../credentials/InsiderApi.credentials';
import { startSandbox, type Sandbox } from '../../../sandbox/index.mts';
import { credentials } from '../../../sandbox/insider.mts';
import { resolveCredentialValue, signRequest } from '../../helpers/fakeContext.mts';

let sandbox: Sandbox;
let baseUrl: string;

/** Sends the credential's own test request, signed by its own `authenticate` block. */
async function credentialTest(values: Record<string, unknown>) {
	const type = new InsiderApi();
	const { request } = type.test;
	const { headers } = await signRequest(type, values as IDataObject, { url: request.url ?? '', headers: { 'content-type': 'application/json' } });
	const url = `${String(resolveCredentialValue(request.baseURL, values as IDataObject))}${request.url}`;
	const response = await fetch(url, { method: request.method, headers: headers as Record<string, string>, body: JSON.stringify(request.body) });
	return { status: response.status, headers: headers as Record<string, string>, body: await response.json() };
}

beforeAll(async () => {
	sandbox = await startSandbox({ only: ['insider'], ports: 'random' });
	baseUrl = sandbox.vendor('insider').url;
});
afterAll(async () => await sandbox.close());

describe('Insider API credential', () => {
	it('passes its read-only test with the sandbox keys, lowercasing the partner name', async () => {
		const result = await credentialTest({ partnerName: ' SandboxPartner ', requestToken: credentials.requestToken, baseUrl: `${baseUrl}/` });
		expect(result.status).toBe(200);
		expect(result.headers['X-PARTNER-NAME']).toBe('sandboxpartner');
		expect(Array.isArray(result.body)).toBe(true);
		const traffic = (await (await fetch(`${baseUrl}/__sandbox/stats`)).json()) as any;
		expect(traffic.byRoute['POST /api/user/v3/metadata/columns']).toBeGreaterThan(0);
	});

	it('fails its test with a wrong token', async () => {
		const result = await credentialTest({ partnerName: credentials.partnerName, requestToken: 'wrong', baseUrl });
		expect(result.status).toBe(403);
	});

	it('marks the token as a password and offers the base URL override', () => {
		const fields = Object.fromEntries(new InsiderApi().properties.map((property) => [property.name, property]));
		expect(fields.requestToken.typeOptions).toEqual({ password: true });
		expect(fields.baseUrl.default).toBe('https://unification.useinsider.com');
	});
});
