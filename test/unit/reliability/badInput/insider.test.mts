// Bad-input catalogue, Insider (issue #9): user upsert and export download through the real node `execute`.
import { afterAll, beforeAll, describe, it } from 'vitest';

import { Insider } from '../../../../nodes/Insider/Insider.node';
import { MAX_REQUEST_BYTES } from '../../../../nodes/Insider/transport';
import { SandboxControl } from '../../../../sandbox/control.mts';
import { credentials as known } from '../../../../sandbox/insider.mts';
import type { BadInputCase, VendorRig } from '../catalogue.mts';
import { checkCase } from '../catalogue.mts';
import { startRig } from '../rigs.mts';

let rig: VendorRig & { sandbox: { close(): Promise<void> } };
beforeAll(async () => {
	rig = await startRig({
		vendor: 'insider',
		node: () => new Insider(),
		nodeType: 'n8n-nodes-customer-profiles.insider',
		credentials: (data, baseUrl) => ({ insiderApi: { ...data, baseUrl } }),
		timeScale: 0.01,
		knobs: { staticFiles: {}, fail500: 0, failEdge: 0, applyDelayMs: 0 },
		baseParams: { resource: 'user', operation: 'upsert', mappingMode: 'autoMap', options: {} },
	});
});
afterAll(async () => await rig.sandbox.close());

const around = (bad: Record<string, unknown>) => [
	{ uuid: 'good-0', name: 'Ann' },
	bad,
	{ email: 'bo@example.com', city: 'Istanbul' },
];
const file = (name: string) => `${rig.vendor().url}/${known.partnerName}/p/${name}`;
const GOOD_CSV = 'a_uuid,a_name\nu-1,Ann\nu-2,Bo\n';

export const upsertCases: BadInputCase[] = [
	{
		name: 'email identifier without a dot in the domain',
		category: 'malformed email',
		field: 'identifiers.email',
		items: around({ email: 'marker@localhost', name: 'X' }),
		params: {},
		marker: 'marker@localhost',
	},
	{
		name: 'phone identifier that is not E.164',
		category: 'malformed phone',
		field: 'identifiers.phone_number',
		items: around({ phone_number: '0555 123 4567', name: 'marker-phone' }),
		params: {},
		marker: 'marker-phone',
	},
	{
		name: 'age given as words (the service wants a number)',
		category: 'wrong type',
		field: 'attributes.age',
		items: around({ uuid: 'marker-age', age: 'thirty' }),
		params: {},
		marker: 'marker-age',
	},
	{
		name: 'email opt-in given as "yes" (the service wants true or false)',
		category: 'wrong type',
		field: 'attributes.email_optin',
		items: around({ uuid: 'marker-optin', email_optin: 'yes' }),
		params: {},
		marker: 'marker-optin',
	},
	{
		name: 'birthday without the Z of UTC',
		category: 'wrong type',
		field: 'attributes.birthday',
		items: around({ uuid: 'marker-birthday', birthday: '1993-03-12T00:00:00+03:00' }),
		params: {},
		marker: 'marker-birthday',
	},
	{
		name: 'identifier key the service does not have',
		category: 'forbidden attribute name',
		field: 'identifiers.customer_no',
		items: around({ identifiers: { customer_no: 'marker-id-key' }, name: 'X' }),
		params: {},
		marker: 'marker-id-key',
	},
	{
		name: 'event name starting with a capital letter',
		category: 'forbidden attribute name',
		field: 'events.0.event_name',
		items: around({ uuid: 'marker-event', events: [{ event_name: 'Purchase', timestamp: '2024-01-10T21:35:20Z' }] }),
		params: {},
		marker: 'marker-event',
	},
	{
		name: 'event parameters that are not valid JSON',
		category: 'invalid JSON',
		field: 'events.0.event_params',
		items: [{ u: 'good-0' }, { u: 'marker-json' }, { u: 'good-2' }],
		params: {
			mappingMode: 'defineBelow',
			identifiers: (_: number, json: Record<string, unknown>) => ({ uuid: json.u }),
			'events.event': (itemIndex: number) => [
				{ name: 'page_view', timestamp: '2024-01-10T21:35:20Z', params: itemIndex === 1 ? '{"url": ' : '{"url": "/home"}' },
			],
		},
		marker: 'marker-json',
	},
	{
		name: 'identifier given as an object',
		category: 'wrong type',
		field: 'identifiers.uuid',
		items: around({ uuid: { id: 7 }, name: 'marker-object' }),
		params: {},
		marker: 'marker-object',
	},
	{
		name: 'only empty identifiers',
		category: 'missing identifier',
		field: 'identifiers',
		items: around({ uuid: '', email: '  ', name: 'marker-no-id' }),
		params: {},
		marker: 'marker-no-id',
	},
	{
		name: 'a user bigger than the 5 MB request body',
		category: 'item bigger than a request',
		field: 'blob',
		items: around({ uuid: 'marker-huge', blob: 'x'.repeat(MAX_REQUEST_BYTES) }),
		params: {},
		marker: 'marker-huge',
	},
];

