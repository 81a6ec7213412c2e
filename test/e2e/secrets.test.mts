// Secrets never leak (issue #9): every operation of every node runs in real n8n with the sandbox's known
// keys (successes and 4xx answers), then with wrong keys (401), then with every vendor answering 5xx (fault
// injection) and against a closed port (network errors); those two take one operation per vendor and way
// of signing, as retries make each failure cost seconds. No key, token or Authorization value, in any form
// (as is, base64, `user:key` Basic, URL-encoded, the JWTs the Synerise sandbox issued), may appear in any
// output item, error item, node error (message, description) or in anything n8n printed; the wrong-key run
// logs at N8N_LOG_LEVEL=debug.
import { createServer } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { RunningVendor, VendorModule } from '../../sandbox/core.mts';
import { startVendor } from '../../sandbox/core.mts';
import type { Sandbox } from '../../sandbox/index.mts';
import { startSandbox } from '../../sandbox/index.mts';
import * as crescendo from '../../sandbox/crescendoLab.mts';
import * as insider from '../../sandbox/insider.mts';
import * as synerise from '../../sandbox/synerise.mts';
import type { CredentialSpec } from '../../scripts/n8nHome.mts';
import { N8n, type N8nRun } from './harness.mts';
import type { NodeSpec } from './workflows.mts';
import { linearWorkflow } from './workflows.mts';

const TIME_SCALE = 0.01;
const FAST_CRESCENDO = { pollIntervalSeconds: 0.05, maxWaitSeconds: 10, maxRequestsPerMinute: 1500 };

let sandbox: Sandbox;
let syneriseVendor: RunningVendor;
let n8n: N8n;
/** The base URL of the closed port the network-error credentials point at. */
let closedUrl = '';
/** Every JWT the Synerise sandbox handed out, captured at its login and refresh routes. */
const issuedTokens = new Set<string>();

/** A port nothing listens on: connections are refused. */
async function closedPort(): Promise<number> {
	return await new Promise((resolve, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address() as { port: number };
			server.close(() => resolve(port));
		});
	});
}

/** The Synerise fake, with its token routes wrapped to record what they issue. */
function recordingSynerise(): VendorModule {
	const module = synerise.create();
	module.routes = module.routes.map((route) =>
		/\/(login|refresh)\//.test(route.path)
			? {
					...route,
					handler: async (req, ctx) => {
						const answer = await route.handler(req, ctx);
						const token = (answer.body as { token?: unknown } | undefined)?.token;
						if (typeof token === 'string') issuedTokens.add(token);
						return answer;
					},
				}
			: route,
	);
	return module;
}

type Variant = 'good' | 'wrong' | 'closed';

const WRONG = {
	crescendoLabApi: { apiKey: 'wrong-crescendo-profile-key-91a7', region: 'tw' },
	crescendoLabMaacApi: { accessToken: 'wrong-crescendo-maac-token-5c2e', region: 'tw' },
	talonOneCdpApi: { apiKey: 'wrong-talon-cdp-key-0d4b', deploymentHostname: 'sandbox.europe-west1.talon.one', platformName: 'n8n sandbox' },
	syneriseApi: { authMethod: 'jwt', apiKey: '0f0e0d0c-0b0a-4909-8807-060504030201', workspaceGuid: synerise.KEYS.full.guid },
	syneriseBasic: { authMethod: 'basic', apiKey: '1a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d', workspaceGuid: synerise.KEYS.full.guid },
	batchApi: { restApiKey: 'wrong-batch-rest-key-77f1', projectKey: 'project_0664hxvwffvbpn278gxdyhsadddqgna6', appApiKey: 'WRONGAPPKEY0001', apiVersion: '2.11' },
	insiderApi: { partnerName: insider.credentials.partnerName, requestToken: 'wrong-insider-token-3e9d' },
};

