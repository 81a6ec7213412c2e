import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ILoadOptionsFunctions } from 'n8n-workflow';
import { beforeEach, describe, expect, it } from 'vitest';

import { Insider } from '../../../nodes/Insider/Insider.node';
import { credentials } from '../../../sandbox/insider.mts';
import { fakeContext, runNode, runNodeFailing } from './context.mts';
import { useInsider } from './sandbox.mts';

const { baseUrl, state, configure } = await useInsider();

const run = (parameters: any, items: any[] = [{}], extra: Record<string, unknown> = {}) => runNode({ baseUrl, credentials, items, parameters, ...extra });

const seed = () => [
	{
		insider_id: 'iid-a',
		identifiers: { email: 'a@x.io', phone_number: '+6591000001', uuid: 'ua', custom: { crm_id: 'C1' } },
		attributes: { name: 'Ann', city: 'Oslo', list_id: [1, 2, 3], custom: { tier: 'gold', tags: ['x', 'y'] } },
		events: [{ event_name: 'page_view', timestamp: '2024-02-01T00:00:00Z', event_params: { url: 'https://a' } }],
	},
	{ insider_id: 'iid-b', identifiers: { email: 'b@x.io' }, attributes: { name: 'Bob' }, events: [] },
];

beforeEach(async () => {
	await configure({ users: seed(), exportDelayMs: 30 });
});

describe('User → Get', () => {
	it('reads by identifier or Insider ID with selected attributes, events in a range and quota', async () => {
		const { output, requests } = await run(
			(i: number) => ({
				resource: 'user',
				operation: 'get',
				addressBy: i === 0 ? 'identifier' : 'insiderId',
				identifierType: 'custom',
				customIdentifierName: 'crm_id',
				identifierValue: 'C1',
				insiderId: 'iid-b',
				attributeSelection: 'selected',
				attributeNames: ['name', 'c_tier'],
				events: { event: [{ name: 'page_view', params: 'url, timestamp' }] },
				startDate: '2024-01-01T00:00:00.000Z',
				endDate: '2024-03-01T00:00:00.000Z',
				options: { quota: true },
			}),
			[{}, {}],
		);
		expect(requests[0].body).toEqual({
			identifiers: { custom: { crm_id: 'C1' } },
			attributes: ['name', 'c_tier'],
			events: { start_date: 1704067200, end_date: 1709251200, wanted: [{ event_name: 'page_view', params: ['url', 'timestamp'] }] },
			quota: true,
		});
		expect(output[0].json).toEqual({
			identifiers: { custom: { crm_id: 'C1' } },
			attributes: { name: 'Ann', c_tier: 'gold', iid: 'iid-a' },
			events: { page_view: [{ url: 'https://a', created_date: '2024-02-01T00:00:00Z' }] },
			quota: { cost: 1.5, used: 1.5, total: 1000 },
		});
		expect(output[1].json).toMatchObject({ insider_id: 'iid-b', attributes: { name: 'Bob', iid: 'iid-b' }, events: {} });
	});

	it('reports an unknown user as that item’s error and needs events dates', async () => {
		const params = { resource: 'user', operation: 'get', addressBy: 'identifier', identifierType: 'email', attributeSelection: 'all', events: {}, options: {} };
		const { output } = await run((i: number) => ({ ...params, identifierValue: ['a@x.io', 'nobody@x.io'][i] }), [{}, {}], { continueOnFail: true });
		expect((output[0].json as any).attributes.name).toBe('Ann');
		expect(output[1].json.error).toBe('Item 1: The profile request failed. The service answered 404: no such user for these identifiers: no data');
		const error = await runNodeFailing({ baseUrl, credentials, parameters: { ...params, identifierValue: 'a@x.io', events: { event: [{ name: 'page_view', params: '' }] } } });
		expect(error.message).toContain('field "startDate"');
		expect(error.requests).toHaveLength(0);
	});
});

