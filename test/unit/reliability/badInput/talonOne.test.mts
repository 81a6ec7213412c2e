// Bad-input catalogue, Talon.One (issue #9): profile updates, audience memberships and audiences through the
// real node `execute`.
import { afterAll, beforeAll, describe, it } from 'vitest';

import { TalonOne } from '../../../../nodes/TalonOne/TalonOne.node';
import type { BadInputCase, VendorRig } from '../catalogue.mts';
import { checkCase } from '../catalogue.mts';
import { startRig } from '../rigs.mts';

let rig: VendorRig & { sandbox: { close(): Promise<void> } };
beforeAll(async () => {
	rig = await startRig({
		vendor: 'talonOne',
		node: () => new TalonOne(),
		nodeType: 'n8n-nodes-customer-profiles.talonOne',
		credentials: (known, baseUrl) => ({ talonOneCdpApi: { ...known, baseUrl } }),
		knobs: { requestsPerSecond: 60, burst: 60, profileLatencyMs: 0, profileOverlapStatus: null },
		baseParams: {
			resource: 'customerProfile',
			operation: 'update',
			customerProfileId: (_: number, json: Record<string, unknown>) => json.id,
			attributesMode: 'autoMapInputData',
			excludeFields: 'id',
		},
	});
});
afterAll(async () => await rig.sandbox.close());

const around = (bad: Record<string, unknown>) => [{ id: 'good-0', Language: 'english' }, bad, { id: 'good-2', Tier: 'gold' }];
const perItem = (bad: unknown, good: unknown) => (itemIndex: number) => (itemIndex === 1 ? bad : good);

export const cases: BadInputCase[] = [
	{
		name: 'empty Customer Profile ID',
		category: 'empty string',
		field: 'Customer Profile ID',
		items: around({ id: ' ', Nickname: 'marker-empty-id' }),
		params: {},
		marker: 'marker-empty-id',
	},
	{
		name: 'no Customer Profile ID at all',
		category: 'missing identifier',
		field: 'Customer Profile ID',
		message: /is missing/,
		items: around({ Nickname: 'marker-no-id' }),
		params: {},
		marker: 'marker-no-id',
	},
	{
		name: 'Customer Profile ID longer than 1000 characters',
		category: 'over a length cap',
		field: 'Customer Profile ID',
		items: around({ id: `marker-${'i'.repeat(1000)}` }),
		params: {},
		marker: 'marker-iiii',
	},
	{
		name: 'Customer Profile ID that is an object',
		category: 'wrong type',
		field: 'Customer Profile ID',
		items: around({ id: { crm: 7 }, Nickname: 'marker-object-id' }),
		params: {},
		marker: 'marker-object-id',
	},
	{
		name: 'Attributes (JSON) that is not valid JSON',
		category: 'invalid JSON',
		field: 'Attributes (JSON)',
		items: around({ id: 'marker-bad-json' }),
		params: { attributesMode: 'json', attributesJson: perItem('{"Language": "english",', '{"Language": "english"}') },
		marker: 'marker-bad-json',
	},
	{
		name: 'Attributes (JSON) that is a list, not an object',
		category: 'wrong type',
		field: 'Attributes (JSON)',
		items: around({ id: 'marker-json-list' }),
		params: { attributesMode: 'json', attributesJson: perItem('["Language", "english"]', '{"Tier": "gold"}') },
		marker: 'marker-json-list',
	},
	{
		name: 'attribute with an empty name',
		category: 'forbidden attribute name',
		field: 'Attributes to Set[0].Name',
		items: around({ id: 'marker-empty-name' }),
		params: {
			attributesMode: 'defineBelow',
			'attributeValues.attribute': perItem([{ name: '  ', value: 'x' }], [{ name: 'Language', value: 'english' }]),
		},
		marker: 'marker-empty-name',
	},
	{
		name: 'audience ID that is a word, not a number',
		category: 'wrong type',
		field: 'Audience IDs to Add',
		items: around({ id: 'marker-audience-word' }),
		params: { audiencesToAdd: perItem('12, twelve', '') },
		marker: 'marker-audience-word',
	},
	{
		name: 'more than 1,000 audience changes in one profile update',
		category: 'over a count cap',
		field: 'Audience IDs to Add',
		items: around({ id: 'marker-many-audiences' }),
		params: { audiencesToAdd: perItem(Array.from({ length: 1001 }, (_, n) => n + 1), '') },
		marker: 'marker-many-audiences',
	},
	{
		name: 'external audience ID longer than 1000 characters',
		category: 'over a length cap',
		field: 'Audiences to Add',
		items: around({ id: 'marker-long-audience' }),
		params: {
			operation: 'updateAudiences',
			audienceIdType: 'external',
			audiencesToAdd: perItem(['fine', 'a'.repeat(1001)], []),
			audiencesToRemove: [],
		},
		marker: 'marker-long-audience',
		// Memberships go to audiences that do not exist in the sandbox: the good items still reach it.
	},
	{
		name: 'audience created with an empty name',
		category: 'empty string',
		field: 'Audience Name',
		items: [{ a: 'aud-0' }, { a: 'marker-unnamed-audience' }, { a: 'aud-2' }],
		params: {
			resource: 'audience',
			operation: 'create',
			audienceId: (_: number, json: Record<string, unknown>) => json.a,
			audienceName: perItem('', 'Newsletter'),
		},
		marker: 'marker-unnamed-audience',
	},
	{
		name: 'audience ID longer than 1000 characters',
		category: 'over a length cap',
		field: 'Audience ID',
		items: [{ a: 'aud-0' }, { a: `marker-${'a'.repeat(1000)}` }, { a: 'aud-2' }],
		params: {
			resource: 'audience',
			operation: 'create',
			audienceId: (_: number, json: Record<string, unknown>) => json.a,
			audienceName: 'Newsletter',
		},
		marker: 'marker-aaaa',
	},
];

describe('bad input catalogue: Talon.One', () => {
	it.each(cases.map((c) => [c.name, c] as const))('%s', async (_, testCase) => await checkCase(rig, testCase));
});
