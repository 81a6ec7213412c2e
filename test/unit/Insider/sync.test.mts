// The Sync option on Insider's User → Create or Update, against the sandbox, with both state stores: n8n's
// deduplication table (a saved workflow's trigger run) and static data (a manual run).
import type { IDataObject } from 'n8n-workflow';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { Insider } from '../../../nodes/Insider/Insider.node';
import type { RunningVendor } from '../../../sandbox/core.mts';
import { startVendor } from '../../../sandbox/core.mts';
import { create, credentials } from '../../../sandbox/insider.mts';
import type { FakeContextOptions } from '../../helpers/fakeContext.mts';
import { fakeContext } from '../../helpers/fakeContext.mts';
import type { SyncStore } from '../../helpers/syncState.mts';
import { nodeState, SYNC_STORES } from '../../helpers/syncState.mts';

let vendor: RunningVendor;
beforeAll(async () => {
	vendor = await startVendor(create());
});
afterAll(async () => await vendor.close());
beforeEach(() => {
	vendor.module.reset();
	vendor.module.configure({ applyDelayMs: 0, rejectUuids: [] });
});

const state = () => vendor.module.state() as { users: Array<IDataObject & { identifiers: IDataObject; attributes: IDataObject }> };
const userOf = (uuid: string) => state().users.find((user) => user.identifiers.uuid === uuid);


/** A workflow's Insider node across runs: the same state store every run, as n8n keeps it. */
function node(kind: SyncStore) {
	const { staticData, deduplication, context } = nodeState(kind);
	return {
		staticData,
		deduplication,
		run: async (items: IDataObject[], sync: IDataObject, extra: { operation?: string; options?: IDataObject; continueOnFail?: boolean; intercept?: FakeContextOptions['intercept'] } = {}) => {
			const ctx = fakeContext({
				items,
				// Metadata off: every request of a run is then a write.
				params: { resource: 'user', operation: extra.operation ?? 'upsert', mappingMode: 'autoMap', options: { useMetadata: false, ...extra.options }, sync },
				credentials: { insiderApi: { ...credentials, baseUrl: vendor.url } },
				node: { name: 'Insider', type: 'n8n-nodes-customer-profiles.insider', typeVersion: 3 },
				...context,
				continueOnFail: extra.continueOnFail,
				intercept: extra.intercept,
			});
			const outputs = await new Insider().execute.call(ctx);
			const out = outputs[0];
			const writes = ctx.calls.filter((call) => call.url.endsWith('/api/user/v1/upsert'));
			return {
				out,
				outputs,
				calls: ctx.calls,
				writes,
				users: writes.map((call) => (call.body as { users: IDataObject[] }).users),
				json: out.map((item) => item.json),
			};
		},
	};
}

const CHANGED = { send: 'changed' };
const people = (count: number, tier = (_i: number) => 'silver') =>
	Array.from({ length: count }, (_, i) => ({ uuid: `u${i}`, email: `p${i}@example.com`, name: `P${i}`, tier: tier(i), visits: i }));
/** The user the node builds from `people(…)[i]`. */
const built = (i: number, tier = 'silver') => ({
	identifiers: { email: `p${i}@example.com`, uuid: `u${i}` },
	attributes: { name: `P${i}`, custom: { tier, visits: i } },
});
const address = (i: number) => ({ identifiers: { email: `p${i}@example.com`, uuid: `u${i}` } });
const purchase = { event_name: 'page_view', timestamp: '2024-05-01T10:00:00Z', event_params: { url: 'https://shop.example/a' } };

