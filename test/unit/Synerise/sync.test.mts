// The Sync option on Synerise's profile writes, against the sandbox, with both state stores: n8n's
// deduplication table (a saved workflow's trigger run) and static data (a manual run).
import type { IDataObject } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';

import type { SyncStore } from '../../helpers/syncState.mts';
import { nodeState, SYNC_STORES } from '../../helpers/syncState.mts';
import type { FakeContextOptions } from '../../helpers/fakeContext.mts';
import { MISSING_NOT_REPORTED } from '../../../nodes/shared/sync';
import { autoMapped, runNodeOutputs, syneriseContext } from './context.mts';
import { useSynerise } from './sandbox.mts';

const { state, jwt } = await useSynerise();


/** A workflow's node across runs: the same state store every run, as n8n keeps it. */
function node(kind: SyncStore) {
	const { staticData, deduplication, context } = nodeState(kind);
	return {
		staticData,
		deduplication,
		run: async (
			operation: string,
			items: IDataObject[],
			sync: IDataObject,
			extra: { continueOnFail?: boolean; intercept?: FakeContextOptions['intercept']; params?: Record<string, unknown> } = {},
		) => {
			const run = syneriseContext({
				credential: jwt(),
				items,
				params: autoMapped(operation, { sync, ...extra.params }),
				typeVersion: 2,
				...context,
				continueOnFail: extra.continueOnFail,
				intercept: extra.intercept,
			});
			const outputs = await runNodeOutputs(run);
			const out = outputs[0];
			const writes = run.ctx.calls.filter((call) => call.method === 'POST' && call.url.includes('/v4/clients'));
			return { out, outputs, writes, json: out.map((item) => item.json), hints: run.hints };
		},
	};
}

const CHANGED = { send: 'changed' };
const people = (count: number, tier = (_i: number) => 'silver') =>
	Array.from({ length: count }, (_, i) => ({ customId: `c${i}`, email: `P${i}@Example.com`, firstName: `F${i}`, attributes: { tier: tier(i), visits: i } }));
const profileOf = (customId: string) => state().profiles.find((profile: IDataObject) => profile.customId === customId);