describe('User → Delete Attribute', () => {
	it('batches whole and partial deletions, default and custom, and maps a per-user failure', async () => {
		const items = [{ email: 'a@x.io' }, { email: 'b@x.io' }, { email: 'ghost@x.io' }];
		const { output, requests } = await run(
			(i: number) => ({
				resource: 'user',
				operation: 'deleteAttribute',
				addressBy: 'identifier',
				identifierType: 'email',
				identifierValue: items[i].email,
				mode: i === 0 ? 'partial' : 'whole',
				attributeName: 'c_tags',
				values: 'y',
				attributeNames: ['name', 'c_tier'],
				options: {},
			}),
			items,
			{ continueOnFail: true },
		);
		expect(requests).toHaveLength(1);
		expect(requests[0].body.users).toEqual([
			{ identifiers: { email: 'a@x.io' }, custom: { partial: { tags: ['y'] } } },
			{ identifiers: { email: 'b@x.io' }, whole: ['name'], custom: { whole: ['tier'] } },
			{ identifiers: { email: 'ghost@x.io' }, whole: ['name'], custom: { whole: ['tier'] } },
		]);
		expect(output[0].json.deleted).toBe(true);
		expect(output[2].json.error).toBe('Item 2, field "identifiers": no such user for these identifiers');
		const users = (await state()).users;
		expect(users[0].attributes.custom.tags).toEqual(['x']);
		expect(users[1].attributes).toEqual({ custom: {} });
	});

	it('sends an identifier attribute and shows the refusal Insider gives for an account that uses it as identifier', async () => {
		const { output, requests } = await run(
			{ resource: 'user', operation: 'deleteAttribute', addressBy: 'insiderId', insiderId: 'iid-a', mode: 'whole', attributeNames: ['email'], options: {} },
			[{}],
			{ continueOnFail: true },
		);
		expect(requests[0].body).toEqual({ users: [{ insider_id: 'iid-a', whole: ['email'] }] });
		expect(output[0].json.error).toContain('identifier attributes cannot be deleted: email');
	});
});

