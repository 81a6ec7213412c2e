// Contract tests of the Talon.One node and its fake (issue #14 §1): every request the node sends is checked
// against the spec's schema, every documented answer is fed to the node, and deliberately wrong requests
// are refused by the fake the way Talon.One documents.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import type { CapturedRequest } from '../../../sandbox/core.mts';
import type { Sandbox } from '../../../sandbox/index.mts';
import { startSandbox } from '../../../sandbox/index.mts';
import { DEPLOYMENT } from '../../../sandbox/talonOne.mts';
import { fakeContext, runNode } from '../../unit/TalonOne/context.mts';
import { assertSchema, violations } from '../schema.mts';
import type { ErrorExample, OperationContract } from './fixtures.mts';
import {
	audienceExists,
	cdpHeaders,
	createAudience,
	deleteAudience,
	documentedErrors,
	errorBody,
	jsonContentType,
	MAX_CHANGES,
	tooManyRequests,
	updateAudience,
	updateAudiencesExternal,
	updateAudiencesInternal,
	updateCustomerProfile,
} from './fixtures.mts';

let sandbox: Sandbox;
let credentials: Record<string, unknown>;
const vendor = () => sandbox.vendor('talonOne');

beforeAll(async () => {
	sandbox = await startSandbox({ only: ['talonOne'], ports: 'random', capture: true });
	credentials = { ...sandbox.credentials.talonOne, baseUrl: vendor().url };
});
afterAll(async () => {
	await sandbox?.close();
});
beforeEach(async () => {
	await fetch(`${vendor().url}/__sandbox/reset`, { method: 'POST' });
});

async function seed(ids: string[]): Promise<number[]> {
	const numeric: number[] = [];
	for (const audienceId of ids) {
		const response = await call('POST', '/cdp/audiences', { audienceId, audienceName: `Audience ${audienceId}` });
		expect(response.status).toBe(201);
		numeric.push(response.body.id);
	}
	return numeric;
}

const goodHeaders = () => ({
	authorization: `ApiKey-v1 ${String(credentials.apiKey)}`,
	'destination-hostname': String(credentials.deploymentHostname),
	'customer-data-platform-name': String(credentials.platformName),
	'content-type': 'application/json',
});