describe.each(SYNC_STORES)('Synerise Sync (%s store)', (kind) => {
	it('sends every profile once, then nothing on an identical rerun, then only the changed profile', async () => {
		const workflow = node(kind);
		const first = await workflow.run('upsert', people(5), CHANGED);
		expect(first.writes).toHaveLength(1);
		expect((first.writes[0].body as unknown[]).length).toBe(5);
		expect(first.json.map((json) => json.syncStatus)).toEqual(Array(5).fill('sent'));
		expect(first.json[0].changedFields).toEqual(['email', 'firstName', 'attributes.tier', 'attributes.visits']);

		const second = await workflow.run('upsert', people(5), CHANGED);
		expect(second.writes).toHaveLength(0);
		expect(second.json).toEqual(people(5).map((person) => ({ customId: person.customId, email: person.email, syncStatus: 'unchanged' })));
		expect(second.out.map((item) => item.pairedItem)).toEqual([0, 1, 2, 3, 4].map((item) => ({ item })));

		// Whole profile by default: the changed profile goes out with every field it maps.
		const third = await workflow.run('upsert', people(5, (i) => (i === 3 ? 'gold' : 'silver')), CHANGED);
		expect(third.writes.map((call) => call.body)).toEqual([[people(5, () => 'gold')[3]]]);
		expect(third.json.map((json) => json.syncStatus)).toEqual(['unchanged', 'unchanged', 'unchanged', 'sent', 'unchanged']);
		expect(third.json[3].changedFields).toEqual(['attributes.tier']);
	});

	it('with Only Changed Fields sends a known profile its identifiers and the changed field alone; Synerise keeps the rest', async () => {
		const workflow = node(kind);
		const sync = { ...CHANGED, changedFieldsOnly: true };
		await workflow.run('upsert', people(3), sync);
		const changed = people(3, (i) => (i === 1 ? 'gold' : 'silver'));
		changed.push({ customId: 'c9', email: 'new@example.com', firstName: 'New', attributes: { tier: 'bronze', visits: 0 } });
		const run = await workflow.run('upsert', changed, sync);
		expect(run.writes.map((call) => call.body)).toEqual([
			[{ customId: 'c1', email: 'P1@Example.com', attributes: { tier: 'gold' } }, changed[3]],
		]);
		expect(run.json.map((json) => json.syncStatus)).toEqual(['unchanged', 'sent', 'unchanged', 'sent']);
		expect(profileOf('c1')).toMatchObject({ firstName: 'F1', attributes: { tier: 'gold', visits: 1 } });
		expect(profileOf('c9')).toMatchObject({ firstName: 'New' });
	});

	it('Dry Run sends nothing, changes no state, and says new, changed (with fields), unchanged or invalid per item', async () => {
		const workflow = node(kind);
		await workflow.run('upsert', people(3), CHANGED);
		const before = { hashes: [...workflow.deduplication.hashes], staticData: JSON.stringify(workflow.staticData) };
		const batchesBefore = state().batches.length;
		const input = [
			...people(3, (i) => (i === 2 ? 'gold' : 'silver')),
			{ customId: 'c7', firstName: 'Seven' },
			{ firstName: 'No identifier' },
		];
		const dry = await workflow.run('upsert', input, { ...CHANGED, dryRun: true });
		expect(state().batches.length).toBe(batchesBefore);
		expect(dry.writes).toHaveLength(0);
		expect(dry.json.slice(0, 4).map(({ id, syncStatus, changedFields }) => ({ id, syncStatus, changedFields }))).toEqual([
			{ id: 'customId:c0', syncStatus: 'unchanged', changedFields: [] },
			{ id: 'customId:c1', syncStatus: 'unchanged', changedFields: [] },
			{ id: 'customId:c2', syncStatus: 'changed', changedFields: ['attributes.tier'] },
			{ id: 'customId:c7', syncStatus: 'new', changedFields: ['firstName'] },
		]);
		expect(dry.json[4]).toMatchObject({ syncStatus: 'invalid', details: { itemIndex: 4, field: 'email / phone / uuid / customId' } });
		expect(String(dry.json[4].error)).toMatch(/^Item 4, field "email \/ phone \/ uuid \/ customId"/);
		expect(dry.out.map((item) => item.pairedItem)).toEqual([0, 1, 2, 3, 4].map((item) => ({ item })));
		expect({ hashes: [...workflow.deduplication.hashes], staticData: JSON.stringify(workflow.staticData) }).toEqual(before);

		// The dry run recorded nothing: the real run still sends the changed and the new profile.
		const real = await workflow.run('upsert', input.slice(0, 4), CHANGED);
		expect(real.writes.map((call) => (call.body as IDataObject[]).map((profile) => profile.customId))).toEqual([['c2', 'c7']]);
	});

	it('never records a refused profile, so the next run sends it again', async () => {
		const workflow = node(kind);
		// Synerise refuses the batch for its second entry: that item fails, the others are sent again without it.
		let refused = false;
		const intercept: FakeContextOptions['intercept'] = (request) => {
			if (refused || !request.path.endsWith('/v4/clients/batch')) return undefined;
			refused = true;
			return { status: 400, body: { status: 400, error: 'Bad Request', errors: [{ field: '[1].email', message: 'invalid email' }] } };
		};
		const first = await workflow.run('upsert', people(3), CHANGED, { continueOnFail: true, intercept });
		expect(first.json.map((json) => json.syncStatus ?? json.error)).toEqual(['sent', expect.stringMatching(/^Item 1, field "email"/), 'sent']);
		const second = await workflow.run('upsert', people(3), CHANGED);
		expect(second.writes.map((call) => (call.body as IDataObject[]).map((profile) => profile.customId))).toEqual([['c1']]);
		expect(second.json.map((json) => json.syncStatus)).toEqual(['unchanged', 'sent', 'unchanged']);
	});

	it('decides a profile on several items once, on what Synerise holds after all of them', async () => {
		const workflow = node(kind);
		const items = [
			{ customId: 'dup', firstName: 'Old', attributes: { tier: 'silver' } },
			{ customId: 'dup', attributes: { tier: 'gold' } },
		];
		const first = await workflow.run('upsert', items, CHANGED);
		expect(first.json.map((json) => json.syncStatus)).toEqual(['sent', 'sent']);
		const rerun = await workflow.run('upsert', items, CHANGED);
		expect(rerun.writes).toHaveLength(0);
		expect(rerun.json.map((json) => json.syncStatus)).toEqual(['unchanged', 'unchanged']);
	});

	it('applies to Create and Update too', async () => {
		const workflow = node(kind);
		const created = await workflow.run('create', people(2), CHANGED);
		expect(created.writes).toHaveLength(2);
		expect((await workflow.run('create', people(2), CHANGED)).writes).toHaveLength(0);

		const update = (tier: string) =>
			workflow.run('update', [{ firstName: 'Ann', attributes: { tier } }], { ...CHANGED, changedFieldsOnly: true }, {
				params: { identifierType: 'customId', identifierValue: 'c0' },
			});
		expect((await update('silver')).writes).toHaveLength(1);
		const same = await update('silver');
		expect(same.writes).toHaveLength(0);
		expect(same.json).toEqual([{ customId: 'c0', syncStatus: 'unchanged' }]);
		const changed = await update('gold');
		expect(changed.writes.map((call) => call.body)).toEqual([{ attributes: { tier: 'gold' } }]);
	});
});