function knownData(): Record<string, Record<string, unknown>> {
	return {
		crescendoLabApi: { ...crescendo.credentials },
		crescendoLabMaacApi: { ...crescendo.maacCredentials },
		talonOneCdpApi: { ...(sandbox.credentials.talonOne as Record<string, unknown>) },
		syneriseApi: { ...synerise.credentials },
		syneriseBasic: { authMethod: 'basic', apiKey: synerise.KEYS.full.apiKey, workspaceGuid: synerise.KEYS.full.guid },
		batchApi: { ...(sandbox.credentials.batch as Record<string, unknown>) },
		insiderApi: { ...insider.credentials },
	};
}

const CREDENTIAL_TYPES: Record<string, string> = {
	crescendoLabApi: 'crescendoLabApi',
	crescendoLabMaacApi: 'crescendoLabMaacApi',
	talonOneCdpApi: 'talonOneCdpApi',
	syneriseApi: 'syneriseApi',
	syneriseBasic: 'syneriseApi',
	batchApi: 'batchApi',
	insiderApi: 'insiderApi',
};

function vendorUrl(key: string): string {
	if (key.startsWith('crescendo')) return sandbox.vendor('crescendoLab').url;
	if (key.startsWith('talon')) return sandbox.vendor('talonOne').url;
	if (key.startsWith('synerise')) return syneriseVendor.url;
	if (key.startsWith('insider')) return sandbox.vendor('insider').url;
	return sandbox.vendor('batch').url;
}

/** Fixed ids of at most 21 characters, one per credential and variant. */
function credentialId(key: string, variant: Variant): string {
	return `sec-${variant}-${Object.keys(CREDENTIAL_TYPES).indexOf(key)}`;
}

async function credentialSpecs(): Promise<CredentialSpec[]> {
	const known = knownData();
	closedUrl = `http://127.0.0.1:${await closedPort()}`;
	const specs: CredentialSpec[] = [];
	for (const key of Object.keys(CREDENTIAL_TYPES)) {
		const variants: Array<[Variant, Record<string, unknown>, string]> = [
			['good', known[key], vendorUrl(key)],
			['wrong', WRONG[key as keyof typeof WRONG], vendorUrl(key)],
			['closed', known[key], closedUrl],
		];
		for (const [variant, data, baseUrl] of variants) {
			specs.push({ id: credentialId(key, variant), name: `${key} ${variant}`, type: CREDENTIAL_TYPES[key], data: { ...data, baseUrl } });
		}
	}
	return specs;
}

/** Every secret a run could leak, in the forms it could leak in. */
function secretForms(): string[] {
	const raw = new Set<string>();
	for (const data of [...Object.values(knownData()), ...Object.values(WRONG)]) {
		for (const field of ['apiKey', 'accessToken', 'restApiKey', 'appApiKey', 'requestToken']) {
			if (typeof data[field as keyof typeof data] === 'string') raw.add(data[field as keyof typeof data] as string);
		}
	}
	for (const token of issuedTokens) {
		raw.add(token);
		// A JWT's signature is the part that makes it a credential.
		raw.add(token.split('.').pop()!);
	}
	const forms = new Set<string>();
	for (const secret of raw) {
		forms.add(secret);
		forms.add(Buffer.from(secret).toString('base64'));
		forms.add(encodeURIComponent(secret));
	}
	for (const data of [knownData().syneriseBasic, WRONG.syneriseBasic]) {
		forms.add(Buffer.from(`${data.workspaceGuid}:${data.apiKey}`).toString('base64'));
	}
	return [...forms].filter((form) => form.length >= 12);
}

function leaks(text: string, forms: string[]): string[] {
	return forms.filter((form) => text.includes(form));
}

interface Op {
	name: string;
	credential: string;
	spec: Omit<NodeSpec, 'name' | 'credentials' | 'after' | 'onError'>;
}

const unknownTask = '424242';