describe.each(SYNC_STORES)('Insider Sync (%s store)', (kind) => {
	it('sends every user once, then nothing on an identical rerun, then only the changed user, whole', async () => {
		const workflow = node(kind);
		const first = await workflow.run(people(5), CHANGED);
		expect(first.users).toEqual([[0, 1, 2, 3, 4].map((i) => built(i))]);
		expect(first.json.map((json) => json.syncStatus)).toEqual(Array(5).fill('sent'));
		expect(first.json[0]).toEqual({
			status: 'accepted',
			...address(0),
			attributes: 3,
			events: 0,
			syncStatus: 'sent',
			changedFields: ['identifiers.email', 'attributes.name', 'attributes.custom.tier', 'attributes.custom.visits'],
		});

		const second = await workflow.run(people(5), CHANGED);
		expect(second.calls).toHaveLength(0);
		expect(second.json).toEqual([0, 1, 2, 3, 4].map((i) => ({ ...address(i), syncStatus: 'unchanged' })));
		expect(second.out.map((item) => item.pairedItem)).toEqual([0, 1, 2, 3, 4].map((item) => ({ item })));

		const third = await workflow.run(people(5, (i) => (i === 3 ? 'gold' : 'silver')), CHANGED);
		expect(third.users).toEqual([[built(3, 'gold')]]);
		expect(third.json.map((json) => json.syncStatus)).toEqual(['unchanged', 'unchanged', 'unchanged', 'sent', 'unchanged']);
		expect(third.json[3].changedFields).toEqual(['attributes.custom.tier']);
	});

	it('with Only Changed Fields sends a known user its identifiers and the changed attribute alone; Insider keeps the rest', async () => {
		const workflow = node(kind);
		const sync = { ...CHANGED, changedFieldsOnly: true };
		await workflow.run(people(3), sync);
		const changed: IDataObject[] = people(3, (i) => (i === 1 ? 'gold' : 'silver'));
		changed[2].name = 'Renamed';
		changed.push({ uuid: 'u9', name: 'New', tier: 'bronze' });
		const run = await workflow.run(changed, sync);
		expect(run.users).toEqual([
			[
				{ ...address(1), attributes: { custom: { tier: 'gold' } } },
				{ ...address(2), attributes: { name: 'Renamed' } },
				{ identifiers: { uuid: 'u9' }, attributes: { name: 'New', custom: { tier: 'bronze' } } },
			],
		]);
		expect(run.json.map(({ syncStatus, changedFields }) => ({ syncStatus, changedFields }))).toEqual([
			{ syncStatus: 'unchanged', changedFields: undefined },
			{ syncStatus: 'sent', changedFields: ['attributes.custom.tier'] },
			{ syncStatus: 'sent', changedFields: ['attributes.name'] },
			{ syncStatus: 'sent', changedFields: ['attributes.name', 'attributes.custom.tier'] },
		]);
		expect(run.json[1].attributes).toBe(1);
		expect(userOf('u1')?.attributes).toEqual({ name: 'P1', custom: { tier: 'gold', visits: 1 } });
		expect(userOf('u2')?.attributes).toEqual({ name: 'Renamed', custom: { tier: 'silver', visits: 2 } });
	});

	it('Dry Run sends nothing, changes no state, and says new, changed (with fields), unchanged or invalid per item', async () => {
		const workflow = node(kind);
		await workflow.run(people(3), CHANGED);
		const before = { hashes: [...workflow.deduplication.hashes], staticData: JSON.stringify(workflow.staticData) };
		const usersBefore = JSON.stringify(state().users);
		const input: IDataObject[] = [
			...people(3, (i) => (i === 2 ? 'gold' : 'silver')),
			{ uuid: 'u7', name: 'Seven' },
			{ name: 'No identifier' },
		];
		const dry = await workflow.run(input, { ...CHANGED, dryRun: true });
		expect(dry.calls).toHaveLength(0);
		expect(JSON.stringify(state().users)).toBe(usersBefore);
		expect(dry.json.slice(0, 4).map(({ id, syncStatus, changedFields }) => ({ id, syncStatus, changedFields }))).toEqual([
			{ id: 'uuid:u0', syncStatus: 'unchanged', changedFields: [] },
			{ id: 'uuid:u1', syncStatus: 'unchanged', changedFields: [] },
			{ id: 'uuid:u2', syncStatus: 'changed', changedFields: ['attributes.custom.tier'] },
			{ id: 'uuid:u7', syncStatus: 'new', changedFields: ['attributes.name'] },
		]);
		expect(dry.json[2].payload).toEqual(built(2, 'gold'));
		expect(dry.json[4]).toMatchObject({ syncStatus: 'invalid', details: { itemIndex: 4, field: 'identifiers' } });
		expect(String(dry.json[4].error)).toMatch(/^Item 4, field "identifiers"/);
		expect(dry.out.map((item) => item.pairedItem)).toEqual([0, 1, 2, 3, 4].map((item) => ({ item })));
		expect({ hashes: [...workflow.deduplication.hashes], staticData: JSON.stringify(workflow.staticData) }).toEqual(before);

		// The dry run recorded nothing: the real run still sends the changed and the new user.
		const real = await workflow.run(input.slice(0, 4), CHANGED);
		expect(real.users).toEqual([[built(2, 'gold'), { identifiers: { uuid: 'u7' }, attributes: { name: 'Seven' } }]]);
	});

	it('never records a user Insider refuses, so the next run sends it again', async () => {
		const workflow = node(kind);
		// The sandbox refuses u1 in a 200 answer (Insider's per-user `fail.errors`); the others are accepted.
		vendor.module.configure({ rejectUuids: ['u1'] });
		const first = await workflow.run(people(3), CHANGED, { continueOnFail: true });
		expect(first.writes).toHaveLength(1);
		expect(first.json.map((json) => json.syncStatus ?? json.error)).toEqual(['sent', expect.stringMatching(/^Item 1, field "identifiers\.uuid".*blocked/), 'sent']);
		vendor.module.configure({ rejectUuids: [] });
		const second = await workflow.run(people(3), CHANGED);
		expect(second.users).toEqual([[built(1)]]);
		expect(second.json.map((json) => json.syncStatus)).toEqual(['unchanged', 'sent', 'unchanged']);
		expect((await workflow.run(people(3), CHANGED)).calls).toHaveLength(0);
	});

	it('always sends a user with events, never narrowing its events away; its unchanged attributes may be', async () => {
		const workflow = node(kind);
		const withEvents = (tier: string) => [
			{ ...people(1)[0], tier, events: [purchase] },
			people(2)[1],
		];
		await workflow.run(withEvents('silver'), CHANGED);
		// Same attributes, same event: the item with events is an action and goes out again, whole.
		const again = await workflow.run(withEvents('silver'), CHANGED);
		expect(again.users).toEqual([[{ ...built(0), events: [purchase] }]]);
		expect(again.json.map(({ syncStatus, changedFields }) => ({ syncStatus, changedFields }))).toEqual([
			// Sent for its events: no field changed.
			{ syncStatus: 'sent', changedFields: [] },
			{ syncStatus: 'unchanged', changedFields: undefined },
		]);
		// Only Changed Fields keeps the events and the changed attribute, and drops the unchanged ones.
		const narrowed = await workflow.run(withEvents('gold'), { ...CHANGED, changedFieldsOnly: true });
		expect(narrowed.users).toEqual([[{ ...address(0), attributes: { custom: { tier: 'gold' } }, events: [purchase] }]]);
		const eventsOnly = await workflow.run(withEvents('gold'), { ...CHANGED, changedFieldsOnly: true });
		expect(eventsOnly.users).toEqual([[{ ...address(0), events: [purchase] }]]);
		const dry = await workflow.run(withEvents('gold'), { ...CHANGED, dryRun: true });
		expect(dry.json.map(({ syncStatus, changedFields }) => ({ syncStatus, changedFields }))).toEqual([
			{ syncStatus: 'changed', changedFields: [] },
			{ syncStatus: 'unchanged', changedFields: [] },
		]);
	});

	it('counts Replace Array Attributes as part of an array', async () => {
		const workflow = node(kind);
		const item = [{ uuid: 'u0', favorite_colors: ['red', 'blue'] }];
		await workflow.run(item, CHANGED);
		expect((await workflow.run(item, CHANGED)).calls).toHaveLength(0);
		// The same list sent to replace what Insider appended so far is a different write.
		const replace = await workflow.run(item, CHANGED, { options: { replaceArrays: true } });
		expect(replace.users).toEqual([[{ identifiers: { uuid: 'u0' }, attributes: { custom: { favorite_colors: ['red', 'blue'] } }, not_append: true }]]);
		expect((await workflow.run(item, CHANGED, { options: { replaceArrays: true } })).calls).toHaveLength(0);
	});

	it('keys a user by one identifier (Insider ID, UUID, custom, email, phone) and sends it whole when another is added', async () => {
		const workflow = node(kind);
		const sync = { ...CHANGED, changedFieldsOnly: true };
		await workflow.run([{ uuid: 'u0', name: 'Ann' }, { email: 'b@example.com', crm_id: 'C9', name: 'Bob' }], sync, {
			options: { customIdentifierFields: 'crm_id' },
		});
		// A phone number more is the same key, and an identifier alone cannot be sent: the user goes whole.
		const added = await workflow.run([{ uuid: 'u0', phone_number: '+6598765432', name: 'Ann' }, { email: 'b@example.com', crm_id: 'C9', name: 'Bob' }], sync, {
			options: { customIdentifierFields: 'crm_id' },
		});
		expect(added.users).toEqual([[{ identifiers: { phone_number: '+6598765432', uuid: 'u0' }, attributes: { name: 'Ann' } }]]);
		expect(added.json.map(({ syncStatus, changedFields }) => ({ syncStatus, changedFields }))).toEqual([
			{ syncStatus: 'sent', changedFields: ['identifiers.phone_number'] },
			{ syncStatus: 'unchanged', changedFields: undefined },
		]);
		const dry = await workflow.run([{ insider_id: 'iid-1', uuid: 'u0', name: 'Ann' }, { email: 'b@example.com', crm_id: 'C9', name: 'Bob' }], { ...CHANGED, dryRun: true }, {
			options: { customIdentifierFields: 'crm_id' },
		});
		expect(dry.json.map(({ id, syncStatus }) => ({ id, syncStatus }))).toEqual([
			{ id: 'iid:iid-1', syncStatus: 'new' },
			{ id: 'custom.crm_id:C9', syncStatus: 'unchanged' },
		]);
	});

	it('Reset Sync State forgets the state of the node, so the next run sends every user again', async () => {
		const workflow = node(kind);
		await workflow.run(people(4), CHANGED);
		expect((await workflow.run(people(4), CHANGED)).calls).toHaveLength(0);
		const reset = await workflow.run([{}], {}, { operation: 'resetSyncState' });
		expect(reset.calls).toHaveLength(0);
		// Per user: a presence key, the email and three attributes in the database; one entry in static data.
		expect(reset.json).toEqual([
			{ syncStateReset: true, forgottenRecords: kind === 'staticData' ? 4 : 0, forgottenDatabaseEntries: kind === 'database' ? 4 * 6 : 0 },
		]);
		expect(workflow.deduplication.hashes.size).toBe(0);
		expect(workflow.staticData).toEqual({});
		const after = await workflow.run(people(4), CHANGED);
		expect(after.users).toEqual([[0, 1, 2, 3].map((i) => built(i))]);
		expect(after.json.map((json) => json.syncStatus)).toEqual(Array(4).fill('sent'));
	});

	it('leaves workflows without the option exactly as before: no state is read or kept', async () => {
		const workflow = node(kind);
		for (let run = 0; run < 2; run++) {
			const plain = await workflow.run(people(2), {});
			expect(plain.users).toEqual([[built(0), built(1)]]);
			expect(plain.json[0]).toEqual({ status: 'accepted', ...address(0), attributes: 3, events: 0 });
		}
		expect((await workflow.run(people(2), { send: 'all' })).writes).toHaveLength(1);
		expect(workflow.deduplication.calls).toEqual([]);
		expect(workflow.staticData).toEqual({});
	});
});

