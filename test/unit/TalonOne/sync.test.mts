// The Sync option on Talon.One's profile writes (Create or Update, Update Audiences) and Reset Sync State,
// against the sandbox, with both state stores: n8n's deduplication table (a saved workflow's trigger run)
// and static data (a manual run).
import type { IDataObject, INodePropertyOptions } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';

import { SYNC_OUTPUTS } from '../../../nodes/shared/sync';
import { TalonOne } from '../../../nodes/TalonOne/TalonOne.node';
import type { FakeContextOptions } from '../../helpers/fakeContext.mts';
import { fakeContext } from '../../helpers/fakeContext.mts';
import { FakeDeduplication } from '../../helpers/fakeDeduplication.mts';
import { memberships, talon, useTalon } from './sandbox.mts';

const { sandbox, audiences } = await useTalon(['a1', 'a2', 'a3']);

type Store = 'database' | 'staticData';

const UPDATE = {
	resource: 'customerProfile',
	operation: 'update',
	customerProfileId: (_: number, json: IDataObject) => json.id,
	attributesMode: 'json',
	attributesJson: (_: number, json: IDataObject) => JSON.stringify(json.attributes ?? {}),
	deleteAttributes: '',
	audiencesToAdd: (_: number, json: IDataObject) => json.adds ?? '',
	audiencesToRemove: (_: number, json: IDataObject) => json.deletes ?? '',
	options: {},
};

const UPDATE_AUDIENCES = {
	resource: 'customerProfile',
	operation: 'updateAudiences',
	audienceIdType: 'internal',
	customerProfileId: (_: number, json: IDataObject) => json.id,
	audiencesToAdd: (_: number, json: IDataObject) => json.adds ?? '',
	audiencesToRemove: (_: number, json: IDataObject) => json.deletes ?? '',
};

/** A workflow's node across runs: the same state store every run, as n8n keeps it. */
function node(kind: Store) {
	const staticData: IDataObject = {};
	const deduplication = new FakeDeduplication();
	return {
		staticData,
		deduplication,
		/** What a run left in the store, to compare byte for byte. */
		snapshot: () => ({ hashes: [...deduplication.hashes].sort(), staticData: JSON.stringify(staticData) }),
		run: async (
			params: Record<string, unknown>,
			items: IDataObject[],
			sync: IDataObject,
			extra: { continueOnFail?: boolean; intercept?: FakeContextOptions['intercept'] } = {},
		) => {
			const ctx = fakeContext({
				items,
				params: { ...params, sync },
				credentials: { talonOneCdpApi: { ...sandbox.credentials } as IDataObject },
				node: { name: 'Talon.One', type: 'n8n-nodes-customer-profiles.talonOne' },
				staticData,
				deduplication: kind === 'database' ? deduplication : undefined,
				mode: kind === 'database' ? 'trigger' : 'manual',
				continueOnFail: extra.continueOnFail,
				intercept: extra.intercept,
			});
			const outputs = await new TalonOne().execute.call(ctx);
			const out = outputs[0];
			const writes = ctx.calls.filter((call) => call.credentialType !== undefined && call.method === 'PUT');
			return { out, outputs, writes, bodies: writes.map((call) => call.body as any), json: out.map((item) => item.json) };
		},
	};
}

const CHANGED = { send: 'changed' };
const ONLY_FIELDS = { send: 'changed', changedFieldsOnly: true };
const people = (count: number, tier = (_i: number) => 'silver') =>
	Array.from({ length: count }, (_, i) => ({ id: `p${i}`, attributes: { Language: 'english', Tier: tier(i), Score: i } }));
const profileOf = (id: string) => sandbox.state().deployments[talon.DEPLOYMENT].profiles.find((profile: any) => profile.integrationId === id);
const statuses = (json: IDataObject[]) => json.map((item) => item.syncStatus);
const paired = (count: number) => Array.from({ length: count }, (_, item) => ({ item }));

