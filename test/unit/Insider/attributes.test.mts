// Issue #14 and #18: default attributes at the root of `attributes` (email, phone_number, uuid and the
// other defaults), the account's metadata deciding for names the built-in list does not know, Delete
// Attribute on email/phone/uuid, and birthdays given as a calendar date.
import { beforeEach, describe, expect, it } from 'vitest';

import { credentials, defaultKnobs } from '../../../sandbox/insider.mts';
import { NODE, runNode, runNodeFailing } from './context.mts';
import { useInsider } from './sandbox.mts';

const { baseUrl, state, configure } = await useInsider();

const run = (parameters: any, items: any[] = [{}], extra: Record<string, unknown> = {}) => runNode({ baseUrl, credentials, items, parameters, ...extra });
const upsertPaths = (requests: Array<{ url: string }>) => requests.map((request) => new URL(request.url).pathname);

beforeEach(async () => {
	await configure(defaultKnobs() as unknown as Record<string, unknown>);
	NODE.typeVersion = 1;
});

describe('Upsert: default attributes are root attributes', () => {
	it('sends email, phone_number, uuid and app_version set as attributes at the root, never under custom (Define Below)', async () => {
		const { output, requests } = await run({
			resource: 'user',
			operation: 'upsert',
			mappingMode: 'defineBelow',
			identifiers: {},
			customIdentifiers: { identifier: [{ name: 'crm_id', value: 'C9' }] },
			attributes: {
				attribute: [
					{ name: 'email', value: 'ann@example.com' },
					{ name: 'phone_number', value: '+6591234567' },
					{ name: 'uuid', value: 'u-9' },
					{ name: 'app_version', value: '4.2.0' },
					{ name: 'c_tier', value: 'gold' },
				],
			},
			options: {},
		});
		expect(requests[0].body.users[0]).toEqual({
			identifiers: { custom: { crm_id: 'C9' } },
			attributes: { email: 'ann@example.com', phone_number: '+6591234567', uuid: 'u-9', app_version: '4.2.0', custom: { tier: 'gold' } },
		});
		expect(output[0].json.status).toBe('accepted');
		const user = (await state()).users[0];
		expect(user.attributes).toMatchObject({ email: 'ann@example.com', phone_number: '+6591234567', uuid: 'u-9', app_version: '4.2.0' });
		expect(user.attributes.custom).toEqual({ tier: 'gold' });
	});

	it('sends an "attributes" object of an item with email at the root (Map Automatically)', async () => {
		const { requests } = await run({ resource: 'user', operation: 'upsert', mappingMode: 'autoMap', options: {} }, [
			{ uuid: 'u-1', attributes: { email: 'ann@example.com', phone_number: '+6591234567' }, name: 'Ann' },
		]);
		expect(requests[0].body.users[0]).toEqual({
			identifiers: { uuid: 'u-1' },
			attributes: { email: 'ann@example.com', phone_number: '+6591234567', name: 'Ann' },
		});
	});

	it('node version 2 lets the account metadata decide names the built-in list does not know', async () => {
		NODE.typeVersion = 2;
		await configure({
			attributeCatalogue: [
				{ key: 'membership_level', display_name: 'Membership Level', type: 'string' },
				{ key: 'c_tier', display_name: 'Tier', type: 'string' },
			],
		});
		const { requests } = await run({ resource: 'user', operation: 'upsert', mappingMode: 'autoMap', options: {} }, [
			{ uuid: 'u-1', membership_level: 'plus', tier: 'gold', brand_new: 1 },
		]);
		expect(upsertPaths(requests)).toEqual(['/api/user/v3/metadata/columns', '/api/user/v1/upsert']);
		expect(requests[0].body).toEqual({ table: 'contacts' });
		expect(requests[1].body.users[0].attributes).toEqual({ membership_level: 'plus', custom: { tier: 'gold', brand_new: 1 } });
	});

	it('node version 2 falls back to the built-in list when the token cannot read the metadata', async () => {
		NODE.typeVersion = 2;
		await configure({ deniedRoutes: ['POST /api/user/v3/metadata/columns'] });
		const { output, requests } = await run({ resource: 'user', operation: 'upsert', mappingMode: 'autoMap', options: {} }, [
			{ uuid: 'u-1', membership_level: 'plus', email_optin: true },
		]);
		expect(requests[1].body.users[0].attributes).toEqual({ email_optin: true, custom: { membership_level: 'plus' } });
		expect(output[0].json.status).toBe('accepted');
	});

	it('node version 1 keeps its behaviour: no metadata read', async () => {
		const { requests } = await run({ resource: 'user', operation: 'upsert', mappingMode: 'autoMap', options: {} }, [{ uuid: 'u-1', tier: 'gold' }]);
		expect(upsertPaths(requests)).toEqual(['/api/user/v1/upsert']);
	});
});

