// Bad-input catalogue, Batch (issue #9): profile create-or-update and delete through the real node `execute`.
import { afterAll, beforeAll, describe, it } from 'vitest';

import { Batch } from '../../../../nodes/Batch/Batch.node';
import type { BadInputCase, VendorRig } from '../catalogue.mts';
import { checkCase } from '../catalogue.mts';
import { startRig } from '../rigs.mts';

let rig: VendorRig & { sandbox: { close(): Promise<void> } };
beforeAll(async () => {
	rig = await startRig({
		vendor: 'batch',
		node: () => new Batch(),
		nodeType: 'n8n-nodes-customer-profiles.batch',
		credentials: (known, baseUrl) => ({ batchApi: { ...known, baseUrl } }),
		knobs: { gdprDelayMs: 0, visibilityDelayMs: 0, sendRetryAfter: false },
		baseParams: {
			resource: 'profile',
			operation: 'createOrUpdate',
			customIdField: 'custom_id',
			attributesToSend: 'allFields',
			nativeAttributes: {},
			additionalFields: {},
			// Sync state is kept per run here (a fresh static data object), so every good item is sent.
			options: { onlySendChanges: false },
		},
	});
});
afterAll(async () => await rig.sandbox.close());

const around = (bad: Record<string, unknown>) => [{ custom_id: 'good-0', plan: 'pro' }, bad, { custom_id: 'good-2', plan: 'free' }];
const perItem = (bad: unknown, good: unknown) => (itemIndex: number) => (itemIndex === 1 ? bad : good);

export const cases: BadInputCase[] = [
	{
		name: '$email_address without a domain',
		category: 'malformed email',
		field: '$email_address',
		items: around({ custom_id: 'marker-email', $email_address: 'ann@localhost' }),
		params: {},
		marker: 'marker-email',
	},
	{
		name: 'phone number that is not E.164',
		category: 'malformed phone',
		field: 'phoneNumber',
		items: around({ custom_id: 'marker-phone' }),
		params: { nativeAttributes: perItem({ phoneNumber: '06 12 34 56 78' }, {}) },
		marker: 'marker-phone',
	},
	{
		name: 'attribute name with capitals and spaces',
		category: 'forbidden attribute name',
		field: 'Favourite Colour',
		items: around({ custom_id: 'marker-name', 'Favourite Colour': 'green' }),
		params: {},
		marker: 'marker-name',
	},
	{
		name: '"$" attribute that is not a native one',
		category: 'forbidden attribute name',
		field: '$vip',
		items: around({ custom_id: 'marker-dollar', $vip: true }),
		params: {},
		marker: 'marker-dollar',
	},
	{
		name: 'string attribute longer than 300 characters',
		category: 'over a length cap',
		field: 'bio',
		items: around({ custom_id: 'marker-long', bio: 'b'.repeat(301) }),
		params: {},
		marker: 'marker-long',
	},
	{
		name: 'array attribute with more than 25 items',
		category: 'over a count cap',
		field: 'interests',
		items: around({ custom_id: 'marker-array', interests: Array.from({ length: 26 }, (_, n) => `i${n}`) }),
		params: {},
		marker: 'marker-array',
	},
	{
		name: 'more than 50 custom attributes on one profile',
		category: 'over a count cap',
		field: 'a50',
		items: around({ custom_id: 'marker-many', ...Object.fromEntries(Array.from({ length: 51 }, (_, n) => [`a${n}`, n])) }),
		params: {},
		marker: 'marker-many',
	},
	{
		name: 'nested object as an attribute',
		category: 'wrong type',
		field: 'address',
		items: around({ custom_id: 'marker-object', address: { city: 'Paris' } }),
		params: {},
		marker: 'marker-object',
	},
	{
		name: 'custom ID "undefined" (a conversion bug upstream)',
		category: 'wrong type',
		field: 'custom_id',
		items: around({ custom_id: 'undefined', plan: 'marker-undefined-id' }),
		params: {},
		marker: 'marker-undefined-id',
	},
	{
		name: 'empty custom ID',
		category: 'empty string',
		field: 'custom_id',
		items: around({ custom_id: '', plan: 'marker-empty-id' }),
		params: {},
		marker: 'marker-empty-id',
	},
	{
		name: 'no custom ID field at all',
		category: 'missing identifier',
		field: 'custom_id',
		items: around({ plan: 'marker-no-id' }),
		params: {},
		marker: 'marker-no-id',
	},
	{
		name: 'events JSON that is not valid JSON',
		category: 'invalid JSON',
		field: 'events',
		items: around({ custom_id: 'marker-events' }),
		params: { additionalFields: perItem({ events: '[{"name": "purchase",' }, {}) },
		marker: 'marker-events',
	},
	{
		name: 'event name with spaces and capitals',
		category: 'forbidden attribute name',
		field: 'events',
		items: around({ custom_id: 'marker-event-name' }),
		params: { additionalFields: perItem({ events: '[{"name": "Purchase Done"}]' }, {}) },
		marker: 'marker-event-name',
	},
	{
		name: 'native and custom attributes together over the 50-attribute cap',
		category: 'over a count cap',
		field: 'region',
		message: /51 attributes \(native and custom together\)/,
		items: around({ custom_id: 'marker-cap', plan: 'marker-cap', ...Object.fromEntries(Array.from({ length: 47 }, (_, i) => [`a${i}`, i])) }),
		params: { nativeAttributes: perItem({ emailAddress: 'ann@example.com', phoneNumber: '+33600000000', region: 'FR' }, {}) },
		marker: 'marker-cap',
	},
	{
		name: 'a value that does not fit its column\'s type (Convert Text Values)',
		category: 'wrong type',
		field: 'logins',
		message: /true is a boolean, but the attribute "logins" is a number from item 0 on/,
		items: [
			{ custom_id: 'good-0', logins: '5' },
			{ custom_id: 'marker-column', logins: true, plan: 'marker-column' },
			{ custom_id: 'good-2', logins: '7' },
		],
		params: { options: { onlySendChanges: false, convertTextValues: true } },
		marker: 'marker-column',
	},
	{
		name: 'delete with an empty custom ID',
		category: 'empty string',
		field: 'customId',
		items: [{ id: 'gone-0' }, { id: '' }, { id: 'gone-2' }],
		params: { operation: 'delete', customId: (_: number, json: Record<string, unknown>) => json.id, options: {} },
	},
];

describe('bad input catalogue: Batch', () => {
	it.each(cases.map((c) => [c.name, c] as const))('%s', async (_, testCase) => await checkCase(rig, testCase));
});