describe('Identifier → Update / Delete, User → Delete / Delete PII', () => {
	it('updates an identifier and maps the documented refusals to items', async () => {
		const { output, requests } = await run(
			(i: number) => ({ resource: 'identifier', operation: 'update', identifierType: 'email', currentValue: ['a@x.io', 'b@x.io'][i], newValue: ['a2@x.io', 'a2@x.io'][i], options: { concurrency: 1 } }),
			[{}, {}],
			{ continueOnFail: true },
		);
		expect(requests[0]).toMatchObject({ method: 'PATCH', body: { old_identifier: { email: 'a@x.io' }, new_identifier: { email: 'a2@x.io' } } });
		expect(output[0].json).toEqual({ updated: true, old_identifier: { email: 'a@x.io' }, new_identifier: { email: 'a2@x.io' } });
		expect(output[1].json.error).toContain('new identifier already has a user assigned to it: bad request');
		expect((await state()).users[0].identifiers.email).toBe('a2@x.io');
	});

	it('names the parameter when an identifier value is malformed or unchanged', async () => {
		const base = { resource: 'identifier', operation: 'update', identifierType: 'phone_number', options: {} };
		const bad = await runNodeFailing({ baseUrl, credentials, parameters: { ...base, currentValue: '+6591000001', newValue: '0912' } });
		expect(bad.message).toBe('Item 0, field "newValue": not an E.164 phone number (e.g. +6598765432): 0912');
		const same = await runNodeFailing({ baseUrl, credentials, parameters: { ...base, currentValue: '+6591000001', newValue: '+6591000001' } });
		expect(same.message).toBe('Item 0, field "newValue": is the same as the current value');
		expect(bad.requests.length + same.requests.length).toBe(0);
	});

	it('names Insider ID when it is empty', async () => {
		const error = await runNodeFailing({ baseUrl, credentials, parameters: { resource: 'user', operation: 'delete', addressBy: 'insiderId', insiderId: '', options: {} } });
		expect(error.message).toBe('Item 0, field "insiderId": is empty: give the Insider profile ID');
		expect(error.requests).toHaveLength(0);
	});

	it('sends DELETE with a JSON body and keeps the sole-identifier refusal per item', async () => {
		const { output, requests } = await run(
			(i: number) => ({ resource: 'identifier', operation: 'delete', identifierType: i === 0 ? 'phone_number' : 'email', identifierValue: ['+6591000001', 'b@x.io'][i], options: {} }),
			[{}, {}],
			{ continueOnFail: true },
		);
		expect(requests.map((r) => [r.method, JSON.stringify(r.body)]).sort()).toEqual([
			['DELETE', '{"identifiers":{"email":"b@x.io"}}'],
			['DELETE', '{"identifiers":{"phone_number":"+6591000001"}}'],
		]);
		expect(output[0].json).toEqual({ deleted: true, identifiers: { phone_number: '+6591000001' } });
		expect(output[1].json.error).toContain('you cannot delete the sole identifier specified for a user');
	});

	it('anonymises by Insider ID on the contact path and by identifier on the user path, then deletes', async () => {
		const { requests } = await run(
			(i: number) => ({ resource: 'user', operation: 'deletePii', addressBy: i === 0 ? 'insiderId' : 'identifier', insiderId: 'iid-a', identifierType: 'email', identifierValue: 'b@x.io', options: {} }),
			[{}, {}],
		);
		expect(requests.map((r) => `${new URL(r.url).pathname} ${JSON.stringify(r.body)}`).sort()).toEqual([
			'/api/contact/v1/anonymize {"insider_id":"iid-a"}',
			'/api/user/v1/anonymize {"identifiers":{"email":"b@x.io"}}',
		]);
		let users = (await state()).users;
		expect(users[0]).toMatchObject({ identifiers: { uuid: 'ua', custom: { crm_id: 'C1' } }, attributes: { list_id: [1, 2, 3], custom: { tier: 'gold', tags: ['x', 'y'] } } });
		expect(users[0].attributes.name).toBeUndefined();
		expect(users[0].events).toHaveLength(1);
		expect(users[1].anonymous).toBe(true);

		// Deleting by a bare Insider ID is undocumented: the fake accepts it only behind its knob.
		await configure({ deleteByInsiderId: true });
		await run({ resource: 'user', operation: 'delete', addressBy: 'insiderId', insiderId: 'iid-a', options: {} });
		users = (await state()).users;
		expect(users.map((user: any) => user.insider_id)).toEqual(['iid-b']);
	});
});