const downloadParams = { resource: 'export', operation: 'download', output: 'items', options: {} };
const staticFiles = async (vendor: { url: string }, files: Record<string, { status?: number; contentType: string; body: string }>) => {
	await new SandboxControl(vendor.url).configure({
		knobs: { staticFiles: { 'good.csv': { contentType: 'text/csv', body: GOOD_CSV }, ...files } },
	});
};

export const downloadCases: BadInputCase[] = [
	{
		name: 'download link answering 200 with an HTML page',
		category: 'download returns HTML',
		field: 'download link',
		items: [{ f: 'good.csv' }, { f: 'login.csv' }, { f: 'good.csv' }],
		params: { ...downloadParams, url: (_: number, json: Record<string, unknown>) => file(String(json.f)) },
		fetches: true,
		onePerInput: false,
		setup: async (vendor) =>
			await staticFiles(vendor, { 'login.csv': { contentType: 'text/html; charset=utf-8', body: '<!doctype html><html><body>Sign in</body></html>' } }),
	},
	{
		name: 'download link answering 404',
		category: 'download returns 404',
		field: 'download link',
		items: [{ f: 'good.csv' }, { f: 'gone.csv' }, { f: 'good.csv' }],
		params: { ...downloadParams, url: (_: number, json: Record<string, unknown>) => file(String(json.f)) },
		fetches: true,
		onePerInput: false,
		setup: async (vendor) => await staticFiles(vendor, {}),
	},
	{
		name: 'export file with a broken row (unclosed quote)',
		category: 'CSV with a broken row',
		field: 'malformed CSV at line',
		items: [{ f: 'good.csv' }, { f: 'broken.csv' }, { f: 'good.csv' }],
		params: { ...downloadParams, url: (_: number, json: Record<string, unknown>) => file(String(json.f)) },
		fetches: true,
		onePerInput: false,
		setup: async (vendor) =>
			await staticFiles(vendor, { 'broken.csv': { contentType: 'text/csv', body: 'a_uuid,a_name\nu-1,Ann\n"u-2,Bo\nu-3,Cy\n' } }),
	},
	{
		name: 'download link that is not a URL',
		category: 'wrong type',
		field: 'url',
		items: [{ f: 'good.csv' }, { f: 'marker-not-a-link' }, { f: 'good.csv' }],
		params: { ...downloadParams, url: (_: number, json: Record<string, unknown>) => (json.f === 'good.csv' ? file('good.csv') : 'marker-not-a-link') },
		marker: 'marker-not-a-link',
		validatesAllFirst: false,
		onePerInput: false,
		setup: async (vendor) => await staticFiles(vendor, {}),
	},
];

describe('bad input catalogue: Insider upsert', () => {
	it.each(upsertCases.map((c) => [c.name, c] as const))('%s', async (_, testCase) => await checkCase(rig, testCase));
});

describe('bad input catalogue: Insider export download', () => {
	it.each(downloadCases.map((c) => [c.name, c] as const))('%s', async (_, testCase) => await checkCase(rig, testCase));
});
