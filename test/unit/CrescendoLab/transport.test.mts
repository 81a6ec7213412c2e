// Error-body extraction, base URL choice, and the two credentials' request shapes.
import { describe, expect, it } from 'vitest';
import { mock } from 'vitest-mock-extended';
import type { IExecuteFunctions } from 'n8n-workflow';

import { CrescendoLabApi } from '../../../credentials/CrescendoLabApi.credentials';
import { CrescendoLabMaacApi } from '../../../credentials/CrescendoLabMaacApi.credentials';
import type { Surface } from '../../../nodes/CrescendoLab/transport';
import { connect, crescendoErrorMessage, HOSTS } from '../../../nodes/CrescendoLab/transport';

/** The transport `connect` builds when the node's Authentication is set to `surface`. */
const crescendoTransport = async (ctx: ReturnType<typeof mock<IExecuteFunctions>>, surface: Surface) => {
	ctx.getNodeParameter.mockImplementation(((name: string, _item: number, fallback?: unknown) => (name === 'authentication' ? surface : fallback)) as never);
	return (await connect(ctx)).transport;
};
import { CrescendoLab } from '../../../nodes/CrescendoLab/CrescendoLab.node';
import { getContactFields } from '../../../nodes/CrescendoLab/methods/resourceMapping';

describe('Crescendo Lab error bodies', () => {
	it('reads Django REST, FastAPI and message/errors shapes', () => {
		expect(crescendoErrorMessage({ detail: 'Invalid token.' })).toBe('Invalid token.');
		expect(crescendoErrorMessage({ detail: [{ loc: ['body', 'data'], msg: 'field required', type: 'value_error.missing' }] })).toBe(
			'body.data: field required',
		);
		expect(crescendoErrorMessage({ message: 'Bad request', errors: [{ loc: ['mobile'], msg: 'invalid', type: 'value_error' }] })).toBe(
			'Bad request (mobile: invalid)',
		);
		expect(crescendoErrorMessage('<html>oops</html>')).toBe('<html>oops</html>');
		expect(crescendoErrorMessage({ other: 1 })).toBeUndefined();
	});
});

describe('Crescendo Lab credentials', () => {
	it('sends the Profile API key as the apikey header, without Bearer', () => {
		const credential = new CrescendoLabApi();
		expect(credential.authenticate).toEqual({ type: 'generic', properties: { headers: { apikey: '={{$credentials.apiKey}}' } } });
		expect(credential.properties.find((p) => p.name === 'apiKey')?.typeOptions).toEqual({ password: true });
		// #14: the test calls the one documented route (PATCH /cdh/v1/member), not an undocumented GET.
		expect(credential.test.request).toMatchObject({ method: 'PATCH', body: {} });
		expect(credential.test.request.ignoreHttpStatusErrors).toEqual({ ignore: true, except: expect.arrayContaining([401, 403, 404]) });
		expect(credential.test.rules?.map((rule) => rule.properties.value)).toEqual([401, 403, 404]);
		const notice = credential.properties.find((p) => p.name === 'testNotice');
		expect(notice?.displayName).toMatch(/401 or 403 means the key .* is wrong/);
	});

	it('sends the MAAC v1 token as a Bearer Authorization header and tests it on the read-only contact list', () => {
		const credential = new CrescendoLabMaacApi();
		expect(credential.name).toBe('crescendoLabMaacApi');
		expect(credential.authenticate).toEqual({
			type: 'generic',
			properties: { headers: { Authorization: '=Bearer {{$credentials.accessToken}}' } },
		});
		expect(credential.properties.find((p) => p.name === 'accessToken')?.typeOptions).toEqual({ password: true });
		expect(credential.test.request).toMatchObject({ method: 'GET', url: '/openapi/v1/member/' });
		expect(String(credential.test.request.baseURL)).toContain('https://api.jp.cresclab.com');
	});

	it('picks the region host unless a base URL override is set', async () => {
		const ctx = mock<IExecuteFunctions>();
		ctx.getCredentials.mockResolvedValueOnce({ accessToken: 't', region: 'jp', baseUrl: '' });
		expect((await crescendoTransport(ctx, 'maacApi')).options.baseUrl).toBe(HOSTS.maacApi.jp);
		ctx.getCredentials.mockResolvedValueOnce({ apiKey: 'k', region: 'tw', baseUrl: ' http://127.0.0.1:9/ ' });
		expect((await crescendoTransport(ctx, 'profileApi')).options.baseUrl).toBe('http://127.0.0.1:9/');
		ctx.getCredentials.mockResolvedValueOnce({ apiKey: 'k', region: 'tw' });
		const transport = await crescendoTransport(ctx, 'profileApi');
		expect(transport.options).toMatchObject({ baseUrl: 'https://api.user360.cresclab.com', credentialType: 'crescendoLabApi' });
	});
});

describe('Crescendo Lab node description', () => {
	it('is usable as a tool and ties each credential to its authentication choice', () => {
		const { description } = new CrescendoLab();
		expect(description.usableAsTool).toBe(true);
		expect(description.credentials).toEqual([
			{ name: 'crescendoLabApi', required: true, displayOptions: { show: { authentication: ['profileApi'] } } },
			{ name: 'crescendoLabMaacApi', required: true, displayOptions: { show: { authentication: ['maacApi'] } } },
		]);
		const operations = description.properties.find((p) => p.name === 'operation')?.options as Array<{ value: string; action: string }>;
		expect(operations.map((o) => o.value).sort()).toEqual(['export', 'getExportStatus', 'getImportStatus', 'import', 'resetSyncState']);
		expect(operations.every((o) => o.action)).toBe(true);
	});

	it('offers the surface\'s own fields in the resource mapper', async () => {
		const ctx = { getNodeParameter: (name: string) => (name === 'authentication' ? 'maacApi' : undefined) };
		const { fields } = await getContactFields.call(ctx as never);
		expect(fields.map((f) => f.id)).toEqual(['line_uid', 'line_display_name', 'email', 'mobile', 'customer_id', 'gender', 'birthday', 'tags']);
		const profile = await getContactFields.call({ getNodeParameter: () => 'profileApi' } as never);
		expect(profile.fields.map((f) => f.id)).toContain('display_email');
		expect(profile.fields.find((f) => f.id === 'gender')?.options?.map((o) => o.value)).toEqual(['male', 'female', 'unknown', 'others']);
	});
});
