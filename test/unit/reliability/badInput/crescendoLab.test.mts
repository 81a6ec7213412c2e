// Bad-input catalogue, Crescendo Lab (issue #9): import and export through the real node `execute`.
import { afterAll, beforeAll, describe, it } from 'vitest';

import { CrescendoLab } from '../../../../nodes/CrescendoLab/CrescendoLab.node';
import { MAX_IMPORT_BODY_BYTES } from '../../../../nodes/CrescendoLab/transport';
import { SandboxControl } from '../../../../sandbox/control.mts';
import { maacCredentials } from '../../../../sandbox/crescendoLab.mts';
import type { BadInputCase, VendorRig } from '../catalogue.mts';
import { checkCase } from '../catalogue.mts';
import { startRig } from '../rigs.mts';

const FAST = { pollIntervalSeconds: 0.02, maxWaitSeconds: 60, maxRequestsPerMinute: 1500 };
const auto = { mappingMode: 'autoMapInputData', value: null };
const uid = (n: number) => `U${n.toString(16).padStart(32, '0')}`;

let rig: VendorRig & { sandbox: { close(): Promise<void> } };
beforeAll(async () => {
	rig = await startRig({
		vendor: 'crescendoLab',
		node: () => new CrescendoLab(),
		nodeType: 'n8n-nodes-customer-profiles.crescendoLab',
		credentials: (known, baseUrl) => ({
			crescendoLabApi: { ...known, baseUrl },
			crescendoLabMaacApi: { ...maacCredentials, baseUrl },
		}),
		timeScale: 0.01,
		knobs: { busyStatus: 429, rateLimit: 15, rateWindowMs: 60_000, pendingMs: 1000, processingMsPer1000: 1000, brokenExports: {} },
		baseParams: { authentication: 'profileApi', resource: 'contact', operation: 'import', importKey: 'customer_id', columns: auto, options: FAST },
	});
});
afterAll(async () => await rig.sandbox.close());

/** Two good contacts around the bad one. */
const around = (bad: Record<string, unknown>) => [{ customer_id: 'c-0', display_name: 'Ann' }, bad, { customer_id: 'c-2', city: 'Taipei' }];
const maac = { authentication: 'maacApi' };
const aroundMaac = (bad: Record<string, unknown>) => [{ customer_id: 'c-0', line_display_name: 'Ann' }, bad, { customer_id: 'c-2', gender: 'female' }];

export const importCases: BadInputCase[] = [
	{
		name: 'display_mobile that is not a phone number',
		category: 'malformed phone',
		field: 'display_mobile',
		items: around({ customer_id: 'c-1', display_mobile: 'call me 555' }),
		params: {},
		marker: 'call me 555',
	},
	{
		name: 'display_mobile without "+" and country code (not E.164, not a local 09… number)',
		category: 'malformed phone',
		field: 'display_mobile',
		items: around({ customer_id: 'c-1', display_mobile: '886912345678' }),
		params: {},
		marker: '886912345678',
	},
	{
		name: 'a column the Profile API does not know under Map Automatically (e.g. a CSV "id")',
		category: 'forbidden attribute name',
		field: 'id',
		items: around({ customer_id: 'c-1', id: 'row-17' }),
		params: {},
		marker: 'row-17',
	},
	{
		name: 'MAAC v1 mobile with letters in it',
		category: 'malformed phone',
		field: 'mobile',
		items: aroundMaac({ customer_id: 'c-1', mobile: '+8869x1234567' }),
		params: maac,
		marker: '+8869x1234567',
	},
	{
		name: 'display_email without an @',
		category: 'malformed email',
		field: 'display_email',
		items: around({ customer_id: 'c-1', display_email: 'ann.example.com' }),
		params: {},
		marker: 'ann.example.com',
	},
	{
		name: 'LINE UID that is not U + 32 hex characters',
		category: 'wrong type',
		field: 'line_uid',
		items: around({ customer_id: 'c-1', line_uid: 'U-not-a-line-uid' }),
		params: {},
		marker: 'U-not-a-line-uid',
	},
	{
		name: 'gender "unknown", which MAAC v1 refuses',
		category: 'wrong type',
		field: 'gender',
		items: aroundMaac({ customer_id: 'c-1', gender: 'unknown', line_display_name: 'marker-gender' }),
		params: maac,
		marker: 'marker-gender',
	},
	{
		name: 'birthday written DD/MM/YYYY',
		category: 'wrong type',
		field: 'birthday',
		items: around({ customer_id: 'c-1', birthday: '17/05/1990' }),
		params: {},
		marker: '17/05/1990',
	},
	{
		name: 'tag longer than 50 characters',
		category: 'over a length cap',
		field: 'tags',
		items: around({ customer_id: 'c-1', tags: `vip, ${'t'.repeat(51)}` }),
		params: {},
		marker: 't'.repeat(51),
	},
	{
		name: 'display_name longer than 255 characters',
		category: 'over a length cap',
		field: 'display_name',
		items: around({ customer_id: 'c-1', display_name: 'n'.repeat(256) }),
		params: {},
		marker: 'n'.repeat(256),
	},
	{
		name: 'a field MAAC v1 import does not have',
		category: 'forbidden attribute name',
		field: 'nickname',
		items: aroundMaac({ customer_id: 'c-1', nickname: 'marker-nickname' }),
		params: maac,
		marker: 'marker-nickname',
	},
	{
		name: 'an object where text is expected',
		category: 'wrong type',
		field: 'display_name',
		items: around({ customer_id: 'c-1', display_name: { first: 'marker-object' } }),
		params: {},
		marker: 'marker-object',
	},
	{
		name: 'import key given as an empty string',
		category: 'empty string',
		field: 'customer_id',
		items: around({ customer_id: '  ', display_name: 'marker-empty-key' }),
		params: {},
		marker: 'marker-empty-key',
	},
	{
		name: 'no import key at all',
		category: 'missing identifier',
		field: 'line_uid',
		items: [{ line_uid: uid(1) }, { display_name: 'marker-no-key' }, { line_uid: uid(3) }],
		params: { importKey: 'line_uid' },
		marker: 'marker-no-key',
	},
	{
		name: 'import key repeating an earlier item (the vendor would fail the whole task)',
		category: 'missing identifier',
		field: 'customer_id',
		items: [{ customer_id: 'c-0' }, { customer_id: 'c-0', display_name: 'marker-duplicate' }, { customer_id: 'c-2' }],
		params: {},
		marker: 'marker-duplicate',
	},
	{
		name: 'a contact bigger than the 10 MB request body',
		category: 'item bigger than a request',
		field: 'note',
		items: around({ customer_id: 'c-1', note: `marker-huge${'x'.repeat(MAX_IMPORT_BODY_BYTES)}` }),
		params: {},
		marker: 'marker-huge',
	},
];

