// Real n8n 2.41.1 against the Insider sandbox: the 20,000-user bulk upsert, every other operation with the
// sandbox state checked afterwards, and the export → callback → download round trip.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startSandbox, type Sandbox } from '../../sandbox/index.mts';
import { credentials as sandboxKeys } from '../../sandbox/insider.mts';
import { N8n } from './harness.mts';
import { linearWorkflow } from './workflows.mts';

const CREDENTIAL = { id: 'insiderSandbox01', name: 'Insider sandbox' };
const credentials = { insiderApi: CREDENTIAL };

let sandbox: Sandbox;
let n8n: N8n;
let base: string;

const insider = () => sandbox.control('insider');

// One generator for the Code node and the expectations: user i, with 37 made invalid on purpose.
const GENERATOR = `(i) => {
	const user = {
		email: 'user' + i + '@example.com',
		phone_number: '+65' + (80000000 + i),
		name: 'User ' + i,
		age: i % 90,
		email_optin: i % 2 === 0,
		tier: ['gold', 'silver', ''][i % 3],
		score: i % 7 === 0 ? 0 : i,
		events: [{ event_name: 'page_view', timestamp: '2024-01-01T00:00:00Z', event_params: { url: 'https://shop.example/p/' + i } }],
	};
	if (i % 541 === 0) {
		const kind = (i / 541) % 3;
		if (kind === 0) user.email = 'user' + i + '-at-example.com';
		if (kind === 1) user.events[0].event_name = 'Page View';
		if (kind === 2) { delete user.email; delete user.phone_number; }
	}
	return user;
}`;
const generate = new Function(`return ${GENERATOR}`)() as (i: number) => any;
const TOTAL = 20_000;
const INVALID = Array.from({ length: TOTAL }, (_, i) => i).filter((i) => i % 541 === 0);

beforeAll(async () => {
	sandbox = await startSandbox({ only: ['insider'], ports: 'random' });
	base = sandbox.vendor('insider').url;
	n8n = N8n.create();
	await n8n.importCredentials([{ ...CREDENTIAL, type: 'insiderApi', data: { ...sandboxKeys, baseUrl: base } }]);
});

afterAll(async () => {
	n8n?.dispose();
	await sandbox?.close();
});