describe('Talon.One node description', () => {
	const { properties } = new TalonOne().description;

	it('lists Reset Sync State among the customer profile operations, and offers Sync on both profile writes', () => {
		const operation = properties.find((p) => p.name === 'operation' && p.displayOptions?.show?.resource?.includes('customerProfile'));
		expect((operation?.options as INodePropertyOptions[]).map((o) => [o.name, o.value, o.action])).toEqual([
			['Create or Update', 'update', 'Create or update a customer profile'],
			['Reset Sync State', 'resetSyncState', 'Reset the sync state'],
			['Update Audiences', 'updateAudiences', 'Update audiences of many customer profiles'],
		]);
		const syncFor = properties.filter((p) => p.name === 'sync').map((p) => p.displayOptions?.show?.operation);
		expect(syncFor).toEqual([['update'], ['updateAudiences']]);
	});
});

describe.each(['database', 'staticData'] as Store[])('Talon.One Sync (%s store)', (kind) => {
	describe('Create or Update', () => {
		it('sends every profile once, then nothing on an identical rerun, then only the changed profile', async () => {
			const workflow = node(kind);
			const first = await workflow.run(UPDATE, people(4), CHANGED);
			expect(first.writes).toHaveLength(4);
			expect(statuses(first.json)).toEqual(Array(4).fill('sent'));
			expect(first.json[0]).toMatchObject({ customerProfile: { integrationId: 'p0' }, changedFields: ['attributes.Language', 'attributes.Tier', 'attributes.Score'] });

			const second = await workflow.run(UPDATE, people(4), CHANGED);
			expect(second.writes).toHaveLength(0);
			expect(second.json).toEqual(people(4).map(({ id }) => ({ customerProfileId: id, syncStatus: 'unchanged' })));
			expect(second.out.map((item) => item.pairedItem)).toEqual(paired(4));

			// Whole profile by default: the changed profile goes out with every attribute it maps.
			const third = await workflow.run(UPDATE, people(4, (i) => (i === 2 ? 'gold' : 'silver')), CHANGED);
			expect(third.bodies).toEqual([{ attributes: { Language: 'english', Tier: 'gold', Score: 2 }, runRuleEngine: false }]);
			expect(statuses(third.json)).toEqual(['unchanged', 'unchanged', 'sent', 'unchanged']);
			expect(third.json[2].changedFields).toEqual(['attributes.Tier']);
		});

		it('with Only Changed Fields sends a known profile the changed attribute alone; Talon.One keeps the rest', async () => {
			const workflow = node(kind);
			await workflow.run(UPDATE, people(3), ONLY_FIELDS);
			const input = [...people(3, (i) => (i === 1 ? 'gold' : 'silver')), { id: 'new', attributes: { Language: 'german', Tier: 'bronze' } }];
			const run = await workflow.run(UPDATE, input, ONLY_FIELDS);
			expect(run.writes.map((call) => new URL(call.url).pathname)).toEqual(['/cdp/customer_profile/p1', '/cdp/customer_profile/new']);
			expect(run.bodies).toEqual([
				{ attributes: { Tier: 'gold' }, runRuleEngine: false },
				{ attributes: { Language: 'german', Tier: 'bronze' }, runRuleEngine: false },
			]);
			expect(statuses(run.json)).toEqual(['unchanged', 'sent', 'unchanged', 'sent']);
			expect(profileOf('p1').attributes).toEqual({ Language: 'english', Tier: 'gold', Score: 1 });
		});

		it('compares audience changes as memberships: the same ask is not sent again, a changed one alone with Only Changed Fields', async () => {
			const workflow = node(kind);
			const item = (ask: IDataObject) => [{ id: 'm', attributes: { Tier: 'gold' }, ...ask }];
			const first = await workflow.run(UPDATE, item({ adds: [audiences[0], audiences[1]] }), ONLY_FIELDS);
			expect(first.json[0].changedFields).toEqual(['attributes.Tier', `audience.${audiences[0]}`, `audience.${audiences[1]}`]);
			const ruleRuns = sandbox.state().ruleEngine.length;

			// Joining the same audiences again would change nothing at Talon.One but run the rule engine again.
			const same = await workflow.run(UPDATE, item({ adds: [audiences[0], audiences[1]] }), ONLY_FIELDS);
			expect(same.writes).toHaveLength(0);
			expect(sandbox.state().ruleEngine.length).toBe(ruleRuns);

			const moved = await workflow.run(UPDATE, item({ adds: [audiences[0]], deletes: [audiences[1]] }), ONLY_FIELDS);
			expect(moved.bodies).toEqual([{ attributes: {}, runRuleEngine: false, audiencesChanges: { adds: [], deletes: [audiences[1]] } }]);
			expect(moved.json[0].changedFields).toEqual([`audience.${audiences[1]}`]);
			expect(memberships(sandbox.state(), 'm')).toEqual([audiences[0]]);
			expect(profileOf('m').attributes).toEqual({ Tier: 'gold' });
		});
	});

	describe('Update Audiences', () => {
		it('sends every membership once, nothing on an identical rerun, and only the changed audience with Only Changed Fields', async () => {
			const workflow = node(kind);
			const input = (extra: number[] = []) => [
				{ id: 'u1', adds: [audiences[0], audiences[1]], deletes: [audiences[2]] },
				{ id: 'u2', adds: [audiences[1], ...extra] },
			];
			const first = await workflow.run(UPDATE_AUDIENCES, input(), ONLY_FIELDS);
			expect(first.writes).toHaveLength(1);
			expect(statuses(first.json)).toEqual(['sent', 'sent']);
			expect(first.json[0]).toMatchObject({
				customerProfileId: 'u1',
				added: [audiences[0], audiences[1]],
				removed: [audiences[2]],
				changedFields: [`audience.${audiences[0]}`, `audience.${audiences[1]}`, `audience.${audiences[2]}`],
			});

			const second = await workflow.run(UPDATE_AUDIENCES, input(), ONLY_FIELDS);
			expect(second.writes).toHaveLength(0);
			expect(second.json).toEqual([
				{ customerProfileId: 'u1', audienceIdType: 'internal', syncStatus: 'unchanged' },
				{ customerProfileId: 'u2', audienceIdType: 'internal', syncStatus: 'unchanged' },
			]);
			expect(second.out.map((item) => item.pairedItem)).toEqual(paired(2));

			const third = await workflow.run(UPDATE_AUDIENCES, input([audiences[2]]), ONLY_FIELDS);
			expect(third.bodies).toEqual([{ data: [{ customerProfileId: 'u2', adds: [audiences[2]], deletes: [] }] }]);
			expect(statuses(third.json)).toEqual(['unchanged', 'sent']);
			expect(memberships(sandbox.state(), 'u2')).toEqual([audiences[1], audiences[2]]);
		});

		it('keeps internal and external audience IDs apart', async () => {
			const workflow = node(kind);
			await workflow.run(UPDATE_AUDIENCES, [{ id: 'x', adds: [audiences[0]] }], CHANGED);
			// "1" by external ID is another audience than 1 by Talon.One's ID: it is new, not unchanged.
			await sandbox.seedAudiences([String(audiences[0])]);
			const external = await workflow.run({ ...UPDATE_AUDIENCES, audienceIdType: 'external' }, [{ id: 'x', adds: [String(audiences[0])] }], CHANGED);
			expect(external.writes).toHaveLength(1);
			expect(external.json[0]).toMatchObject({ audienceIdType: 'external', syncStatus: 'sent', changedFields: [`externalAudience.${audiences[0]}`] });
		});
	});

	it('Dry Run sends nothing, leaves the state byte for byte, and says new, changed (with fields), unchanged or invalid per item', async () => {
		const workflow = node(kind);
		await workflow.run(UPDATE, people(3), CHANGED);
		const before = workflow.snapshot();
		const profilesBefore = JSON.stringify(sandbox.state().deployments);
		const input = [...people(3, (i) => (i === 2 ? 'gold' : 'silver')), { id: 'p7', attributes: { Tier: 'bronze' } }, { id: '', attributes: { Tier: 'x' } }];
		const dry = await workflow.run(UPDATE, input, { ...ONLY_FIELDS, dryRun: true });
		expect(dry.writes).toHaveLength(0);
		expect(JSON.stringify(sandbox.state().deployments)).toBe(profilesBefore);
		expect(dry.json.slice(0, 4)).toEqual([
			{ id: 'p0', syncStatus: 'unchanged', changedFields: [] },
			{ id: 'p1', syncStatus: 'unchanged', changedFields: [] },
			{
				id: 'p2',
				syncStatus: 'changed',
				changedFields: ['attributes.Tier'],
				payload: { customerProfileId: 'p2', skipNonExistingAttributes: false, body: { attributes: { Tier: 'gold' }, runRuleEngine: false } },
			},
			{
				id: 'p7',
				syncStatus: 'new',
				changedFields: ['attributes.Tier'],
				payload: { customerProfileId: 'p7', skipNonExistingAttributes: false, body: { attributes: { Tier: 'bronze' }, runRuleEngine: false } },
			},
		]);
		expect(dry.json[4]).toMatchObject({ syncStatus: 'invalid', details: { itemIndex: 4, field: 'Customer Profile ID' } });
		expect(String(dry.json[4].error)).toMatch(/^Item 4, field "Customer Profile ID": must not be empty/);
		expect(dry.out.map((item) => item.pairedItem)).toEqual(paired(5));
		expect(workflow.snapshot()).toEqual(before);

		// Update Audiences previews the same way.
		const audiencesDry = await workflow.run(UPDATE_AUDIENCES, [{ id: 'p0', adds: [audiences[0]] }], { ...CHANGED, dryRun: true });
		expect(audiencesDry.writes).toHaveLength(0);
		expect(audiencesDry.json).toEqual([
			{ id: 'p0', syncStatus: 'changed', changedFields: [`audience.${audiences[0]}`], payload: { customerProfileId: 'p0', adds: [audiences[0]], deletes: [] } },
		]);
		expect(workflow.snapshot()).toEqual(before);

		// The dry runs recorded nothing: the real run still sends the changed and the new profile.
		const real = await workflow.run(UPDATE, input.slice(0, 4), CHANGED);
		expect(real.writes.map((call) => new URL(call.url).pathname)).toEqual(['/cdp/customer_profile/p2', '/cdp/customer_profile/p7']);
	});

	it('never records a refused or failed profile, so the next run sends it again', async () => {
		const workflow = node(kind);
		// Refused: the attribute is not defined in the Campaign Manager yet (400). Failed: the key was refused (401).
		sandbox.configure({ definedAttributes: ['Language', 'Tier'] });
		const intercept: FakeContextOptions['intercept'] = (request) =>
			request.path === '/cdp/customer_profile/p2' ? { status: 401, body: { StatusCode: 401, Error: 'Missing Session Token' } } : undefined;
		const input = [
			{ id: 'p0', attributes: { Tier: 'gold' } },
			{ id: 'p1', attributes: { Tier: 'gold', Score: 1 } },
			{ id: 'p2', attributes: { Tier: 'gold' } },
		];
		const first = await workflow.run(UPDATE, input, CHANGED, { continueOnFail: true, intercept });
		expect(first.json.map((json) => json.syncStatus ?? json.details)).toEqual([
			'sent',
			expect.objectContaining({ httpCode: '400' }),
			expect.objectContaining({ httpCode: '401' }),
		]);

		sandbox.configure({ definedAttributes: ['Language', 'Tier', 'Score'] });
		const second = await workflow.run(UPDATE, input, CHANGED);
		expect(second.writes.map((call) => new URL(call.url).pathname)).toEqual(['/cdp/customer_profile/p1', '/cdp/customer_profile/p2']);
		expect(statuses(second.json)).toEqual(['unchanged', 'sent', 'sent']);
		expect((await workflow.run(UPDATE, input, CHANGED)).writes).toHaveLength(0);

		// Update Audiences: only the row naming an audience Talon.One does not know yet fails; it is sent once it exists.
		const external = { ...UPDATE_AUDIENCES, audienceIdType: 'external' };
		const rows = [
			{ id: 'e1', adds: ['a1'] },
			{ id: 'e2', adds: ['later'] },
		];
		const refused = await workflow.run(external, rows, CHANGED, { continueOnFail: true });
		expect(refused.json.map((json) => json.syncStatus ?? json.details)).toEqual(['sent', expect.objectContaining({ field: 'Audiences to Add' })]);
		await sandbox.seedAudiences(['later']);
		const retried = await workflow.run(external, rows, CHANGED);
		expect(retried.bodies).toEqual([{ data: [{ customerProfileId: 'e2', adds: ['later'], deletes: [] }] }]);
		expect(statuses(retried.json)).toEqual(['unchanged', 'sent']);
	});

	it('Reset Sync State forgets the node\'s state, so the next run sends every profile again', async () => {
		const workflow = node(kind);
		await workflow.run(UPDATE, people(3), CHANGED);
		expect((await workflow.run(UPDATE, people(3), CHANGED)).writes).toHaveLength(0);
		const reset = await workflow.run({ resource: 'customerProfile', operation: 'resetSyncState' }, [{}], {});
		// Per profile: a presence key and one key per attribute in the database; one record in static data.
		expect(reset.json).toEqual([
			kind === 'database'
				? { syncStateReset: true, forgottenRecords: 0, forgottenDatabaseEntries: 3 * 4, forgottenMirroredAudiences: 0 }
				: { syncStateReset: true, forgottenRecords: 3, forgottenDatabaseEntries: 0, forgottenMirroredAudiences: 0 },
		]);
		expect(reset.writes).toHaveLength(0);
		const after = await workflow.run(UPDATE, people(3), CHANGED);
		expect(after.writes).toHaveLength(3);
		expect(statuses(after.json)).toEqual(Array(3).fill('sent'));
	});

	it('with Input Is a Full Snapshot, lists on a second output the profiles the last run had and this one has not', async () => {
		const workflow = node(kind);
		const snapshot = { ...CHANGED, fullSnapshot: true };
		const first = await workflow.run(UPDATE_AUDIENCES, people(4).map(({ id }) => ({ id, adds: [audiences[0]] })), snapshot);
		expect(first.outputs).toHaveLength(2);
		expect(first.outputs[1]).toEqual([]);
		const second = await workflow.run(UPDATE_AUDIENCES, ['p0', 'p2'].map((id) => ({ id, adds: [audiences[0]] })), snapshot);
		expect(second.writes).toHaveLength(0);
		// Ready to wire into a second Update Audiences that removes them.
		expect(second.outputs[1].map((item) => item.json)).toEqual([
			{ id: 'p1', customerProfileId: 'p1', syncStatus: 'missing' },
			{ id: 'p3', customerProfileId: 'p3', syncStatus: 'missing' },
		]);
		const update = await workflow.run(UPDATE, people(1), snapshot);
		expect(update.outputs).toHaveLength(2);
		expect((await workflow.run(UPDATE, people(1), CHANGED)).outputs).toHaveLength(1);
		expect(new TalonOne().description.outputs).toBe(SYNC_OUTPUTS);
	});

	it('leaves workflows without the option exactly as before: no state is read or kept', async () => {
		const workflow = node(kind);
		const update = await workflow.run(UPDATE, people(2), {});
		expect(update.json[0]).not.toHaveProperty('syncStatus');
		expect(update.json[0]).toMatchObject({ effects: [], customerProfile: { integrationId: 'p0' } });
		const again = await workflow.run(UPDATE, people(2), { send: 'all' });
		expect(again.writes).toHaveLength(2);
		const audiencesRun = await workflow.run(UPDATE_AUDIENCES, [{ id: 'p0', adds: [audiences[0]] }], {});
		expect(audiencesRun.json).toEqual([
			{ customerProfileId: 'p0', audienceIdType: 'internal', added: [audiences[0]], removed: [], changes: 1, requests: [1] },
		]);
		expect(workflow.deduplication.calls).toEqual([]);
		expect(workflow.staticData).toEqual({});
	});
});

