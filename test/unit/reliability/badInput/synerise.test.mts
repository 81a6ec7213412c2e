// Bad-input catalogue, Synerise (issue #9): batch create-or-update and the single-profile operations
// through the real node `execute`, logging in with the sandbox's key (JWT) as n8n would.
import { afterAll, beforeAll, describe, it } from 'vitest';

import { MAX_BATCH_BYTES } from '../../../../nodes/Synerise/transport';
import { Synerise } from '../../../../nodes/Synerise/Synerise.node';
import type { BadInputCase, VendorRig } from '../catalogue.mts';
import { checkCase } from '../catalogue.mts';
import { runNodeSpec } from '../nodeRunner.mts';
import { startRig } from '../rigs.mts';

const auto = { mappingMode: 'autoMapInputData', value: null };

let rig: VendorRig & { sandbox: { close(): Promise<void> } };
beforeAll(async () => {
	rig = await startRig({
		vendor: 'synerise',
		node: () => new Synerise(),
		nodeType: 'n8n-nodes-customer-profiles.synerise',
		credentials: (known, baseUrl) => ({ syneriseApi: { ...known, baseUrl, token: '' } }),
		timeScale: 0.01,
		knobs: { applyDelayMs: 1500, ratePerSecond: 0, batchInvalidItems: 'drop', rejectEmailDomains: [] },
		baseParams: { resource: 'profile', operation: 'upsert', columns: auto, options: {}, additionalFields: {} },
	});
});
afterAll(async () => await rig.sandbox.close());

const around = (bad: Record<string, unknown>) => [
	{ customId: 'good-0', email: 'ann@example.com' },
	bad,
	{ customId: 'good-2', firstName: 'Bo' },
];
/** The profiles the single-profile cases find, created through the node itself. */
async function seedProfiles(): Promise<void> {
	const seeded = await runNodeSpec({
		node: rig.node(),
		nodeType: rig.nodeType,
		credentials: rig.credentials(),
		params: rig.baseParams!,
		items: [{ email: 'ann@example.com' }, { email: 'bo@example.com' }],
	});
	if (seeded.error) throw seeded.error;
	// The sandbox applies batches after a (scaled) delay, as Synerise does.
	await new Promise((resolve) => setTimeout(resolve, 200));
}

const perItem = (bad: unknown, good: unknown) => (itemIndex: number) => (itemIndex === 1 ? bad : good);

export const cases: BadInputCase[] = [
	{
		name: 'email with two @',
		category: 'malformed email',
		field: 'email',
		items: around({ customId: 'bad-1', email: 'jan@@example.com' }),
		params: {},
		marker: 'jan@@example.com',
	},
	{
		name: 'phone with letters in it',
		category: 'malformed phone',
		field: 'phone',
		items: around({ customId: 'bad-1', phone: '+48 12x 456 789' }),
		params: {},
		marker: '12x 456',
	},
	{
		name: 'custom attribute with a name Synerise reserves (and would drop silently)',
		category: 'forbidden attribute name',
		field: 'attributes.firstname',
		items: around({ customId: 'bad-1', firstname: 'marker-reserved' }),
		params: {},
		marker: 'marker-reserved',
	},
	{
		name: 'custom ID with an emoji (outside the Basic Multilingual Plane)',
		category: 'wrong type',
		field: 'customId',
		items: around({ customId: 'marker-\u{1F600}', city: 'Kraków' }),
		params: {},
		marker: 'marker-',
	},
	{
		name: 'birth date before 1900',
		category: 'wrong type',
		field: 'birthDate',
		items: around({ customId: 'marker-old', birthDate: '1899-12-31' }),
		params: {},
		marker: 'marker-old',
	},
	{
		name: 'sex that is not one of the vendor values',
		category: 'wrong type',
		field: 'sex',
		items: around({ customId: 'marker-sex', sex: 'robot' }),
		params: {},
		marker: 'marker-sex',
	},
	{
		name: 'agreement that is not true or false',
		category: 'wrong type',
		field: 'agreements.email',
		items: around({ customId: 'marker-agreement', agreements: { email: 'maybe' } }),
		params: {},
		marker: 'marker-agreement',
	},
	{
		name: 'profile without any identifier',
		category: 'missing identifier',
		field: 'email / phone / uuid / customId',
		items: around({ firstName: 'marker-anonymous' }),
		params: {},
		marker: 'marker-anonymous',
	},
	{
		name: 'Custom Attributes (JSON) that is not valid JSON',
		category: 'invalid JSON',
		field: 'Custom Attributes (JSON)',
		items: around({ customId: 'marker-json' }),
		params: { additionalFields: perItem({ customAttributes: '{"tier": gold}' }, { customAttributes: '{"tier": "gold"}' }) },
		marker: 'marker-json',
	},
	{
		name: 'a profile bigger than the 1 MB batch body',
		category: 'item bigger than a request',
		field: 'pad',
		items: around({ customId: 'marker-huge', pad: 'x'.repeat(MAX_BATCH_BYTES) }),
		params: {},
		marker: 'marker-huge',
	},
	{
		name: 'update by an email that is not an email address',
		category: 'malformed email',
		field: 'email',
		items: [{ e: 'ann@example.com' }, { e: 'marker(at)example.com' }, { e: 'bo@example.com' }],
		params: {
			operation: 'update',
			identifierType: 'email',
			identifierValue: (_: number, json: Record<string, unknown>) => json.e,
			columns: { mappingMode: 'defineBelow', value: { firstName: 'Updated' } },
		},
		marker: 'marker(at)',
		setup: seedProfiles,
	},
	{
		name: 'get by an empty email',
		category: 'empty string',
		field: 'email',
		items: [{ e: 'ann@example.com' }, { e: '' }, { e: 'bo@example.com' }],
		params: { operation: 'get', identifierType: 'email', identifierValue: (_: number, json: Record<string, unknown>) => json.e },
		setup: seedProfiles,
	},
];

describe('bad input catalogue: Synerise', () => {
	it.each(cases.map((c) => [c.name, c] as const))('%s', async (_, testCase) => await checkCase(rig, testCase));
});