describe('Upsert: birthdays (#18)', () => {
	const upsert = (birthday: unknown) =>
		run({ resource: 'user', operation: 'upsert', mappingMode: 'autoMap', options: {} }, [{ uuid: 'u-1', birthday }]);

	it.each([
		['1993-03-12', '1993-03-12T00:00:00Z'],
		['1993-03-12T00:00:00+00:00', '1993-03-12T00:00:00Z'],
		['1993-03-12T00:00:00Z', '1993-03-12T00:00:00Z'],
	])('sends %s as %s, which Insider accepts', async (given, sent) => {
		const { output, requests } = await upsert(given);
		expect(requests[0].body.users[0].attributes.birthday).toBe(sent);
		expect(output[0].json.status).toBe('accepted');
		expect((await state()).users[0].attributes.birthday).toBe(sent);
	});

	it.each([
		['1993-02-30', 'is not a calendar date'],
		['1993-03-12T00:00:00+03:00', 'time-zone offset'],
		['12/03/1993', 'YYYY-MM-DD'],
	])('refuses %s before sending, naming the field', async (given, text) => {
		const error = await runNodeFailing({
			baseUrl,
			credentials,
			items: [{ uuid: 'u-1', birthday: given }],
			parameters: { resource: 'user', operation: 'upsert', mappingMode: 'autoMap', options: {} },
		});
		expect(error.message).toContain('Item 0, field "attributes.birthday"');
		expect(error.message).toContain(text);
		expect(error.requests).toHaveLength(0);
	});
});

describe('Delete Attribute: email, phone_number and uuid', () => {
	const seed = [
		{
			insider_id: 'iid-a',
			identifiers: { email: 'a@x.io' },
			attributes: { phone_number: '+6591000001', uuid: 'ua', app_version: '1.0', name: 'Ann', custom: { tier: 'gold' } },
			events: [],
		},
	];

	it('sends them and other defaults in "whole"; Insider deletes those the account does not use as identifiers', async () => {
		await configure({ users: seed, identifierAttributes: ['email'] });
		const { output, requests } = await run({
			resource: 'user',
			operation: 'deleteAttribute',
			addressBy: 'identifier',
			identifierType: 'email',
			identifierValue: 'a@x.io',
			mode: 'whole',
			attributeNames: ['phone_number', 'uuid', 'app_version', 'c_tier'],
			options: {},
		});
		expect(requests[0].body.users[0]).toEqual({
			identifiers: { email: 'a@x.io' },
			whole: ['phone_number', 'uuid', 'app_version'],
			custom: { whole: ['tier'] },
		});
		expect(output[0].json.deleted).toBe(true);
		expect((await state()).users[0].attributes).toEqual({ name: 'Ann', custom: {} });
	});

	it('leaves the refusal of an identifier attribute to Insider, which answers per user', async () => {
		await configure({ users: seed, identifierAttributes: ['email', 'phone_number'] });
		const { output, requests } = await run(
			{ resource: 'user', operation: 'deleteAttribute', addressBy: 'insiderId', insiderId: 'iid-a', mode: 'whole', attributeNames: ['phone_number'], options: {} },
			[{}],
			{ continueOnFail: true },
		);
		expect(requests).toHaveLength(1);
		expect(output[0].json.error).toContain('phone_number');
		expect(output[0].json.error).toContain('identifier');
		expect((await state()).users[0].attributes.phone_number).toBe('+6591000001');
	});
});