describe.each(SYNC_STORES)('Insider Sync: Input Is a Full Snapshot (%s store)', (kind) => {
	const snapshot = { ...CHANGED, fullSnapshot: true };
	const only = (indices: number[]) => people(5).filter((_, i) => indices.includes(i));

	it('outputs, on a second output, the address of each user the last run had and this run has not', async () => {
		const workflow = node(kind);
		const first = await workflow.run(people(5), snapshot);
		expect(first.outputs).toHaveLength(2);
		expect(first.outputs[1]).toEqual([]);
		const second = await workflow.run(only([0, 2, 4]), snapshot);
		expect(second.calls).toHaveLength(0);
		expect(second.outputs[1].map((item) => item.json)).toEqual([
			{ id: 'uuid:u1', identifiers: { uuid: 'u1' }, syncStatus: 'missing' },
			{ id: 'uuid:u3', identifiers: { uuid: 'u3' }, syncStatus: 'missing' },
		]);
		// A user that gains an identifier keeps its key: it is sent, not reported missing.
		const gained = await workflow.run([{ ...people(1)[0], phone_number: '+6598765432' }, ...only([2, 4])], snapshot);
		expect(gained.outputs[1]).toEqual([]);
		expect(gained.users).toEqual([[{ identifiers: { email: 'p0@example.com', phone_number: '+6598765432', uuid: 'u0' }, attributes: built(0).attributes }]]);
	});

	it('names a missing Insider ID or custom identifier as an accepted user\'s output shows it', async () => {
		const workflow = node(kind);
		await workflow.run([{ insider_id: 'iid-1', name: 'A' }, { crm_id: 'C:9', name: 'B' }], snapshot, { options: { customIdentifierFields: 'crm_id' } });
		const second = await workflow.run([{ uuid: 'u5', name: 'C' }], snapshot, { options: { customIdentifierFields: 'crm_id' } });
		expect(second.outputs[1].map((item) => item.json)).toEqual([
			{ id: 'iid:iid-1', insider_id: 'iid-1', syncStatus: 'missing' },
			{ id: 'custom.crm_id:C:9', identifiers: { custom: { crm_id: 'C:9' } }, syncStatus: 'missing' },
		]);
	});
});

