// The one fake n8n context really signs with each credential type's own `authenticate` (and Synerise's
// `preAuthentication`): the credential's own test request, signed by the fake, is accepted by the strict
// sandbox with the sandbox's secret and refused with 401 for a wrong one.
import type { IDataObject, IHttpRequestOptions } from 'n8n-workflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { API_VERSION, PERMISSION_CHECK_PATH } from '../../../nodes/Synerise/transport';
import { startSandbox, type Sandbox } from '../../../sandbox/index.mts';
import { sandboxCredentials } from '../../../sandbox/n8nCredentials.mts';
import { credentialType, fakeContext, resolveCredentialValue } from '../../helpers/fakeContext.mts';

/** The secret field of each credential type, which the wrong-secret case spoils. */
const SECRETS: Record<string, string> = {
	batchApi: 'restApiKey',
	crescendoLabApi: 'apiKey',
	crescendoLabMaacApi: 'accessToken',
	insiderApi: 'requestToken',
	syneriseApi: 'apiKey',
	talonOneCdpApi: 'apiKey',
};

let sandbox: Sandbox;
let stored: Record<string, IDataObject>;
beforeAll(async () => {
	sandbox = await startSandbox({ ports: 'random' });
	stored = Object.fromEntries(sandboxCredentials(sandbox).map((spec) => [spec.type, spec.data as IDataObject]));
});
afterAll(async () => await sandbox.close());

/** The credential type's own test request, its expressions resolved, sent through the fake's signing helper. */
async function testRequest(type: string, data: IDataObject) {
	const request = credentialType(type).test!.request;
	const resolved: IHttpRequestOptions = {
		method: request.method,
		url: `${String(resolveCredentialValue(request.baseURL, data))}${String(resolveCredentialValue(request.url, data))}`,
		headers: request.headers as IDataObject,
		body: request.body as IDataObject,
		json: true,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
	};
	const ctx = fakeContext({ credentials: { [type]: data } });
	const response = (await ctx.helpers.httpRequestWithAuthentication.call(ctx, type, resolved)) as { statusCode: number };
	return { statusCode: response.statusCode, ctx };
}

describe.each(Object.keys(SECRETS))('the fake context signs %s with its real authenticate', (type) => {
	it('is accepted by the sandbox with the sandbox secret', async () => {
		const { statusCode, ctx } = await testRequest(type, { ...stored[type] });
		expect(statusCode).not.toBe(401);
		expect(statusCode).not.toBe(403);
		expect(statusCode).toBeLessThan(500);
		expect(ctx.calls.at(-1)?.credentialType).toBe(type);
	});

	it('is refused (401; Insider 403) for a wrong secret', async () => {
		// Synerise keys are UUIDs; a malformed one is refused 400 before the key is looked up.
		const wrong = type === 'syneriseApi' ? '00000000-0000-4000-8000-000000000000' : 'wrong-secret-000';
		const data = { ...stored[type], [SECRETS[type]]: wrong };
		if (type === 'syneriseApi') {
			// The wrong key never gets a token: the login itself is refused.
			await expect(testRequest(type, data)).rejects.toThrow(/Synerise login failed \(HTTP 401\)/);
			return;
		}
		// Insider answers a wrong token 403 by default (its sandbox knob `authFailure: 'forbidden'`, reference §3).
		expect((await testRequest(type, data)).statusCode).toBe(type === 'insiderApi' ? 403 : 401);
	});
});

describe('Synerise preAuthentication in the fake context', () => {
	it('logs in once when the expirable token is empty and stores the token', async () => {
		const data = { ...stored.syneriseApi, token: '' };
		const { statusCode, ctx } = await testRequest('syneriseApi', data);
		expect(statusCode).toBe(200);
		expect(ctx.logins).toBe(1);
		expect(typeof data.token).toBe('string');
		expect(data.token).not.toBe('');
		expect(ctx.calls.map((call) => call.headers.authorization)).toContain(`Bearer ${String(data.token)}`);
	});

	it('logs in again after a 401 for a stale token and resends once, as n8n does', async () => {
		const data: IDataObject = { ...stored.syneriseApi, token: 'stale-token' };
		const ctx = fakeContext({ credentials: { syneriseApi: data } });
		const response = (await ctx.helpers.httpRequestWithAuthentication.call(ctx, 'syneriseApi', {
			method: 'POST',
			url: `${String(data.baseUrl)}${PERMISSION_CHECK_PATH}`,
			headers: { 'Api-Version': API_VERSION },
			body: ['API_CLIENT_CREATE'],
			json: true,
			returnFullResponse: true,
		})) as { statusCode: number };
		expect(response.statusCode).toBe(200);
		expect(ctx.logins).toBe(1);
		expect(ctx.calls.filter((call) => call.credentialType === 'syneriseApi').map((call) => call.status)).toEqual([401, 200]);
	});

	it('signs in Basic mode without any login', async () => {
		const data = { ...stored.syneriseApi, authMethod: 'basic', token: '' };
		const { statusCode, ctx } = await testRequest('syneriseApi', data);
		expect(statusCode).toBe(200);
		expect(ctx.logins).toBe(0);
		expect(ctx.calls).toHaveLength(1);
		expect(ctx.calls[0].headers.authorization).toMatch(/^Basic /);
	});
});
