import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { TalonOneCdpApi } from '../../../credentials/TalonOneCdpApi.credentials';
import { talonErrorMessage } from '../../../nodes/TalonOne/transport';
import type { TalonSandbox } from './sandbox.mts';
import { startTalon, talon } from './sandbox.mts';

let sandbox: TalonSandbox;

beforeAll(async () => {
	sandbox = await startTalon();
});
afterAll(async () => {
	await sandbox.vendor.close();
});

const credential = new TalonOneCdpApi();

/** Sends the credential's test request the way n8n's credential tester would, with its auth headers. */
async function credentialTest(data: Record<string, string>): Promise<number> {
	const fill = (template: string) => template.replace(/^=/, '').replace(/\{\{\s*\$credentials\.(\w+)\s*\}\}/g, (_, name) => data[name] ?? '');
	const headers: Record<string, string> = { 'content-type': 'application/json' };
	for (const [name, value] of Object.entries(credential.authenticate.properties.headers ?? {})) headers[name] = fill(String(value));
	const { request } = credential.test;
	const response = await fetch(`${fill(String(request.baseURL))}${request.url}`, {
		method: request.method,
		headers,
		body: JSON.stringify(request.body),
	});
	return response.status;
}

describe('Talon.One CDP credential', () => {
	it('sends the key as ApiKey-v1 plus the deployment and platform headers', () => {
		expect(credential.authenticate.properties.headers).toEqual({
			Authorization: '=ApiKey-v1 {{$credentials.apiKey}}',
			'destination-hostname': '={{$credentials.deploymentHostname}}',
			'customer-data-platform-name': '={{$credentials.platformName}}',
		});
		const apiKey = credential.properties.find((property) => property.name === 'apiKey');
		expect(apiKey?.typeOptions?.password).toBe(true);
		expect(credential.properties.find((property) => property.name === 'baseUrl')?.default).toBe('https://integration.talon.one');
	});

	it('passes its test with the sandbox key, changing nothing, and fails with the rules for bad keys', async () => {
		const good = sandbox.credentials as Record<string, string>;
		expect(await credentialTest(good)).toBe(204);
		expect(sandbox.state().deployments[talon.DEPLOYMENT]?.profiles ?? []).toEqual([]);
		const ruleFor = (status: number) => credential.test.rules?.find((rule: any) => rule.properties.value === status);
		const wrongKey = await credentialTest({ ...good, apiKey: 'not-a-key' });
		expect(wrongKey).toBe(401);
		expect(ruleFor(wrongKey)).toBeDefined();
		expect(await credentialTest({ ...good, apiKey: talon.INTEGRATION_KEY })).toBe(401);
		const noHost = await credentialTest({ ...good, deploymentHostname: '' });
		expect(noHost).toBe(400);
		expect(ruleFor(noHost)).toBeDefined();
		// A scheme and trailing slash in the hostname are accepted, as real connectors send both forms.
		expect(await credentialTest({ ...good, deploymentHostname: `https://${good.deploymentHostname}/` })).toBe(204);
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