function operations(): Op[] {
	const crescendoImport = (authentication: string) => ({
		type: 'crescendoLab',
		parameters: {
			authentication,
			resource: 'contact',
			operation: 'import',
			importKey: 'customer_id',
			columns: { mappingMode: 'defineBelow', value: { customer_id: '={{ $json.customer_id }}' }, matchingColumns: [], schema: [] },
			options: FAST_CRESCENDO,
		},
	});
	return [
		{ name: 'CL Import', credential: 'crescendoLabApi', spec: crescendoImport('profileApi') },
		{ name: 'CL Import MAAC', credential: 'crescendoLabMaacApi', spec: crescendoImport('maacApi') },
		{
			name: 'CL Import Status',
			credential: 'crescendoLabApi',
			spec: { type: 'crescendoLab', parameters: { authentication: 'profileApi', resource: 'contact', operation: 'getImportStatus', taskId: unknownTask } },
		},
		{
			name: 'CL Import Status MAAC',
			credential: 'crescendoLabMaacApi',
			spec: { type: 'crescendoLab', parameters: { authentication: 'maacApi', resource: 'contact', operation: 'getImportStatus', taskId: unknownTask } },
		},
		{
			name: 'CL Export',
			credential: 'crescendoLabApi',
			spec: { type: 'crescendoLab', parameters: { authentication: 'profileApi', resource: 'contact', operation: 'export', output: 'items', options: FAST_CRESCENDO } },
		},
		{
			name: 'CL Export Status',
			credential: 'crescendoLabApi',
			spec: { type: 'crescendoLab', parameters: { authentication: 'profileApi', resource: 'contact', operation: 'getExportStatus', taskId: unknownTask } },
		},
		{
			name: 'T Profile Update',
			credential: 'talonOneCdpApi',
			spec: {
				type: 'talonOne',
				parameters: {
					resource: 'customerProfile',
					operation: 'update',
					customerProfileId: '={{ $json.id }}',
					attributesMode: 'json',
					// An attribute the Campaign Manager does not define: a 400 from the vendor.
					attributesJson: '{"Language": "english", "NotDefinedAnywhere": 1}',
				},
			},
		},
		{
			name: 'T Update Audiences',
			credential: 'talonOneCdpApi',
			spec: {
				type: 'talonOne',
				parameters: { resource: 'customerProfile', operation: 'updateAudiences', customerProfileId: '={{ $json.id }}', audienceIdType: 'internal', audiencesToAdd: '999999', audiencesToRemove: '' },
			},
		},
		{
			name: 'T Audience Create',
			credential: 'talonOneCdpApi',
			spec: { type: 'talonOne', parameters: { resource: 'audience', operation: 'create', audienceId: 'secret-test-audience', audienceName: 'Secrets' } },
		},
		{
			name: 'T Audience Update',
			credential: 'talonOneCdpApi',
			spec: { type: 'talonOne', parameters: { resource: 'audience', operation: 'update', audienceId: 'secret-test-audience', audienceName: 'Secrets 2' } },
		},
		{
			name: 'T Audience Delete',
			credential: 'talonOneCdpApi',
			spec: { type: 'talonOne', parameters: { resource: 'audience', operation: 'delete', audienceId: 'no-such-audience' } },
		},
		{
			name: 'S Upsert',
			credential: 'syneriseApi',
			spec: {
				type: 'synerise',
				parameters: {
					resource: 'profile',
					operation: 'upsert',
					columns: { mappingMode: 'defineBelow', value: { customId: '={{ $json.custom_id }}', email: '={{ $json.email }}' }, matchingColumns: [], schema: [] },
				},
			},
		},
		{
			name: 'S Create',
			credential: 'syneriseApi',
			spec: {
				type: 'synerise',
				parameters: {
					resource: 'profile',
					operation: 'create',
					columns: { mappingMode: 'defineBelow', value: { customId: 'secrets-created', email: 'created@example.com' }, matchingColumns: [], schema: [] },
					options: { instant: true },
				},
			},
		},
		{
			name: 'S Get',
			credential: 'syneriseApi',
			spec: { type: 'synerise', parameters: { resource: 'profile', operation: 'get', identifierType: 'customId', identifierValue: 'nobody-has-this-id' } },
		},
		{
			name: 'S Get Basic',
			credential: 'syneriseBasic',
			spec: { type: 'synerise', parameters: { resource: 'profile', operation: 'get', identifierType: 'customId', identifierValue: 'secrets-created' } },
		},
		{
			name: 'S Get Many',
			credential: 'syneriseApi',
			spec: { type: 'synerise', parameters: { resource: 'profile', operation: 'getAll', returnAll: false, limit: 5 } },
		},
		{
			name: 'S Update',
			credential: 'syneriseApi',
			spec: {
				type: 'synerise',
				parameters: {
					resource: 'profile',
					operation: 'update',
					identifierType: 'customId',
					identifierValue: 'nobody-has-this-id',
					columns: { mappingMode: 'defineBelow', value: { city: 'Gdańsk' }, matchingColumns: [], schema: [] },
				},
			},
		},
		{
			name: 'S Delete',
			credential: 'syneriseApi',
			spec: { type: 'synerise', parameters: { resource: 'profile', operation: 'delete', identifierType: 'customId', identifierValue: 'nobody-has-this-id' } },
		},
		{
			name: 'B Create or Update',
			credential: 'batchApi',
			spec: {
				type: 'batch',
				parameters: {
					resource: 'profile',
					operation: 'createOrUpdate',
					customIdField: 'custom_id',
					attributesToSend: 'selectedFields',
					fieldsToInclude: 'plan',
					options: { onlySendChanges: false },
				},
			},
		},
		{
			name: 'B Delete',
			credential: 'batchApi',
			spec: { type: 'batch', parameters: { resource: 'profile', operation: 'delete', customId: '={{ $json.custom_id }}' } },
		},
		{ name: 'B Reset Sync State', credential: 'batchApi', spec: { type: 'batch', parameters: { resource: 'profile', operation: 'resetSyncState' } } },
		{
			name: 'I Upsert',
			credential: 'insiderApi',
			spec: { type: 'insider', parameters: { resource: 'user', operation: 'upsert', mappingMode: 'autoMap', options: { ignoreFields: 'customer_id, id, custom_id, plan' } } },
		},
		{
			name: 'I Get',
			credential: 'insiderApi',
			spec: {
				type: 'insider',
				parameters: { resource: 'user', operation: 'get', addressBy: 'identifier', identifierType: 'email', identifierValue: 'nobody@example.com', attributeSelection: 'selected', attributeNames: ['name'], options: {} },
			},
		},
		{
			name: 'I Delete Attribute',
			credential: 'insiderApi',
			spec: {
				type: 'insider',
				parameters: { resource: 'user', operation: 'deleteAttribute', addressBy: 'identifier', identifierType: 'email', identifierValue: '={{ $json.email }}', mode: 'whole', attributeNames: ['name'], options: {} },
			},
		},
		{
			name: 'I Update Identifier',
			credential: 'insiderApi',
			spec: { type: 'insider', parameters: { resource: 'identifier', operation: 'update', identifierType: 'email', currentValue: 'nobody@example.com', newValue: 'somebody@example.com', options: {} } },
		},
		{
			name: 'I Delete Identifier',
			credential: 'insiderApi',
			spec: { type: 'insider', parameters: { resource: 'identifier', operation: 'delete', identifierType: 'phone_number', identifierValue: '+6591000009', options: {} } },
		},
		{
			name: 'I Delete PII',
			credential: 'insiderApi',
			spec: { type: 'insider', parameters: { resource: 'user', operation: 'deletePii', addressBy: 'identifier', identifierType: 'email', identifierValue: 'nobody@example.com', options: {} } },
		},
		{
			name: 'I Delete User',
			credential: 'insiderApi',
			spec: { type: 'insider', parameters: { resource: 'user', operation: 'delete', addressBy: 'identifier', identifierType: 'email', identifierValue: 'nobody@example.com', options: {} } },
		},
		{
			name: 'I Export',
			credential: 'insiderApi',
			spec: {
				type: 'insider',
				parameters: { resource: 'export', operation: 'start', segmentId: 1, attributeSelection: 'all', events: {}, format: 'csv', callbackUrl: 'http://127.0.0.1:9/hook' },
			},
		},
		{
			name: 'I Download',
			credential: 'insiderApi',
			spec: {
				type: 'insider',
				// A link on the credential's base URL that does not exist: a 404 with the token sent.
				parameters: { resource: 'export', operation: 'download', url: '={{ $json.insiderLink }}', output: 'items', options: {} },
			},
		},
	];
}