describe.each(SYNC_STORES)('Synerise Sync: Input Is a Full Snapshot (%s store)', (kind) => {
	const snapshot = { ...CHANGED, fullSnapshot: true };
	const only = (indices: number[]) => people(5).filter((_, i) => indices.includes(i));

	it('outputs, on a second output, one item per profile the last run had and this run has not', async () => {
		const workflow = node(kind);
		const first = await workflow.run('upsert', people(5), snapshot);
		expect(first.outputs).toHaveLength(2);
		expect(first.outputs[1]).toEqual([]);
		const second = await workflow.run('upsert', only([0, 2, 4]), snapshot);
		expect(second.writes).toHaveLength(0);
		expect(second.outputs[1].map((item) => item.json)).toEqual([
			{ id: 'customId:c1', customId: 'c1', syncStatus: 'missing' },
			{ id: 'customId:c3', customId: 'c3', syncStatus: 'missing' },
		]);
		// Reported once: the list now holds this run's profiles; one that comes back is new again.
		expect((await workflow.run('upsert', only([0, 2, 4]), snapshot)).outputs[1]).toEqual([]);
		const back = await workflow.run('upsert', only([0, 1, 2, 4]), snapshot);
		expect(back.outputs[1]).toEqual([]);
		expect((await workflow.run('upsert', only([0, 2]), snapshot)).outputs[1].map((item) => item.json.id)).toEqual(['customId:c1', 'customId:c4']);
	});

	it('a dry run previews the missing keys without moving the list', async () => {
		const workflow = node(kind);
		await workflow.run('upsert', people(3), snapshot);
		const dry = await workflow.run('upsert', only([0]), { ...snapshot, dryRun: true });
		expect(dry.outputs[1].map((item) => item.json.id)).toEqual(['customId:c1', 'customId:c2']);
		expect((await workflow.run('upsert', only([0]), snapshot)).outputs[1].map((item) => item.json.id)).toEqual(['customId:c1', 'customId:c2']);
	});

	it('reports nothing when an item has no readable key, warns, and keeps the list', async () => {
		const workflow = node(kind);
		await workflow.run('upsert', people(3), snapshot);
		const broken = await workflow.run('upsert', [people(3)[0], { firstName: 'no identifier' }], snapshot, { continueOnFail: true });
		expect(broken.outputs[1]).toEqual([]);
		expect(broken.hints.map((hint) => hint.message)).toEqual([expect.stringMatching(/^Missing From Source is not reported for this run: item 1 could not be read/)]);
		const clean = await workflow.run('upsert', [people(3)[0]], snapshot);
		expect(clean.outputs[1].map((item) => item.json.id)).toEqual(['customId:c1', 'customId:c2']);
	});

	it('says it cannot report when the sync state knows the profiles but the list of keys did not reach the run', async () => {
		const workflow = node(kind);
		await workflow.run('upsert', people(3), snapshot);
		// A queue-mode worker gets no static data: the database state is there, the list is not.
		for (const key of Object.keys(workflow.staticData)) delete workflow.staticData[key];
		const run = await workflow.run('upsert', only([0]), snapshot);
		if (kind === 'database') {
			expect(run.outputs[1].map((item) => item.json)).toEqual([{ syncStatus: 'notReported', reason: MISSING_NOT_REPORTED }]);
		} else {
			// Static data is the whole state here: losing it is a first run again.
			expect(run.outputs[1]).toEqual([]);
		}
	});

	it('works with Send: All, and has one output without the option', async () => {
		const workflow = node(kind);
		await workflow.run('upsert', people(2), { fullSnapshot: true });
		const second = await workflow.run('upsert', only([1]), { fullSnapshot: true });
		expect(second.writes).toHaveLength(1);
		expect(second.outputs[1].map((item) => item.json)).toEqual([{ id: 'customId:c0', customId: 'c0', syncStatus: 'missing' }]);
		expect((await workflow.run('upsert', only([1]), CHANGED)).outputs).toHaveLength(1);
	});
});