async function call(method: string, path: string, body?: unknown, headers: Record<string, string | undefined> = {}, raw?: string) {
	const all = Object.fromEntries(Object.entries({ ...goodHeaders(), ...headers }).filter(([, value]) => value !== undefined)) as Record<string, string>;
	const response = await fetch(`${vendor().url}${path}`, {
		method,
		headers: all,
		body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
	});
	const text = await response.text();
	return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** Checks one captured request against its operation's contract: method, exact path, headers, query, body. */
function checkRequest(contract: OperationContract, request: CapturedRequest, path: string) {
	expect(request.method).toBe(contract.method);
	expect(request.path).toBe(path);
	assertSchema(cdpHeaders, request.headers, `${contract.name} headers`);
	assertSchema(contract.query, request.query, `${contract.name} query`);
	if (contract.body === null) {
		expect(request.rawBody).toBe('');
	} else {
		assertSchema(jsonContentType, request.headers, `${contract.name} content type`);
		assertSchema(contract.body, request.body, `${contract.name} body`);
	}
	expect(request.status).toBe(contract.success.status);
}

const captured = () => vendor().captured().filter((request) => !request.path.startsWith('/__sandbox'));

describe('Talon.One: every request the node sends matches the spec', () => {
	it('Customer Profile → Create or Update: PUT /cdp/customer_profile/{id} with the documented body and query', async () => {
		const [audience] = await seed(['c1']);
		const before = captured().length;
		const ctx = fakeContext({
			params: {
				resource: 'customerProfile',
				operation: 'update',
				customerProfileId: 'URN/42 é',
				attributesMode: 'json',
				attributesJson: '{"Language": "english", "Nickname": null}',
				deleteAttributes: 'Tier',
				audiencesToAdd: `${audience}`,
				audiencesToRemove: '',
				options: { runRuleEngine: true, skipNonExistingAttributes: false },
			},
			credentials,
		});
		const [output] = await runNode(ctx);
		const [request] = captured().slice(before);
		checkRequest(updateCustomerProfile, request, '/cdp/customer_profile/URN%2F42%20%C3%A9');
		expect(request.query).toEqual({ skipNonExistingAttributes: 'false' });
		expect(request.body).toEqual({
			attributes: { Language: 'english', Nickname: null, Tier: null },
			runRuleEngine: true,
			audiencesChanges: { adds: [audience], deletes: [] },
		});
		expect(output[0].json.customerProfile).toMatchObject({ integrationId: 'URN/42 é' });
	});

	it('Customer Profile → Update Audiences: the plural routes, grouped entries, at most 1,000 changes per request', async () => {
		const numeric = await seed(['e1', 'e2', 'e3']);
		for (const [contract, type, refs] of [
			[updateAudiencesInternal, 'internal', numeric],
			[updateAudiencesExternal, 'external', ['e1', 'e2', 'e3']],
		] as const) {
			const before = captured().length;
			const items = Array.from({ length: 700 }, (_, i) => ({ id: `p${i}`, adds: [refs[i % 3]], deletes: [refs[(i + 1) % 3]] }));
			const [output] = await runNode(
				fakeContext({
					params: {
						resource: 'customerProfile',
						operation: 'updateAudiences',
						audienceIdType: type,
						customerProfileId: (_: number, json: any) => json.id,
						audiencesToAdd: (_: number, json: any) => json.adds,
						audiencesToRemove: (_: number, json: any) => json.deletes,
					},
					credentials,
					items,
				}),
			);
			const requests = captured().slice(before);
			expect(requests).toHaveLength(2);
			for (const request of requests) {
				checkRequest(contract, request, contract.path);
				const changes = (request.body as any).data.reduce((sum: number, entry: any) => sum + entry.adds.length + entry.deletes.length, 0);
				expect(changes).toBeLessThanOrEqual(MAX_CHANGES);
			}
			expect(output).toHaveLength(700);
		}
	});

	it('Audience → Create, Update, Delete: the documented paths and bodies (IDs path-encoded)', async () => {
		const id = 'Travel/18-27 ü';
		const encoded = '/cdp/audiences/Travel%2F18-27%20%C3%BC';
		const run = async (operation: string, contract: OperationContract, path: string, audienceName?: string) => {
			const before = captured().length;
			await runNode(
				fakeContext({ params: { resource: 'audience', operation, audienceId: id, audienceName, options: {} }, credentials }),
			);
			const [request] = captured().slice(before);
			checkRequest(contract, request, path);
			return request;
		};
		expect((await run('create', createAudience, '/cdp/audiences', 'Travel')).body).toEqual({ audienceId: id, audienceName: 'Travel' });
		expect((await run('update', updateAudience, encoded, 'Travel 2')).body).toEqual({ audienceId: id, audienceName: 'Travel 2' });
		await run('delete', deleteAudience, encoded);
	});

	it('sends the Authorization form the fake accepts by default, and the fake refuses the other documented form', async () => {
		await runNode(
			fakeContext({ params: { resource: 'audience', operation: 'create', audienceId: 'form', audienceName: 'Form', options: {} }, credentials }),
		);
		const [request] = captured().slice(-1);
		expect(request.headers.authorization).toBe(`ApiKey-v1 ${String(credentials.apiKey)}`);
		expect(request.status).toBe(201);
		const basic = Buffer.from(`ApiKey-v1 ${String(credentials.apiKey)}:`).toString('base64');
		const refused = await call('POST', '/cdp/audiences', { audienceId: 'basic', audienceName: 'B' }, { authorization: `Basic ${basic}` });
		expect(refused.status).toBe(401);
		assertSchema(errorBody, refused.body, 'refusal');
	});
});

/** A stand-in gateway that answers each request with the next scripted answer. */
async function scripted(answers: Array<{ status: number; body?: unknown }>): Promise<{ url: string; hits: number; close(): Promise<void> }> {
	let next = 0;
	const state = { hits: 0 };
	const server: Server = createServer((req, res) => {
		req.resume();
		req.on('end', () => {
			state.hits++;
			const answer = answers[Math.min(next++, answers.length - 1)];
			if (answer.body === undefined) {
				res.writeHead(answer.status).end();
			} else {
				res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
			}
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	return {
		url,
		get hits() {
			return state.hits;
		},
		close: () => new Promise<void>((resolve) => server.close(() => resolve())),
	};
}

const operations: Array<{ contract: OperationContract; params: Record<string, unknown>; expectOutput: (json: any) => void }> = [
	{
		contract: updateCustomerProfile,
		params: { resource: 'customerProfile', operation: 'update', customerProfileId: 'URNGV8294NV', attributesMode: 'none' },
		expectOutput: (json) => expect(json).toEqual(updateCustomerProfile.success.body),
	},
	{
		contract: updateAudiencesInternal,
		params: { resource: 'customerProfile', operation: 'updateAudiences', audienceIdType: 'internal', customerProfileId: 'URN-GV8294NV', audiencesToAdd: '1, 2, 3', audiencesToRemove: '4, 5, 6' },
		expectOutput: (json) => expect(json).toEqual({ customerProfileId: 'URN-GV8294NV', audienceIdType: 'internal', added: [1, 2, 3], removed: [4, 5, 6], changes: 6, requests: [1] }),
	},
	{
		contract: updateAudiencesExternal,
		params: { resource: 'customerProfile', operation: 'updateAudiences', audienceIdType: 'external', customerProfileId: 'URN-GV8294NV', audiencesToAdd: 'external_id_1', audiencesToRemove: '' },
		expectOutput: (json) => expect(json).toMatchObject({ audienceIdType: 'external', added: ['external_id_1'], removed: [], requests: [1] }),
	},
	{
		contract: createAudience,
		params: { resource: 'audience', operation: 'create', audienceId: '382370BKDB946', audienceName: 'Travel audience', options: {} },
		expectOutput: (json) => expect(json).toEqual({ ...(createAudience.success.body as object), alreadyExisted: false, outcome: 'created' }),
	},
	{
		contract: updateAudience,
		params: { resource: 'audience', operation: 'update', audienceId: '382370BKDB946', audienceName: 'Travel audience' },
		expectOutput: (json) => expect(json).toEqual(updateAudience.success.body),
	},
	{
		contract: deleteAudience,
		params: { resource: 'audience', operation: 'delete', audienceId: '382370BKDB946' },
		expectOutput: (json) => expect(json).toEqual({ audienceId: '382370BKDB946', deleted: true }),
	},
];

describe('Talon.One: the node reads every documented answer', () => {
	for (const { contract, params, expectOutput } of operations) {
		it(`${contract.name}: success ${contract.success.status} (${contract.success.source})`, async () => {
			const gateway = await scripted([{ status: contract.success.status, body: contract.success.body }]);
			try {
				const [output] = await runNode(fakeContext({ params, credentials: { ...credentials, baseUrl: gateway.url } }));
				expect(output).toHaveLength(1);
				expectOutput(output[0].json);
			} finally {
				await gateway.close();
			}
		});

		it(`${contract.name}: each documented error body becomes an error item with Talon.One's text and request UUID`, async () => {
			for (const example of documentedErrors) {
				const gateway = await scripted([{ status: example.status, body: example.body }]);
				try {
					assertSchema(errorBody, example.body, example.source);
					const [output] = await runNode(
						fakeContext({ params, credentials: { ...credentials, baseUrl: gateway.url }, continueOnFail: true }),
					);
					expect(output[0].json.details).toMatchObject({ itemIndex: 0 });
					expect(output[0].json.error).toContain(`The service answered ${example.status}: ${example.body.Error} [request ${example.body.RequestUUID}]`);
					expect(gateway.hits).toBe(1);
				} finally {
					await gateway.close();
				}
			}
		});
	}

	it(`Create audience: the documented 409 (${audienceExists.source}) is an error on a first attempt`, async () => {
		const gateway = await scripted([{ status: audienceExists.status, body: audienceExists.body }]);
		try {
			const [output] = await runNode(
				fakeContext({ params: operations[3].params, credentials: { ...credentials, baseUrl: gateway.url }, continueOnFail: true }),
			);
			expect(output[0].json).toMatchObject({
				error: 'Item 0: the audience "382370BKDB946" already exists',
				details: { httpCode: '409' },
			});
		} finally {
			await gateway.close();
		}
	});

	it(`a documented 429 (${tooManyRequests.source}) is retried and the next answer used`, async () => {
		const example: ErrorExample = tooManyRequests;
		const gateway = await scripted([{ status: example.status, body: example.body }, createAudience.success]);
		try {
			const [output] = await runNode(fakeContext({ params: operations[3].params, credentials: { ...credentials, baseUrl: gateway.url } }));
			expect(output[0].json).toMatchObject({ id: 6, outcome: 'created' });
			expect(gateway.hits).toBe(2);
		} finally {
			await gateway.close();
		}
	});
});

describe('Talon.One fake: wrong requests are refused as Talon.One documents, never applied', () => {
	const refusedWith = async (status: number, response: { status: number; body: any }) => {
		expect(response.status).toBe(status);
		if (response.body?.StatusCode !== undefined) expect(violations(errorBody, response.body)).toEqual([]);
	};
	const nothingApplied = async () => {
		const state = (await (await fetch(`${vendor().url}/__sandbox/state`)).json()) as any;
		const store = state.deployments[DEPLOYMENT];
		expect(store?.audiences ?? []).toEqual([]);
		expect(store?.profiles ?? []).toEqual([]);
	};
	const profileBody = { attributes: { Language: 'english' }, runRuleEngine: false };
	const bulk = { data: [{ customerProfileId: 'p', adds: [1], deletes: [] }] };
	const audience = { audienceId: 'a', audienceName: 'A' };

	it('wrong path spelling or a trailing slash: 404', async () => {
		await refusedWith(404, await call('PUT', '/cdp/customer_profile/p/', profileBody));
		await refusedWith(404, await call('PUT', '/cdp/customer_profiles/audiences/', bulk));
		await refusedWith(404, await call('PUT', '/cdp/customer-profiles/audiences', bulk));
		await refusedWith(404, await call('POST', '/cdp/audiences/', audience));
		await refusedWith(404, await call('POST', '/cdp/audience', audience));
		await refusedWith(404, await call('DELETE', '/cdp/audiences/a/'));
		await nothingApplied();
	});

	it('missing or ill-formed headers: 401 for the key, 400 for the deployment and platform', async () => {
		for (const authorization of [undefined, `ApiKey-v1`, `ApiKey-v1  ${String(credentials.apiKey)}`, `Bearer ${String(credentials.apiKey)}`, `apikey-v1 ${String(credentials.apiKey)}`]) {
			await refusedWith(401, await call('POST', '/cdp/audiences', audience, { authorization }));
		}
		await refusedWith(400, await call('POST', '/cdp/audiences', audience, { 'destination-hostname': undefined }));
		await refusedWith(400, await call('POST', '/cdp/audiences', audience, { 'destination-hostname': `https://${DEPLOYMENT}` }));
		await refusedWith(400, await call('POST', '/cdp/audiences', audience, { 'destination-hostname': `${DEPLOYMENT}/` }));
		await refusedWith(400, await call('POST', '/cdp/audiences', audience, { 'customer-data-platform-name': undefined }));
		await nothingApplied();
	});

	it('undocumented body fields, query parameters and a body on delete: 400', async () => {
		await refusedWith(400, await call('PUT', '/cdp/customer_profile/p', { ...profileBody, skipNonExistingAttributes: true }));
		await refusedWith(400, await call('PUT', '/cdp/customer_profile/p?runRuleEngine=true', profileBody));
		await refusedWith(400, await call('PUT', '/cdp/customer_profile/p', { audiencesChanges: { add: [1] } }));
		await refusedWith(400, await call('PUT', '/cdp/customer_profiles/audiences', { data: [{ customerProfileId: 'p', adds: [], deletes: [], runRuleEngine: true }] }));
		await refusedWith(400, await call('POST', '/cdp/audiences', { ...audience, description: 'x' }));
		await refusedWith(400, await call('POST', '/cdp/audiences', { audienceId: 'a', audience_name: 'A' }));
		await refusedWith(400, await call('PUT', '/cdp/audiences/a', { ...audience, name: 'A' }));
		await nothingApplied();
		await seed(['a']);
		await refusedWith(400, await call('DELETE', '/cdp/audiences/a', { audienceId: 'a' }));
		expect((await call('DELETE', '/cdp/audiences/a')).status).toBe(204);
	});

	it('wrong types and malformed JSON: 400', async () => {
		await refusedWith(400, await call('PUT', '/cdp/customer_profile/p', { attributes: [] }));
		await refusedWith(400, await call('PUT', '/cdp/customer_profile/p', { ...profileBody, runRuleEngine: 'yes' }));
		await refusedWith(400, await call('PUT', '/cdp/customer_profile/p?skipNonExistingAttributes=1', profileBody));
		await refusedWith(400, await call('PUT', '/cdp/customer_profiles/audiences', { data: [{ customerProfileId: 'p', adds: ['1'], deletes: [] }] }));
		await refusedWith(400, await call('PUT', '/cdp/v2/customer_profiles/audiences', { data: [{ customerProfileId: 'p', adds: [1], deletes: [] }] }));
		await refusedWith(400, await call('PUT', '/cdp/customer_profiles/audiences', { data: { customerProfileId: 'p' } }));
		await refusedWith(400, await call('POST', '/cdp/audiences', { audienceId: 7, audienceName: 'A' }));
		await refusedWith(400, await call('POST', '/cdp/audiences', undefined, {}, '{"audienceId": "a",'));
		await nothingApplied();
	});

	it('over a limit: 400 (more than 1,000 changes, IDs and names over 1,000 characters)', async () => {
		const [id] = await seed(['cap']);
		await refusedWith(400, await call('PUT', '/cdp/customer_profiles/audiences', { data: [{ customerProfileId: 'p', adds: Array(1001).fill(id), deletes: [] }] }));
		await refusedWith(400, await call('PUT', '/cdp/customer_profiles/audiences', { data: [{ customerProfileId: 'p'.repeat(1001), adds: [id], deletes: [] }] }));
		await refusedWith(400, await call('POST', '/cdp/audiences', { audienceId: 'x'.repeat(1001), audienceName: 'A' }));
		await refusedWith(400, await call('POST', '/cdp/audiences', { audienceId: 'x', audienceName: '' }));
		const state = (await (await fetch(`${vendor().url}/__sandbox/state`)).json()) as any;
		expect(state.deployments[DEPLOYMENT].profiles).toEqual([]);
		expect(state.deployments[DEPLOYMENT].audiences.map((entry: any) => entry.integrationId)).toEqual(['cap']);
	});

	it('an unknown audience: 404 with the documented body, which does not name the audience; nothing applied', async () => {
		const response = await call('PUT', '/cdp/customer_profiles/audiences', { data: [{ customerProfileId: 'p', adds: [424242], deletes: [] }] });
		await refusedWith(404, response);
		expect(response.body.Error).toBe('Not Found');
		expect(JSON.stringify(response.body)).not.toContain('424242');
		await nothingApplied();
	});
});