/**
 * Retries make every 5xx or network failure cost about 12 s (six attempts with backoff), so those two
 * runs take one operation per vendor and each way of signing (both Crescendo Lab surfaces, Synerise's JWT
 * and Basic, Insider's token on a download link) rather than every operation; 401 and 4xx answers come
 * back at once and cover every operation.
 */
const FAILING_SUBSET = new Set([
	'CL Import',
	'CL Import Status MAAC',
	'T Profile Update',
	'S Upsert',
	'S Get Basic',
	'B Create or Update',
	'I Download',
]);

function workflow(id: string, variant: Variant, only?: (op: Op) => boolean) {
	const ops = operations().filter((op) => !only || only(op));
	return {
		ops,
		workflow: linearWorkflow({
			id,
			inputItems: [
				{
					customer_id: 'sec-1',
					id: 'sec-profile-1',
					custom_id: 'sec-custom-1',
					email: 'sec@example.com',
					plan: 'pro',
					name: 'Sec',
					insiderLink: `${variant === 'closed' ? closedUrl : sandbox.vendor('insider').url}/${insider.credentials.partnerName}/p/no-such-file.csv`,
				},
			],
			nodes: ops.map((op) => ({
				...op.spec,
				name: op.name,
				credentials: { [CREDENTIAL_TYPES[op.credential]]: { id: credentialId(op.credential, variant), name: `${op.credential} ${variant}` } },
				after: { node: 'Input' },
				onError: 'continueErrorOutput' as const,
			})),
		}),
	};
}