describe('Synerise Sync: Reset Sync State', () => {
	it('forgets the state of the node, so the next run sends every profile again', async () => {
		const workflow = node('database');
		await workflow.run('upsert', people(4), CHANGED);
		expect((await workflow.run('upsert', people(4), CHANGED)).writes).toHaveLength(0);
		const reset = await workflow.run('resetSyncState', [{}], {});
		expect(reset.json).toEqual([{ syncStateReset: true, forgottenRecords: 0, forgottenDatabaseEntries: 4 * 6 }]);
		const after = await workflow.run('upsert', people(4), CHANGED);
		expect((after.writes[0].body as unknown[]).length).toBe(4);
	});

	it('leaves workflows without the option exactly as before: no state is read or kept', async () => {
		const workflow = node('database');
		const run = await workflow.run('upsert', people(2), {});
		expect(run.json[0]).toEqual({ status: 'queued', customId: 'c0', email: 'P0@Example.com' });
		expect(workflow.deduplication.calls).toEqual([]);
		expect(workflow.staticData).toEqual({});
	});
});

describe.each(SYNC_STORES)('Synerise Sync: Clear Removed Fields (%s store)', (kind) => {
	const CLEAR = { ...CHANGED, clearRemovedFields: true };
	/** people(3), with profile c1 lacking its first name and its visits. */
	const withoutFields = () =>
		people(3).map((person) => (person.customId === 'c1' ? { customId: 'c1', email: person.email, attributes: { tier: 'silver' } } : person));

	it('clears at Synerise the fields a known profile lost (null), once', async () => {
		const workflow = node(kind);
		await workflow.run('upsert', people(3), CLEAR);
		expect(profileOf('c1')).toMatchObject({ firstName: 'F1', attributes: { tier: 'silver', visits: 1 } });

		const run = await workflow.run('upsert', withoutFields(), CLEAR);
		expect(run.writes.map((call) => call.body)).toEqual([
			[{ customId: 'c1', email: 'P1@Example.com', firstName: null, attributes: { tier: 'silver', visits: null } }],
		]);
		expect(run.json.map(({ syncStatus, changedFields, clearedFields }) => ({ syncStatus, changedFields, clearedFields }))).toEqual([
			{ syncStatus: 'unchanged', changedFields: undefined, clearedFields: undefined },
			{ syncStatus: 'sent', changedFields: [], clearedFields: ['firstName', 'attributes.visits'] },
			{ syncStatus: 'unchanged', changedFields: undefined, clearedFields: undefined },
		]);
		expect(profileOf('c1').firstName).toBeNull();
		expect(profileOf('c1').attributes).toEqual({ tier: 'silver' });

		// Accepted: the next identical run clears nothing again.
		const rerun = await workflow.run('upsert', withoutFields(), CLEAR);
		expect(rerun.writes).toHaveLength(0);
		expect(rerun.json.map((json) => json.syncStatus)).toEqual(['unchanged', 'unchanged', 'unchanged']);

		// A field that comes back with its old value is sent again: the vendor no longer holds it.
		const back = await workflow.run('upsert', people(3), CLEAR);
		expect(back.writes.map((call) => (call.body as IDataObject[]).map((profile) => profile.customId))).toEqual([['c1']]);
		expect(profileOf('c1')).toMatchObject({ firstName: 'F1', attributes: { tier: 'silver', visits: 1 } });
	});

	it('clears nothing without the option', async () => {
		const workflow = node(kind);
		await workflow.run('upsert', people(3), CHANGED);
		const run = await workflow.run('upsert', withoutFields(), CHANGED);
		expect(run.writes).toHaveLength(0);
		expect(run.json[1]).toEqual({ customId: 'c1', email: 'P1@Example.com', syncStatus: 'unchanged' });
		expect(profileOf('c1')).toMatchObject({ firstName: 'F1', attributes: { tier: 'silver', visits: 1 } });
	});

	it('with Only Changed Fields sends the changed fields and the clears alone', async () => {
		const workflow = node(kind);
		const sync = { ...CLEAR, changedFieldsOnly: true };
		await workflow.run('upsert', people(3), sync);
		const input = withoutFields();
		(input[2].attributes as IDataObject).tier = 'gold';
		const run = await workflow.run('upsert', input, sync);
		expect(run.writes.map((call) => call.body)).toEqual([
			[
				{ customId: 'c1', email: 'P1@Example.com', firstName: null, attributes: { visits: null } },
				{ customId: 'c2', email: 'P2@Example.com', attributes: { tier: 'gold' } },
			],
		]);
		expect(run.json[1]).toMatchObject({ syncStatus: 'sent', changedFields: [], clearedFields: ['firstName', 'attributes.visits'] });
		expect(run.json[2]).toMatchObject({ syncStatus: 'sent', changedFields: ['attributes.tier'], clearedFields: [] });
		expect(profileOf('c1')).toMatchObject({ firstName: null, attributes: { tier: 'silver' } });
	});

	it('Dry Run previews the clears and changes nothing', async () => {
		const workflow = node(kind);
		await workflow.run('upsert', people(3), CLEAR);
		const before = { hashes: [...workflow.deduplication.hashes], staticData: JSON.stringify(workflow.staticData) };
		const dry = await workflow.run('upsert', withoutFields(), { ...CLEAR, dryRun: true });
		expect(dry.writes).toHaveLength(0);
		expect(dry.json[1]).toEqual({
			id: 'customId:c1',
			syncStatus: 'changed',
			changedFields: [],
			clearedFields: ['firstName', 'attributes.visits'],
			payload: { customId: 'c1', email: 'P1@Example.com', firstName: null, attributes: { tier: 'silver', visits: null } },
		});
		expect(dry.json[0]).toMatchObject({ syncStatus: 'unchanged', clearedFields: [] });
		expect({ hashes: [...workflow.deduplication.hashes], staticData: JSON.stringify(workflow.staticData) }).toEqual(before);
		expect(profileOf('c1')).toMatchObject({ firstName: 'F1', attributes: { visits: 1 } });

		const real = await workflow.run('upsert', withoutFields(), CLEAR);
		expect(real.json[1]).toMatchObject({ syncStatus: 'sent', clearedFields: ['firstName', 'attributes.visits'] });
	});

	it('remembers nothing of a refused profile: its fields are cleared again next run', async () => {
		const workflow = node(kind);
		await workflow.run('upsert', people(3), CLEAR);
		const intercept: FakeContextOptions['intercept'] = (request) =>
			request.path.endsWith('/v4/clients/batch') ? { status: 400, body: { status: 400, error: 'Bad Request', errors: [{ field: '[0].firstName', message: 'refused' }] } } : undefined;
		const refused = await workflow.run('upsert', withoutFields(), CLEAR, { continueOnFail: true, intercept });
		expect(refused.json[1].error).toBeDefined();
		expect(profileOf('c1')).toMatchObject({ firstName: 'F1', attributes: { visits: 1 } });

		const again = await workflow.run('upsert', withoutFields(), CLEAR);
		expect(again.writes.map((call) => call.body)).toEqual([
			[{ customId: 'c1', email: 'P1@Example.com', firstName: null, attributes: { tier: 'silver', visits: null } }],
		]);
		expect(profileOf('c1').attributes).toEqual({ tier: 'silver' });
		expect((await workflow.run('upsert', withoutFields(), CLEAR)).writes).toHaveLength(0);
	});

	it('finds a field every profile of the run lost, by the names the last run kept', async () => {
		const workflow = node(kind);
		await workflow.run('upsert', people(2), CLEAR);
		const noVisits = people(2).map(({ attributes, ...person }) => ({ ...person, attributes: { tier: attributes.tier } }));
		const run = await workflow.run('upsert', noVisits, CLEAR);
		expect(run.json.map((json) => json.clearedFields)).toEqual([['attributes.visits'], ['attributes.visits']]);
		expect(profileOf('c0').attributes).toEqual({ tier: 'silver' });
		expect(profileOf('c1').attributes).toEqual({ tier: 'silver' });
	});

	it('knows fields from the first run with the option on, even for profiles synced before', async () => {
		const workflow = node(kind);
		await workflow.run('upsert', people(3), CHANGED);
		const keysWithout = workflow.deduplication.hashes.size;
		// Turned on: nothing changed, nothing is sent, but the fields the profiles hold are now known (one key per
		// field that can be cleared: firstName and two attributes, not the email, an identifier).
		const on = await workflow.run('upsert', people(3), CLEAR);
		expect(on.writes).toHaveLength(0);
		if (kind === 'database') expect(workflow.deduplication.hashes.size).toBe(keysWithout + 3 * 3);
		const run = await workflow.run('upsert', withoutFields(), CLEAR);
		expect(run.json[1]).toMatchObject({ syncStatus: 'sent', clearedFields: ['firstName', 'attributes.visits'] });
		expect(profileOf('c1').attributes).toEqual({ tier: 'silver' });
	});
});
