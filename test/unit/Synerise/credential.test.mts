import type { IHttpRequestOptions } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';

import { SyneriseApi } from '../../../credentials/SyneriseApi.credentials';
import { API_VERSION, REGION_HOSTS, syneriseBaseUrl } from '../../../nodes/Synerise/transport';
import { KEYS } from '../../../sandbox/synerise.mts';
import { autoMapped, runNode, syneriseContext } from './context.mts';
import { useSynerise } from './sandbox.mts';

const { vendor, state } = await useSynerise();

const credential = new SyneriseApi();

/** Calls preAuthentication with an httpRequest helper that records the request and does real HTTP. */
async function preAuthenticate(data: Record<string, unknown>) {
	const sent: IHttpRequestOptions[] = [];
	const helpers = {
		helpers: {
			httpRequest: async (request: IHttpRequestOptions) => {
				sent.push(request);
				const response = await fetch(request.url, {
					method: request.method,
					headers: { 'content-type': 'application/json', ...(request.headers as Record<string, string>) },
					body: JSON.stringify(request.body),
				});
				const text = await response.text();
				let body: unknown = text;
				try {
					body = text ? JSON.parse(text) : undefined;
				} catch {
					// an HTML error page stays text
				}
				return { statusCode: response.status, headers: {}, body };
			},
		},
	};
	const output = await credential.preAuthentication.call(helpers as never, data as never);
	return { output, sent };
}

