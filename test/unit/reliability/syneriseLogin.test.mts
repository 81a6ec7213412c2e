// A Synerise login that cannot reach the host says why (the network code), after its retries.
import type { IHttpRequestOptions } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';

import { SyneriseApi } from '../../../credentials/SyneriseApi.credentials';
import { freePort } from '../../../scripts/n8nHome.mts';
import { KEYS } from '../../../sandbox/synerise.mts';

describe('Synerise login against a closed port', () => {
	it('names the network error and never the key', async () => {
		const attempts: string[] = [];
		const helpers = {
			helpers: {
				// As n8n's helper does: the transport error carries its code.
				httpRequest: async (request: IHttpRequestOptions) => {
					attempts.push(request.url);
					return await fetch(request.url, { method: request.method, body: JSON.stringify(request.body) });
				},
			},
		};
		// A port nothing listens on (fetch refuses to dial some low ports at all).
		const data = { authMethod: 'jwt', apiKey: KEYS.full.apiKey, baseUrl: `http://127.0.0.1:${await freePort()}` };
		const error = await new SyneriseApi().preAuthentication.call(helpers as never, data as never).then(
			() => undefined,
			(failure: Error) => failure,
		);
		expect(error?.message).toBe('Synerise login failed: the login endpoint could not be reached (ECONNREFUSED)');
		expect(error?.message).not.toContain(KEYS.full.apiKey);
		expect(attempts.length).toBe(3);
	});
});