describe.each(['database', 'staticData'] as Store[])('Talon.One Sync: Clear Removed Fields (%s store)', (kind) => {
	const CLEAR = { ...CHANGED, clearRemovedFields: true };
	/** people(3), with profile p1 lacking its Score. */
	const withoutScore = () => people(3).map((person) => (person.id === 'p1' ? { id: 'p1', attributes: { Language: 'english', Tier: 'silver' } } : person));

	it('deletes at Talon.One the attribute a known profile lost (null), once', async () => {
		const workflow = node(kind);
		await workflow.run(UPDATE, people(3), CLEAR);
		expect(profileOf('p1').attributes).toEqual({ Language: 'english', Tier: 'silver', Score: 1 });
		const run = await workflow.run(UPDATE, withoutScore(), CLEAR);
		expect(run.writes.map((call) => new URL(call.url).pathname)).toEqual(['/cdp/customer_profile/p1']);
		expect(run.bodies).toEqual([{ attributes: { Language: 'english', Tier: 'silver', Score: null }, runRuleEngine: false }]);
		expect(run.json[1]).toMatchObject({ syncStatus: 'sent', changedFields: [], clearedFields: ['attributes.Score'] });
		expect(profileOf('p1').attributes).toEqual({ Language: 'english', Tier: 'silver' });
		expect((await workflow.run(UPDATE, withoutScore(), CLEAR)).writes).toHaveLength(0);
	});

	it('clears nothing without the option, and a dry run only previews', async () => {
		const workflow = node(kind);
		await workflow.run(UPDATE, people(3), CLEAR);
		expect((await workflow.run(UPDATE, withoutScore(), CHANGED)).writes).toHaveLength(0);
		const before = workflow.snapshot();
		const dry = await workflow.run(UPDATE, withoutScore(), { ...CLEAR, dryRun: true });
		expect(dry.writes).toHaveLength(0);
		expect(dry.json[1]).toMatchObject({ syncStatus: 'changed', clearedFields: ['attributes.Score'], payload: { body: { attributes: { Score: null } } } });
		expect(workflow.snapshot()).toEqual(before);
		expect(profileOf('p1').attributes).toEqual({ Language: 'english', Tier: 'silver', Score: 1 });
	});

	it('clears a refused profile again next run', async () => {
		const workflow = node(kind);
		await workflow.run(UPDATE, people(3), CLEAR);
		const intercept: FakeContextOptions['intercept'] = (request) =>
			request.method === 'PUT' ? { status: 400, body: { message: 'refused', errors: [{ title: 'refused' }] } } : undefined;
		const refused = await workflow.run(UPDATE, withoutScore(), CLEAR, { continueOnFail: true, intercept });
		expect(refused.json[1].error).toBeDefined();
		expect(profileOf('p1').attributes.Score).toBe(1);
		const again = await workflow.run(UPDATE, withoutScore(), CLEAR);
		expect(again.json[1]).toMatchObject({ syncStatus: 'sent', clearedFields: ['attributes.Score'] });
		expect(profileOf('p1').attributes).toEqual({ Language: 'english', Tier: 'silver' });
	});
});