describe('Synerise API credential', () => {
	it('exchanges the API key for a JWT at the workspace login endpoint', async () => {
		const { output, sent } = await preAuthenticate({ authMethod: 'jwt', apiKey: KEYS.full.apiKey, baseUrl: `${vendor.url}/`, region: REGION_HOSTS.gcp });
		expect(sent).toHaveLength(1);
		expect(sent[0]).toMatchObject({
			method: 'POST',
			url: `${vendor.url}/uauth/v2/auth/login/profile`,
			body: { apiKey: KEYS.full.apiKey },
			headers: { 'Api-Version': API_VERSION },
		});
		expect(output.token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
		expect(state().logins).toBe(1);
		const property = credential.properties.find((p) => p.name === 'token');
		expect(property).toMatchObject({ type: 'hidden', typeOptions: { expirable: true } });
	});

	it('does not log in in Basic mode and signs with base64(guid:key)', async () => {
		const { output, sent } = await preAuthenticate({ authMethod: 'basic', apiKey: KEYS.full.apiKey, workspaceGuid: KEYS.full.guid, baseUrl: vendor.url });
		expect(output).toEqual({});
		expect(sent).toHaveLength(0);
		const signed = await credential.authenticate({ authMethod: 'basic', apiKey: 'k', workspaceGuid: 'g', token: '' }, { url: '/x', headers: { A: '1' } });
		expect(signed.headers).toEqual({ A: '1', Authorization: `Basic ${Buffer.from('g:k').toString('base64')}` });
		const bearer = await credential.authenticate({ authMethod: 'jwt', apiKey: 'k', token: 'abc' }, { url: '/x' });
		expect(bearer.headers).toEqual({ Authorization: 'Bearer abc' });
	});

	it('reports a refused key without ever showing it', async () => {
		const unknownKey = '00000000-0000-4000-8000-00000000beef';
		const error = await preAuthenticate({ authMethod: 'jwt', apiKey: unknownKey, baseUrl: vendor.url }).catch((e: Error) => e);
		expect(error).toBeInstanceOf(Error);
		expect((error as Error).message).toMatch(/^Synerise login failed \(HTTP 401\): Invalid API key/);
		expect((error as Error).message).not.toContain(unknownKey);
		const malformed = await preAuthenticate({ authMethod: 'jwt', apiKey: 'secret-not-a-uuid', baseUrl: vendor.url }).catch((e: Error) => e);
		expect((malformed as Error).message).toContain('HTTP 400');
		expect((malformed as Error).message).not.toContain('secret-not-a-uuid');
	});

	it('retries the login on a 5xx and then succeeds', async () => {
		vendor.setFaults({ error5xxRate: 1, routes: ['login'] });
		const attempt = preAuthenticate({ authMethod: 'jwt', apiKey: KEYS.full.apiKey, baseUrl: vendor.url });
		setTimeout(() => vendor.setFaults({ error5xxRate: 0 }), 200);
		const { output, sent } = await attempt;
		expect(output.token).toBeTruthy();
		expect(sent.length).toBeGreaterThan(1);
		vendor.setFaults({ error5xxRate: 0, routes: [] });
	});

	it('picks the region host, or the override without a trailing slash', () => {
		expect(syneriseBaseUrl({ region: REGION_HOSTS.azureEu })).toBe('https://api.synerise.com');
		expect(syneriseBaseUrl({ region: REGION_HOSTS.azureUsa })).toBe('https://api.azu.synerise.com');
		expect(syneriseBaseUrl({ region: REGION_HOSTS.gcp, baseUrl: '' })).toBe('https://api.geb.synerise.com');
		expect(syneriseBaseUrl({ region: REGION_HOSTS.gcp, baseUrl: ' http://proxy.local:8080/ ' })).toBe('http://proxy.local:8080');
		expect(syneriseBaseUrl({})).toBe('https://api.synerise.com');
		const regions = credential.properties.find((p) => p.name === 'region')?.options?.map((o) => (o as { value: string }).value);
		expect(regions).toEqual(['https://api.synerise.com', 'https://api.azu.synerise.com', 'https://api.geb.synerise.com']);
	});

	it('has a read-only test request against the permission check', () => {
		expect(credential.test.request).toMatchObject({ url: '/uauth/api-key/permission-check', method: 'POST' });
		const secrets = credential.properties.filter((p) => ['apiKey', 'token'].includes(p.name));
		expect(secrets.every((p) => p.typeOptions?.password === true)).toBe(true);
	});

	it('logs in once, keeps the token, and logs in again when a call answers 401', async () => {
		const run = syneriseContext({
			credential: { authMethod: 'jwt', apiKey: KEYS.full.apiKey, baseUrl: vendor.url },
			items: [{ email: 'a@example.com' }, { email: 'b@example.com' }],
			params: autoMapped('create'),
		});
		await runNode(run);
		expect(run.logins).toBe(1);
		const first = run.credential.token;
		vendor.module.configure({ expireTokensNow: true });
		const again = syneriseContext({
			credential: { authMethod: 'jwt', apiKey: KEYS.full.apiKey, baseUrl: vendor.url, token: first },
			items: [{ email: 'c@example.com' }],
			params: autoMapped('create'),
		});
		const items = await runNode(again);
		expect(items[0].json).toMatchObject({ accepted: true, email: 'c@example.com' });
		expect(again.logins).toBe(1);
		expect(again.credential.token).not.toBe(first);
		expect(state().unauthorized).toBe(1);
		expect(state().logins).toBe(2);
		// No request and no output carries the key.
		const everything = JSON.stringify([run.ctx.calls.filter((c) => !c.url.includes('/login/')), items]);
		expect(everything).not.toContain(KEYS.full.apiKey);
	});

	it('Basic mode calls the API without any login', async () => {
		const run = syneriseContext({
			credential: { authMethod: 'basic', apiKey: KEYS.full.apiKey, workspaceGuid: KEYS.full.guid, baseUrl: vendor.url },
			items: [{ customId: 'basic-1' }],
			params: autoMapped('upsert'),
		});
		const items = await runNode(run);
		expect(items[0].json).toMatchObject({ accepted: true, customId: 'basic-1' });
		expect(state().logins).toBe(0);
		expect(run.ctx.calls[0].headers.authorization).toMatch(/^Basic /);
	});
});