const contacts = [
	{ customer_id: 'e-1', display_name: 'Ann', updated_at: '2026-01-02 10:00:00' },
	{ customer_id: 'e-2', display_name: 'Bo', updated_at: '2026-01-03 10:00:00' },
];
const exportParams = (options: (itemIndex: number) => Record<string, unknown>) => ({
	operation: 'export',
	output: 'items',
	options: (itemIndex: number) => ({ ...FAST, ...options(itemIndex) }),
});
const seed = async (vendor: { url: string }, brokenExports: Record<string, string> = {}) => {
	await new SandboxControl(vendor.url).configure({ knobs: { contacts, brokenExports } });
};

export const exportCases: BadInputCase[] = [
	{
		name: 'Updated Since that is not a date',
		category: 'wrong type',
		field: 'Updated Since',
		items: [{}, {}, {}],
		params: exportParams((i) => (i === 1 ? { updatedSince: 'last tuesday-ish' } : {})),
		marker: 'tuesday',
		validatesAllFirst: false,
		onePerInput: false,
		setup: async (vendor) => await seed(vendor),
	},
	{
		name: 'export file with a broken row (unclosed quote)',
		category: 'CSV with a broken row',
		field: 'malformed CSV at line',
		items: [{}, {}, {}],
		params: exportParams(() => ({})),
		fetches: true,
		onePerInput: false,
		// Export tasks are numbered from 1001 in item order: item 1 starts task 1002.
		setup: async (vendor) => await seed(vendor, { '1002': 'brokenRow' }),
	},
	{
		name: 'download link answering with an HTML page',
		category: 'download returns HTML',
		field: 'download link',
		items: [{}, {}, {}],
		params: exportParams(() => ({})),
		fetches: true,
		onePerInput: false,
		setup: async (vendor) => await seed(vendor, { '1002': 'html' }),
	},
	{
		name: 'download link answering 404',
		category: 'download returns 404',
		field: 'download link',
		items: [{}, {}, {}],
		params: exportParams(() => ({})),
		fetches: true,
		onePerInput: false,
		setup: async (vendor) => await seed(vendor, { '1002': 'notFound' }),
	},
];

describe('bad input catalogue: Crescendo Lab import', () => {
	it.each(importCases.map((c) => [c.name, c] as const))('%s', async (_, testCase) => await checkCase(rig, testCase));
});

describe('bad input catalogue: Crescendo Lab export', () => {
	it.each(exportCases.map((c) => [c.name, c] as const))('%s', async (_, testCase) => await checkCase(rig, testCase));
});