describe('Export → Start / Download', () => {
	it('starts an export, receives the link on the callback, and downloads it as items and as a file', async () => {
		const posted: any[] = [];
		const hook = createServer((req, res) => {
			let text = '';
			req.on('data', (chunk) => (text += chunk));
			req.on('end', () => (posted.push(JSON.parse(text)), res.end()));
		});
		await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
		const callbackUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/resume`;
		const start = { resource: 'export', operation: 'start', segmentId: 1, attributeSelection: 'selected', attributeNames: ['email', 'name', 'c_tier'], events: {}, format: 'csv', callbackUrl };
		const { output, requests } = await run(start);
		expect(requests[0].body).toEqual({ segment: { segment_id: 1 }, attributes: ['email', 'name', 'c_tier'], format: 'csv', hook: callbackUrl });
		expect(output[0].json).toMatchObject({ status: 'started', segmentId: 1, url: expect.stringContaining('/sandboxpartner/p/export-1.csv') });
		for (let i = 0; i < 100 && posted.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
		hook.close();
		expect(posted).toEqual([{ url: output[0].json.url }]);

		// The daily quota: a second start fails at once, without retries.
		const again = await runNodeFailing({ baseUrl, credentials, parameters: start });
		expect(again.message).toContain('The service answered 429: rejected: too many requests');
		expect(again.requests).toHaveLength(1);

		const items = await run({ resource: 'export', operation: 'download', url: posted[0].url, output: 'items', options: {} }, [{}]);
		expect(items.output).toEqual([
			{ json: { iid: 'iid-a', email: 'a@x.io', name: 'Ann', c_tier: 'gold' }, pairedItem: { item: 0 } },
			{ json: { iid: 'iid-b', email: 'b@x.io', name: 'Bob', c_tier: '' }, pairedItem: { item: 0 } },
		]);
		const raw = await run({ resource: 'export', operation: 'download', url: posted[0].url, output: 'items', options: { stripPrefix: false, maxRows: 1 } }, [{}]);
		expect(raw.output.map((item: any) => item.json)).toEqual([{ iid: 'iid-a', a_email: 'a@x.io', a_name: 'Ann', a_c_tier: 'gold' }]);
		const file = await run({ resource: 'export', operation: 'download', url: posted[0].url, output: 'binary', binaryPropertyName: 'data' }, [{}]);
		expect(file.output[0].json).toEqual({ url: posted[0].url, fileName: 'export-1.csv', mimeType: 'text/csv' });
		expect(Buffer.from(file.output[0].binary!.data.data, 'base64').toString()).toBe('iid,a_email,a_name,a_c_tier\r\niid-a,a@x.io,Ann,gold\r\niid-b,b@x.io,Bob,\r\n');
	});

	it('turns a JSON export into items and refuses an expired link', async () => {
		const posted: any[] = [];
		const hook = createServer((req, res) => {
			let text = '';
			req.on('data', (chunk) => (text += chunk));
			req.on('end', () => (posted.push(JSON.parse(text)), res.end()));
		});
		await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
		const callbackUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/resume`;
		await configure({ linkTtlMs: 400, exportResponse: 'empty' });
		const { output } = await run({ resource: 'export', operation: 'start', segmentId: 1, attributeSelection: 'selected', attributeNames: ['name', 'list_id'], events: {}, format: 'json', callbackUrl });
		expect(output[0].json.url).toBeUndefined();
		for (let i = 0; i < 100 && posted.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
		hook.close();
		const items = await run({ resource: 'export', operation: 'download', url: posted[0].url, output: 'items', options: {} });
		expect(items.output.map((item: any) => item.json)).toEqual([
			{ iid: 'iid-a', name: 'Ann', list_id: [1, 2, 3] },
			{ iid: 'iid-b', name: 'Bob' },
		]);
		await new Promise((resolve) => setTimeout(resolve, 450));
		const expired = await runNodeFailing({ baseUrl, credentials, parameters: { resource: 'export', operation: 'download', url: posted[0].url, output: 'items', options: {} } });
		expect(expired.message).toContain('The service answered 403: the download link has expired or does not exist');
		await configure({ linkTtlMs: 24 * 3600_000, exportResponse: 'url' });
	});

	it('refuses links on foreign hosts before sending the token, and reports an expired link', async () => {
		const foreign = await runNodeFailing({ baseUrl, credentials, parameters: { resource: 'export', operation: 'download', url: 'https://evil.example/p/x.csv', output: 'items', options: {} } });
		expect(foreign.message).toContain('field "url": must be an Insider export link');
		expect(foreign.requests).toHaveLength(0);
		const { output } = await run({ resource: 'export', operation: 'download', url: `${baseUrl}/sandboxpartner/p/missing.csv`, output: 'items', options: {} }, [{}], { continueOnFail: true });
		expect(output).toHaveLength(1);
		expect(output[0].json.error).toContain('The service answered 404: the download link has expired or does not exist');
	});
});

describe('loadOptions', () => {
	it('lists attributes and events from the metadata route', async () => {
		const { ctx } = fakeContext({ baseUrl, credentials, parameters: {} });
		const load = ctx as unknown as ILoadOptionsFunctions;
		const attributes = await new Insider().methods.loadOptions.getAttributes.call(load);
		expect(attributes.map((option) => option.value)).toContain('c_loyalty_tier');
		expect(attributes.find((option) => option.value === 'c_loyalty_tier')).toEqual({ name: 'Loyalty Tier — c_loyalty_tier', value: 'c_loyalty_tier', description: 'c_loyalty_tier (string)' });
		const events = await new Insider().methods.loadOptions.getEvents.call(load);
		expect(events.map((option) => option.value).sort()).toEqual(['page_view', 'purchase']);
	});
});