describe('Insider node in real n8n', () => {
	it('upserts 20,000 users with attributes and events in 20 requests; 37 invalid ones come out as error items', async () => {
		await insider().reset();
		expect(INVALID).toHaveLength(37);
		const run = await n8n.run(
			linearWorkflow({
				id: 'insiderBulk20k',
				inputCode: `const gen = ${GENERATOR};\nreturn Array.from({ length: ${TOTAL} }, (_, i) => ({ json: gen(i) }));`,
				nodes: [{ name: 'Insider', type: 'insider', parameters: { resource: 'user', operation: 'upsert', mappingMode: 'autoMap', options: {} }, credentials, onError: 'continueErrorOutput' }],
			}),
		);
		expect(run.status, run.logs.slice(-3000)).toBe('success');
		const ok = run.items('Insider', 0);
		const failed = run.items('Insider', 1);
		expect(ok).toHaveLength(TOTAL - 37);
		expect(failed).toHaveLength(37);
		expect(failed.map((item) => (item.pairedItem as { item: number }).item)).toEqual(INVALID);
		failed.forEach((item, position) => {
			const field = ['identifiers.email', 'events.0.event_name', 'identifiers'][position % 3];
			expect(item.json.error).toContain(`Item ${INVALID[position]}, field "${field}"`);
		});
		expect(ok.every((item) => item.json.status === 'accepted')).toBe(true);

		const traffic = await insider().stats();
		expect(traffic.byRoute['POST /api/user/v1/upsert']).toBe(20);
		expect(traffic.log.every((entry: any) => entry.status === 200 && entry.bytes <= 5_000_000)).toBe(true);

		// The sandbox's users equal the valid input, attribute by attribute and event by event.
		const { users } = await insider().state();
		expect(users).toHaveLength(TOTAL - 37);
		const byEmail = new Map(users.map((user: any) => [user.identifiers.email, user]));
		for (let i = 0; i < TOTAL; i++) {
			if (INVALID.includes(i)) continue;
			const input = generate(i);
			const stored = byEmail.get(input.email) as any;
			expect(stored, `user ${i}`).toBeDefined();
			expect(stored.identifiers).toEqual({ email: input.email, phone_number: input.phone_number });
			expect(stored.attributes).toEqual({ name: input.name, age: input.age, email_optin: input.email_optin, custom: { tier: input.tier, score: input.score } });
			expect(stored.events).toEqual(input.events);
		}
		expect(run.logs).not.toContain(sandboxKeys.requestToken);
		console.log(`20k upsert: node ran ${run.executionTime('Insider')} ms, ${traffic.byRoute['POST /api/user/v1/upsert']} requests`);
	});

	it('rides out injected 429s, 5xx and dropped connections: every user arrives once', async () => {
		await insider().reset();
		const vendor = sandbox.vendor('insider');
		// About one attempt in three fails; six attempts per request leave a ~0.2 % chance that a request gives up.
		vendor.setFaults({ rate429: 0.15, error5xxRate: 0.15, resetRate: 0.05, retryAfterSeconds: 1, routes: ['/upsert'], seed: 7 });
		try {
			const run = await n8n.run(
				linearWorkflow({
					id: 'insiderFaults',
					inputCode: `const gen = ${GENERATOR};\nreturn Array.from({ length: 6000 }, (_, i) => ({ json: gen(i + 1) }));`,
					nodes: [{ name: 'Insider', type: 'insider', parameters: { resource: 'user', operation: 'upsert', mappingMode: 'autoMap', options: {} }, credentials, onError: 'continueErrorOutput' }],
				}),
			);
			expect(run.status, run.logs.slice(-3000)).toBe('success');
			const traffic = await insider().stats();
			// 6,000 users minus the 11 made invalid on purpose (i = 541k), each stored once.
			expect(run.items('Insider', 1)).toHaveLength(11);
			expect(run.items('Insider', 0)).toHaveLength(6000 - 11);
			expect((await insider().state()).users).toHaveLength(6000 - 11);
			const injected = traffic.injected.rate429 + traffic.injected.error5xx + traffic.injected.reset;
			expect(injected).toBeGreaterThan(0);
			expect(traffic.byRoute['POST /api/user/v1/upsert']).toBe(6 + injected);
			console.log(`faults: ${injected} injected (${JSON.stringify(traffic.injected)}), node ran ${run.executionTime('Insider')} ms`);
		} finally {
			vendor.setFaults({ rate429: 0, error5xxRate: 0, resetRate: 0, routes: [] });
		}
	});

	it('runs every other operation and leaves the sandbox in the expected state', async () => {
		await insider().reset();
		const hook = await listener();
		const ids = { a: 'ua', b: 'ub', c: 'uc' };
		const input = [
			{ email: 'a@example.com', phone_number: '+6591000001', uuid: ids.a, name: 'Ann', age: 0, email_optin: false, tier: 'gold', tags: [1, 2, 3] },
			{ email: 'b@example.com', phone_number: '+6591000002', uuid: ids.b, name: 'Bob', age: 40, email_optin: true, tier: 'silver', tags: [2] },
			{ email: 'c@example.com', phone_number: '+6591000003', uuid: ids.c, name: 'Cy', age: 22, email_optin: true, tier: '', tags: [3, 2] },
		];
		const once = { executeOnce: true };
		const workflow = linearWorkflow({
			id: 'insiderAllOps',
			inputItems: input,
			nodes: [
				{
					name: 'Upsert',
					type: 'insider',
					credentials,
					parameters: {
						resource: 'user',
						operation: 'upsert',
						mappingMode: 'defineBelow',
						identifiers: { email: '={{ $json.email }}', phone_number: '={{ $json.phone_number }}', uuid: '={{ $json.uuid }}' },
						attributes: {
							attribute: [
								{ name: 'name', value: '={{ $json.name }}' },
								{ name: 'age', value: '={{ $json.age }}' },
								{ name: 'email_optin', value: '={{ $json.email_optin }}' },
								{ name: 'c_loyalty_tier', value: '={{ $json.tier }}' },
								{ name: 'c_tags', value: '={{ $json.tags }}' },
							],
						},
						events: { event: [{ name: 'page_view', timestamp: '2024-03-01T12:00:00Z', params: '={{ JSON.stringify({ url: "https://x/" + $json.uuid }) }}' }] },
						options: {},
					},
				},
				{
					name: 'Get',
					type: 'insider',
					credentials,
					parameters: {
						resource: 'user',
						operation: 'get',
						addressBy: 'identifier',
						identifierType: 'email',
						identifierValue: '={{ $json.identifiers.email }}',
						attributeSelection: 'selected',
						attributeNames: ['name', 'age', 'email_optin', 'c_loyalty_tier', 'c_tags'],
						events: { event: [{ name: 'page_view', params: 'url, timestamp' }] },
						startDate: '2024-01-01T00:00:00Z',
						endDate: '2024-12-31T00:00:00Z',
						options: { quota: true },
					},
				},
				{
					name: 'Delete Tag',
					type: 'insider',
					credentials,
					parameters: { resource: 'user', operation: 'deleteAttribute', addressBy: 'identifier', identifierType: 'email', identifierValue: '={{ $json.identifiers.email }}', mode: 'partial', attributeName: 'c_tags', values: '[2]', options: {} },
				},
				{
					name: 'Delete Name',
					type: 'insider',
					credentials,
					parameters: { resource: 'user', operation: 'deleteAttribute', addressBy: 'identifier', identifierType: 'uuid', identifierValue: "={{ $('Input').item.json.uuid }}", mode: 'whole', attributeNames: ['name', 'c_loyalty_tier'], options: {} },
				},
				{
					name: 'Update Email',
					type: 'insider',
					credentials,
					parameters: { resource: 'identifier', operation: 'update', identifierType: 'email', currentValue: 'a@example.com', newValue: 'a.new@example.com', options: {} },
				},
				{
					name: 'Delete Phone',
					type: 'insider',
					credentials,
					parameters: { resource: 'identifier', operation: 'delete', identifierType: 'phone_number', identifierValue: '+6591000001', options: {} },
				},
				{
					name: 'Delete PII',
					type: 'insider',
					credentials,
					parameters: { resource: 'user', operation: 'deletePii', addressBy: 'insiderId', insiderId: "={{ $('Get').all()[2].json.attributes.iid }}", options: {} },
				},
				{
					name: 'Delete User',
					type: 'insider',
					credentials,
					parameters: { resource: 'user', operation: 'delete', addressBy: 'identifier', identifierType: 'email', identifierValue: 'b@example.com', options: {} },
				},
				{
					name: 'Export',
					type: 'insider',
					credentials,
					parameters: { resource: 'export', operation: 'start', segmentId: 1, attributeSelection: 'all', events: {}, format: 'csv', callbackUrl: hook.url },
				},
			],
		});
		for (const node of workflow.nodes) if (['Update Email', 'Delete Phone', 'Delete PII', 'Delete User', 'Export'].includes(node.name)) Object.assign(node, once);
		const run = await n8n.run(workflow);
		expect(run.status, run.logs.slice(-3000)).toBe('success');

		// Get returned what Upsert wrote, with types kept through n8n expressions ('' 0 false).
		const profiles = run.items('Get').map((item) => item.json);
		expect(profiles[0].attributes).toMatchObject({ name: 'Ann', age: 0, email_optin: false, c_loyalty_tier: 'gold', c_tags: [1, 2, 3] });
		expect(profiles[2].attributes).toMatchObject({ name: 'Cy', c_loyalty_tier: '' });
		expect(profiles[1].events).toEqual({ page_view: [{ url: 'https://x/ub', created_date: '2024-03-01T12:00:00Z' }] });
		expect(profiles[0].quota.total).toBe(1000);
		expect(run.items('Delete Tag')).toHaveLength(3);
		expect(run.items('Delete User')).toEqual([expect.objectContaining({ json: { deleted: true, identifiers: { email: 'b@example.com' } } })]);
		const started = run.items('Export')[0].json;
		expect(started).toMatchObject({ status: 'started', segmentId: 1, format: 'csv', callbackUrl: hook.url });

		const { users } = await insider().state();
		const find = (uuid: string) => users.find((user: any) => user.identifiers.uuid === uuid);
		expect(users).toHaveLength(2);
		expect(find(ids.b)).toBeUndefined();
		expect(find(ids.a)).toMatchObject({
			identifiers: { email: 'a.new@example.com', uuid: ids.a },
			attributes: { age: 0, email_optin: false, custom: { tags: [1, 3] } },
		});
		expect(find(ids.a).identifiers.phone_number).toBeUndefined();
		expect(find(ids.a).attributes.name).toBeUndefined();
		// Delete PII: personal attributes and email/phone gone, profile, events and other data kept.
		const c = find(ids.c);
		expect(c.identifiers).toEqual({ uuid: ids.c });
		expect(c.attributes).toEqual({ email_optin: true, custom: { tags: [3] } });
		expect(c.events).toHaveLength(1);

		// Export round trip: the sandbox posts the link to the callback; Download turns the file into items.
		const link = await hook.next();
		expect(link).toEqual({ url: started.url });
		hook.close();
		const download = await n8n.run(
			linearWorkflow({
				id: 'insiderDownload',
				inputItems: [link],
				nodes: [
					{ name: 'Download', type: 'insider', credentials, parameters: { resource: 'export', operation: 'download', output: 'items', options: {} } },
					{ name: 'File', type: 'insider', credentials, after: { node: 'Input' }, parameters: { resource: 'export', operation: 'download', output: 'binary', binaryPropertyName: 'data' } },
				],
			}),
		);
		expect(download.status, download.logs.slice(-3000)).toBe('success');
		const rows = download.items('Download').map((item) => item.json);
		const text = (value: unknown) => (value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value));
		// Columns are the union of what the users have; a user without a value gets an empty cell.
		const expected = users.map((user: any) => {
			const row: Record<string, string> = { iid: user.insider_id };
			for (const key of ['email', 'phone_number', 'uuid']) if (user.identifiers[key] !== undefined) row[key] = text(user.identifiers[key]);
			for (const [key, value] of Object.entries(user.attributes)) if (key !== 'custom') row[key] = text(value);
			for (const [key, value] of Object.entries(user.attributes.custom ?? {})) row[`c_${key}`] = text(value);
			return row;
		});
		const columns = [...new Set(expected.flatMap((row: Record<string, string>) => Object.keys(row)))] as string[];
		expect(rows).toEqual(expected.map((row: Record<string, string>) => Object.fromEntries(columns.map((column) => [column, row[column] ?? '']))));
		const file = download.items('File')[0];
		expect(file.json).toMatchObject({ fileName: expect.stringMatching(/\.csv$/), mimeType: 'text/csv' });
		expect(file.binary?.data).toMatchObject({ mimeType: 'text/csv' });
		expect(download.logs + run.logs).not.toContain(sandboxKeys.requestToken);
	});

	it('a saved version 2 node keeps its Null Values choice: Send as Null clears the stored attribute, Leave Out keeps it', async () => {
		await insider().reset();
		const seeded = await fetch(`${base}/api/user/v1/upsert`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', 'x-partner-name': sandboxKeys.partnerName, 'x-request-token': sandboxKeys.requestToken },
			body: JSON.stringify({ users: ['send', 'omit'].map((who) => ({ identifiers: { email: `${who}@example.com` }, attributes: { name: who, custom: { tier: 'gold' } } })) }),
		});
		expect(seeded.status).toBe(200);
		for (const choice of ['send', 'omit']) {
			const workflow = linearWorkflow({
				id: `insiderNullValues${choice}`,
				inputItems: [{ email: `${choice}@example.com`, name: `${choice} again`, tier: null }],
				nodes: [
					{
						name: 'Insider',
						type: 'insider',
						typeVersion: 2,
						credentials,
						parameters: { resource: 'user', operation: 'upsert', mappingMode: 'autoMap', options: { useMetadata: false, nullValues: choice } },
					},
				],
			});
			const run = await n8n.run(workflow);
			expect(run.status, run.logs.slice(-3000)).toBe('success');
			expect(run.items('Insider').map((item) => item.json.status)).toEqual(['accepted']);
		}
		const users = (await insider().state()).users as any[];
		const tier = (email: string) => users.find((user) => user.identifiers.email === email)?.attributes?.custom?.tier;
		expect(tier('send@example.com') ?? null).toBeNull();
		expect(tier('omit@example.com')).toBe('gold');
		expect(users.find((user) => user.identifiers.email === 'omit@example.com')?.attributes?.name).toBe('omit again');
	});
});

/** A tiny HTTP listener standing in for the Wait node's resume URL: it captures what the export posts. */
async function listener(): Promise<{ url: string; next(): Promise<any>; close(): void }> {
	const received: any[] = [];
	let wake: (() => void) | undefined;
	const server: Server = createServer((req, res) => {
		let body = '';
		req.on('data', (chunk) => (body += chunk));
		req.on('end', () => {
			received.push(JSON.parse(body));
			res.end('{}');
			wake?.();
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook-waiting/1`;
	return {
		url,
		async next() {
			for (let i = 0; i < 100 && received.length === 0; i++) await new Promise<void>((resolve) => ((wake = resolve), setTimeout(resolve, 100)));
			return received.shift();
		},
		close: () => server.close(),
	};
}