/** Everything one node left in the run: its items on both outputs and the error it stopped with. */
function nodeTexts(run: N8nRun, name: string): string[] {
	const texts: string[] = [];
	for (const output of [0, 1]) for (const item of run.items(name, output)) texts.push(JSON.stringify(item));
	const error = run.nodeError(name);
	if (error) texts.push(JSON.stringify(error), String(error.message ?? ''), String(error.description ?? ''));
	return texts;
}

function expectNoLeak(run: N8nRun, ops: Op[], label: string): void {
	const forms = secretForms();
	expect(run.result, `${label}: n8n printed its run data`).toBeDefined();
	for (const op of ops) {
		for (const text of nodeTexts(run, op.name)) expect(leaks(text, forms), `${label}: ${op.name}`).toEqual([]);
	}
	expect(leaks(run.logs, forms), `${label}: n8n's output`).toEqual([]);
}

function summary(run: N8nRun, ops: Op[]): Record<string, string> {
	const out: Record<string, string> = {};
	for (const op of ops) {
		const ok = run.items(op.name, 0).length;
		const errors = run.items(op.name, 1).map((item) => String(item.json.error ?? item.json.message ?? '')).filter(Boolean);
		out[op.name] = `${ok} ok, ${errors.length} errors${errors[0] ? `: ${errors[0].slice(0, 100)}` : ''}`;
	}
	return out;
}

beforeAll(async () => {
	sandbox = await startSandbox({ only: ['crescendoLab', 'talonOne', 'batch', 'insider'], ports: 'random', timeScale: TIME_SCALE });
	syneriseVendor = await startVendor(recordingSynerise(), { timeScale: TIME_SCALE });
	n8n = N8n.create();
	await n8n.importCredentials(await credentialSpecs());
});

afterAll(async () => {
	n8n?.dispose();
	await sandbox?.close();
	await syneriseVendor?.close();
});