describe('Insider Sync: the operation list', () => {
	it('offers Reset Sync State on the user resource and the Sync option on Create or Update only', () => {
		const properties = new Insider().description.properties;
		const operation = properties.find((property) => property.name === 'operation' && property.displayOptions?.show?.resource?.includes('user'));
		expect(operation?.options).toContainEqual({
			name: 'Reset Sync State',
			value: 'resetSyncState',
			description: 'Forget what the Sync option of Create or Update remembered, so its next run sends every user',
			action: 'Reset the sync state',
		});
		const sync = properties.filter((property) => property.name === 'sync');
		expect(sync.map((property) => property.displayOptions?.show)).toEqual([{ resource: ['user'], operation: ['upsert'] }]);
	});
});

describe.each(SYNC_STORES)('Insider Sync: Clear Removed Fields (%s store)', (kind) => {
	const CLEAR = { ...CHANGED, clearRemovedFields: true };
	/** people(3), with user u1 lacking its name (a default attribute) and its visits (a custom one). */
	const withoutFields = () => people(3).map(({ name, visits, ...person }) => (person.uuid === 'u1' ? person : { ...person, name, visits }));
	const deletes = (calls: Array<{ url: string; body?: unknown }>) => calls.filter((call) => call.url.endsWith('/api/user/v1/attribute/delete')).map((call) => call.body);

	it('deletes through Attribute Delete the attributes a known user lost, once; not without the option', async () => {
		const workflow = node(kind);
		await workflow.run(people(3), CLEAR);
		expect(userOf('u1')!.attributes).toMatchObject({ name: 'P1' });
		expect(JSON.stringify(userOf('u1')!.attributes)).toContain('visits');
		expect(deletes((await workflow.run(withoutFields(), CHANGED)).calls)).toEqual([]);

		const run = await workflow.run(withoutFields(), CLEAR);
		expect(run.users).toEqual([[{ ...address(1), attributes: { custom: { tier: 'silver' } } }]]);
		expect(deletes(run.calls)).toEqual([{ users: [{ ...address(1), whole: ['name'], custom: { whole: ['visits'] } }] }]);
		expect(run.json[1]).toMatchObject({ status: 'accepted', syncStatus: 'sent', changedFields: [], clearedFields: ['attributes.name', 'attributes.custom.visits'] });
		expect(userOf('u1')!.attributes).not.toHaveProperty('name');
		expect(JSON.stringify(userOf('u1')!.attributes)).not.toContain('visits');

		const rerun = await workflow.run(withoutFields(), CLEAR);
		expect(rerun.calls).toHaveLength(0);
	});

	it('a dry run previews the clears and changes nothing; a user whose deletion fails is cleared again next run', async () => {
		const workflow = node(kind);
		await workflow.run(people(3), CLEAR);
		const before = JSON.stringify({ hashes: [...workflow.deduplication.hashes], staticData: workflow.staticData });
		const dry = await workflow.run(withoutFields(), { ...CLEAR, dryRun: true });
		expect(dry.calls).toHaveLength(0);
		expect(dry.json[1]).toMatchObject({ syncStatus: 'changed', clearedFields: ['attributes.name', 'attributes.custom.visits'] });
		expect(JSON.stringify({ hashes: [...workflow.deduplication.hashes], staticData: workflow.staticData })).toBe(before);

		// The account refuses to delete `name` (as it refuses an identifier): the item fails, nothing is remembered.
		vendor.module.configure({ identifierAttributes: ['name'] });
		const refused = await workflow.run(withoutFields(), CLEAR, { continueOnFail: true });
		expect(String(refused.json[1].error)).toMatch(/^Item 1/);
		expect(userOf('u1')!.attributes).toMatchObject({ name: 'P1' });
		vendor.module.configure({ identifierAttributes: [] });
		const again = await workflow.run(withoutFields(), CLEAR);
		expect(deletes(again.calls)).toEqual([{ users: [{ ...address(1), whole: ['name'], custom: { whole: ['visits'] } }] }]);
		expect(again.json[1]).toMatchObject({ syncStatus: 'sent', clearedFields: ['attributes.name', 'attributes.custom.visits'] });
		expect(userOf('u1')!.attributes).not.toHaveProperty('name');
	});

	it('fails the users of a failed Attribute Delete request, and clears them next run; a refused upsert deletes nothing', async () => {
		const workflow = node(kind);
		await workflow.run(people(3), CLEAR);
		const deleteFails: FakeContextOptions['intercept'] = (request) =>
			request.path.endsWith('/attribute/delete') ? { status: 400, body: { error: 'bad request' } } : undefined;
		const failed = await workflow.run(withoutFields(), CLEAR, { continueOnFail: true, intercept: deleteFails });
		expect(failed.json.map((json) => json.syncStatus ?? 'error')).toEqual(['unchanged', 'error', 'unchanged']);
		expect(userOf('u1')!.attributes).toMatchObject({ name: 'P1' });

		const upsertFails: FakeContextOptions['intercept'] = (request) =>
			request.path.endsWith('/upsert') ? { status: 400, body: { error: 'bad request' } } : undefined;
		const refused = await workflow.run(withoutFields(), CLEAR, { continueOnFail: true, intercept: upsertFails });
		expect(deletes(refused.calls)).toEqual([]);

		const again = await workflow.run(withoutFields(), CLEAR);
		expect(again.json[1]).toMatchObject({ syncStatus: 'sent', clearedFields: ['attributes.name', 'attributes.custom.visits'] });
		expect(userOf('u1')!.attributes).not.toHaveProperty('name');
	});
});
