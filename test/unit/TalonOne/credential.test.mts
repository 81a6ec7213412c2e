import { describe, expect, it } from 'vitest';

import { TalonOneCdpApi } from '../../../credentials/TalonOneCdpApi.credentials';
import { talonErrorMessage } from '../../../nodes/TalonOne/transport';
import { signRequest } from '../../helpers/fakeContext.mts';
import { fakeContext, runNode } from './context.mts';
import { talon, useTalon } from './sandbox.mts';

const { sandbox } = await useTalon();

const credential = new TalonOneCdpApi();

/** The headers n8n would send for these credential fields, through the credential's own `authenticate`. */
async function signedHeaders(data: Record<string, string>): Promise<Record<string, string>> {
	return (await signRequest(credential, data, { url: '/', headers: {} })).headers as Record<string, string>;
}

/**
 * Runs the credential's test request the way n8n 2.41's credential tester does (credentials-tester.service):
 * a thrown HTTP error fails the test (a matching `responseCode` rule gives its message), and an answer
 * that did not throw passes unless a `responseSuccessBody` rule matches its body.
 */
async function credentialTest(data: Record<string, string>): Promise<{ status: number; ok: boolean; message?: string }> {
	const { request, rules = [] } = credential.test;
	const baseURL = String(request.baseURL).replace(/^=\{\{\s*\$credentials\.baseUrl\s*\}\}$/, data.baseUrl);
	const response = await fetch(`${baseURL}${request.url}`, {
		method: request.method,
		headers: { 'content-type': 'application/json', ...(await signedHeaders(data)) },
		body: request.body === undefined ? undefined : JSON.stringify(request.body),
	});
	const text = await response.text();
	const body = text === '' ? {} : JSON.parse(text);
	const thrown = !request.ignoreHttpStatusErrors && (response.status < 200 || response.status > 299);
	if (thrown) {
		const rule = rules.find((candidate: any) => candidate.type === 'responseCode' && candidate.properties.value === response.status);
		return { status: response.status, ok: false, message: (rule as any)?.properties.message };
	}
	for (const rule of rules as any[]) {
		if (rule.type === 'responseSuccessBody' && body?.[rule.properties.key] === rule.properties.value) {
			return { status: response.status, ok: false, message: rule.properties.message };
		}
	}
	return { status: response.status, ok: true };
}

describe('Talon.One CDP credential', () => {
	it('signs with ApiKey-v1 plus the deployment and platform headers; the key field is a password', async () => {
		const headers = await signedHeaders(sandbox.credentials as Record<string, string>);
		expect(headers).toEqual({
			Authorization: `ApiKey-v1 ${talon.credentials.apiKey}`,
			'destination-hostname': talon.DEPLOYMENT,
			'customer-data-platform-name': talon.credentials.platformName,
		});
		const apiKey = credential.properties.find((property) => property.name === 'apiKey');
		expect(apiKey?.typeOptions?.password).toBe(true);
		expect(credential.properties.find((property) => property.name === 'baseUrl')?.default).toBe('https://integration.talon.one');
	});

	it('sends destination-hostname as a bare hostname: a scheme and trailing slashes are stripped (#14)', async () => {
		for (const typed of [`https://${talon.DEPLOYMENT}/`, `http://${talon.DEPLOYMENT}`, `${talon.DEPLOYMENT}//`, ` HTTPS://${talon.DEPLOYMENT} `]) {
			const headers = await signedHeaders({ ...(sandbox.credentials as Record<string, string>), deploymentHostname: typed });
			expect(headers['destination-hostname']).toBe(talon.DEPLOYMENT);
		}
		// Through the node: the strict fake refuses a scheme, so this run only passes with the stripped form.
		const ctx = fakeContext({
			params: { resource: 'audience', operation: 'create', audienceId: 'a1', audienceName: 'A1', options: {} },
			credentials: { ...sandbox.credentials, deploymentHostname: `https://${talon.DEPLOYMENT}/` },
		});
		const [output] = await runNode(ctx);
		expect(ctx.sent[0].headers['destination-hostname']).toBe(talon.DEPLOYMENT);
		expect(output[0].json).toMatchObject({ integrationId: 'a1', name: 'A1' });
	});

	it('tests without writing: only a refused key (401) fails, and the notice says what a pass proves (#14)', async () => {
		const good = sandbox.credentials as Record<string, string>;
		const passed = await credentialTest(good);
		expect(passed.ok).toBe(true);
		// Nothing was written: no audience, no profile.
		expect(sandbox.state().deployments[talon.DEPLOYMENT]?.audiences ?? []).toEqual([]);
		expect(sandbox.state().deployments[talon.DEPLOYMENT]?.profiles ?? []).toEqual([]);
		expect(sandbox.state().membershipRequests).toEqual([]);

		for (const apiKey of ['not-a-key', talon.INTEGRATION_KEY]) {
			const refused = await credentialTest({ ...good, apiKey });
			expect(refused).toMatchObject({ status: 401, ok: false });
			expect(refused.message).toMatch(/refused the API key/);
		}
		// The key belongs to another deployment: the gateway refuses it too.
		expect(await credentialTest({ ...good, deploymentHostname: 'other.europe-west1.talon.one' })).toMatchObject({ status: 401, ok: false });
		// A pasted URL works once stripped.
		expect(await credentialTest({ ...good, deploymentHostname: `https://${good.deploymentHostname}/` })).toMatchObject({ ok: true });

		const notice = credential.properties.find((property) => property.type === 'notice');
		expect(notice?.displayName).toMatch(/only proves that Talon\.One did not refuse the key/);
	});
});

describe('talonErrorMessage', () => {
	it('reads the gateway body and the Integration API body', () => {
		expect(talonErrorMessage({ StatusCode: 400, Error: 'No Deployment URL specified', RequestUUID: 'fd2f7c55' })).toBe(
			'No Deployment URL specified [request fd2f7c55]',
		);
		expect(
			talonErrorMessage({
				message: 'Invalid input',
				StatusCode: 400,
				errors: [{ title: 'Unknown attribute', details: 'Foo is not defined', source: { pointer: '/attributes/Foo' } }],
			}),
		).toBe('Invalid input; Unknown attribute: Foo is not defined (at /attributes/Foo)');
		expect(talonErrorMessage('<html>')).toBeUndefined();
		expect(talonErrorMessage({})).toBeUndefined();
	});
});
