import { describe, expect, it, vi } from 'vitest';
import { mock } from 'vitest-mock-extended';
import type { IExecuteFunctions } from 'n8n-workflow';

import { Transport } from '../../../nodes/shared/transport';

describe('Transport: requests without the credential', () => {
	it('sends `authenticated: false` requests through the plain helper, never the signing one', async () => {
		const ctx = mock<IExecuteFunctions>();
		const plain = vi.fn(async () => ({ statusCode: 200, headers: {}, body: 'a,b\n1,2\n' }));
		const signed = vi.fn(async () => ({ statusCode: 200, headers: {}, body: {} }));
		ctx.helpers.httpRequest = plain as never;
		ctx.helpers.httpRequestWithAuthentication = signed as never;
		const transport = new Transport(ctx, { credentialType: 'someApi', baseUrl: 'https://api.example.test' });

		const response = await transport.request({ method: 'GET', path: 'https://files.example.test/x.csv', encoding: 'text', authenticated: false });
		expect(response.body).toBe('a,b\n1,2\n');
		expect(signed).not.toHaveBeenCalled();
		expect(plain).toHaveBeenCalledTimes(1);
		const options = (plain.mock.calls[0] as unknown[])[0] as { url: string; ignoreHttpStatusErrors: unknown };
		expect(options.url).toBe('https://files.example.test/x.csv');
		expect(options.ignoreHttpStatusErrors).toBe(true);

		await transport.request({ method: 'GET', path: '/v1/x' });
		expect(signed).toHaveBeenCalledTimes(1);
		expect((signed.mock.calls[0] as unknown[])[0]).toBe('someApi');
	});

	it('turns a non-2xx answer of an unauthenticated request into a VendorHttpError', async () => {
		const ctx = mock<IExecuteFunctions>();
		ctx.helpers.httpRequest = vi.fn(async () => ({ statusCode: 410, headers: {}, body: { detail: 'expired' } })) as never;
		const transport = new Transport(ctx, { credentialType: 'someApi', baseUrl: 'https://api.example.test' });
		await expect(transport.request({ method: 'GET', path: 'https://files.example.test/x.csv', authenticated: false })).rejects.toThrow(
			/answered 410/,
		);
	});
});