describe('no secret leaks, in real n8n', () => {
	it('the leak check finds a key in any of its forms', () => {
		const forms = secretForms();
		const key = synerise.KEYS.full.apiKey;
		expect(leaks(`x ${key} y`, forms)).not.toEqual([]);
		expect(leaks(`Basic ${Buffer.from(`${synerise.KEYS.full.guid}:${key}`).toString('base64')}`, forms)).not.toEqual([]);
		expect(leaks(`token=${encodeURIComponent(WRONG.batchApi.restApiKey)}`, forms)).not.toEqual([]);
		expect(leaks('nothing secret here', forms)).toEqual([]);
	});

	it('every operation with the known keys: successes and 4xx answers', async () => {
		const { ops, workflow: wf } = workflow('secretsGood', 'good');
		const run = await n8n.run(wf);
		const outcome = summary(run, ops);
		console.log('[secrets] known keys:', JSON.stringify(outcome, null, 1));
		// The run exercised both paths: some operations succeeded, others got a 4xx from the vendor.
		expect(run.items('CL Import', 0)).toHaveLength(1);
		expect(run.items('S Upsert', 0)).toHaveLength(1);
		expect(run.items('B Create or Update', 0)).toHaveLength(1);
		expect(run.items('T Audience Create', 0)).toHaveLength(1);
		expect(run.items('S Get Basic', 0)).toHaveLength(1);
		expect(run.items('I Upsert', 0)).toHaveLength(1);
		expect(run.items('I Export', 0)).toHaveLength(1);
		for (const name of ['CL Import Status', 'T Profile Update', 'T Audience Delete', 'S Get', 'S Delete', 'I Download']) {
			expect(run.items(name, 1), name).toHaveLength(1);
			expect(String(run.items(name, 1)[0].json.error)).toMatch(/\b4\d\d\b/);
		}
		expect(issuedTokens.size, 'the Synerise sandbox issued a JWT').toBeGreaterThan(0);
		expectNoLeak(run, ops, 'known keys');
	});

	it('every operation with wrong keys (401), n8n logging at debug level', async () => {
		const { ops, workflow: wf } = workflow('secretsWrong', 'wrong');
		const run = await n8n.run(wf, { env: { N8N_LOG_LEVEL: 'debug' } });
		console.log('[secrets] wrong keys:', JSON.stringify(summary(run, ops), null, 1));
		expect(run.logs).toMatch(/\bdebug\b/i);
		for (const op of ops.filter((candidate) => candidate.name !== 'B Reset Sync State')) {
			expect(run.items(op.name, 1), op.name).toHaveLength(1);
			expect(String(run.items(op.name, 1)[0].json.error), op.name).toMatch(/^Item 0\b/);
		}
		expectNoLeak(run, ops, 'wrong keys');
	});

	it('every operation while every vendor answers 5xx', async () => {
		for (const vendor of [...Object.values(sandbox.vendors), syneriseVendor]) vendor!.setFaults({ error5xxRate: 1, routes: [] });
		const { ops, workflow: wf } = workflow('secrets5xx', 'good', (op) => FAILING_SUBSET.has(op.name));
		const started = Date.now();
		const run = await n8n.run(wf);
		for (const vendor of [...Object.values(sandbox.vendors), syneriseVendor]) vendor!.setFaults({ error5xxRate: 0 });
		console.log(`[secrets] 5xx run: ${Date.now() - started} ms`, JSON.stringify(summary(run, ops), null, 1));
		for (const op of ops.filter((candidate) => candidate.name !== 'B Reset Sync State')) {
			expect(run.items(op.name, 1), op.name).toHaveLength(1);
			expect(String(run.items(op.name, 1)[0].json.error), op.name).toMatch(/\b5\d\d\b/);
		}
		expectNoLeak(run, ops, '5xx');
	});

	it('every operation against a closed port (network errors)', async () => {
		const { ops, workflow: wf } = workflow('secretsClosed', 'closed', (op) => FAILING_SUBSET.has(op.name));
		const started = Date.now();
		const run = await n8n.run(wf);
		console.log(`[secrets] closed port run: ${Date.now() - started} ms`, JSON.stringify(summary(run, ops), null, 1));
		for (const op of ops.filter((candidate) => candidate.name !== 'B Reset Sync State')) {
			expect(run.items(op.name, 1), op.name).toHaveLength(1);
			// The message names the item and the network error (n8n words it its own way when the error comes
			// from a credential's login).
			expect(String(run.items(op.name, 1)[0].json.error), op.name).toMatch(/^Item 0\b.*(ECONNREFUSED|refused the connection)/);
		}
		expectNoLeak(run, ops, 'closed port');
	});
});
