// The Sync option on Crescendo Lab's contact import, against the sandbox (time 100× faster), with both
// state stores: n8n's deduplication table (a saved workflow's trigger run) and static data (a manual run).
import type { IDataObject } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';

import { CrescendoLab } from '../../../nodes/CrescendoLab/CrescendoLab.node';
import { TASK_TAGS_FIELD } from '../../../nodes/CrescendoLab/helpers/sync';
import { credentials, maacCredentials } from '../../../sandbox/crescendoLab.mts';
import { fakeContext } from '../../helpers/fakeContext.mts';
import type { SyncStore } from '../../helpers/syncState.mts';
import { nodeState, SYNC_STORES } from '../../helpers/syncState.mts';
import { FAST, resetSandbox, sandboxCall, sandboxState, uid, useCrescendo } from './helpers.mts';

const sandbox = await useCrescendo();


/** A workflow's Crescendo Lab node across runs: the same state store every run, as n8n keeps it. */
function node(kind: SyncStore) {
	const { staticData, deduplication, context } = nodeState(kind);
	return {
		staticData,
		deduplication,
		run: async (items: IDataObject[], sync: IDataObject, extra: { params?: Record<string, unknown>; options?: IDataObject; continueOnFail?: boolean } = {}) => {
			const baseUrl = sandbox.vendor('crescendoLab').url;
			const ctx = fakeContext({
				items,
				params: {
					authentication: 'profileApi',
					resource: 'contact',
					operation: 'import',
					importKey: 'customer_id',
					columns: { mappingMode: 'autoMapInputData', value: null },
					options: { ...FAST, ...extra.options },
					sync,
					...extra.params,
				},
				credentials: { crescendoLabApi: { ...credentials, baseUrl }, crescendoLabMaacApi: { ...maacCredentials, baseUrl } },
				...context,
				continueOnFail: extra.continueOnFail,
				node: { name: 'Crescendo Lab', type: 'n8n-nodes-customer-profiles.crescendoLab' },
			});
			let out: Array<{ json: IDataObject; pairedItem?: unknown }> = [];
			let error: Error | undefined;
			try {
				[out] = (await new CrescendoLab().execute.call(ctx)) as typeof out[];
			} catch (caught) {
				error = caught as Error;
			}
			const tasks = ctx.calls.filter((call) => call.method === 'POST' && call.url.includes('/member/import'));
			return { out, error, tasks, rows: tasks.map((call) => (call.body as IDataObject).data as IDataObject[]), json: out.map((item) => item.json) };
		},
	};
}

const CHANGED = { send: 'changed' };
const contacts = (count: number, city = (_i: number) => 'Taipei') =>
	Array.from({ length: count }, (_, i) => ({ customer_id: `c${i}`, display_name: `Name ${i}`, city: city(i), cl_custom_points: i }));
const stored = async (customerId: string) =>
	((await sandboxState(sandbox)).contacts as IDataObject[]).find((contact) => contact.customer_id === customerId);

describe.each(SYNC_STORES)('Crescendo Lab Sync (%s store)', (kind) => {
	it('imports every contact once, starts no task on an identical rerun, then imports only the changed contact', async () => {
		const workflow = node(kind);
		const first = await workflow.run(contacts(5), CHANGED);
		expect(first.error).toBeUndefined();
		expect(first.rows.map((rows) => rows.length)).toEqual([5]);
		expect(first.json.map((json) => [json.outcome, json.syncStatus])).toEqual(Array(5).fill(['imported', 'sent']));
		expect(first.json[0].changedFields).toEqual(['display_name', 'city', 'cl_custom_points']);

		const second = await workflow.run(contacts(5), CHANGED);
		expect(second.tasks).toHaveLength(0);
		expect(second.json).toEqual(contacts(5).map((contact) => ({ importKey: 'customer_id', keyValue: contact.customer_id, syncStatus: 'unchanged' })));
		expect(second.out.map((item) => item.pairedItem)).toEqual([0, 1, 2, 3, 4].map((item) => ({ item })));

		// Whole contact by default: the changed contact goes out with every field it maps.
		const third = await workflow.run(contacts(5, (i) => (i === 3 ? 'Tainan' : 'Taipei')), CHANGED);
		expect(third.rows).toEqual([[{ customer_id: 'c3', display_name: 'Name 3', city: 'Tainan', cl_custom_points: 3 }]]);
		expect(third.json.map((json) => json.syncStatus)).toEqual(['unchanged', 'unchanged', 'unchanged', 'sent', 'unchanged']);
		expect(third.json[3]).toMatchObject({ outcome: 'imported', keyValue: 'c3', changedFields: ['city'] });
		expect(await stored('c3')).toMatchObject({ city: 'Tainan' });
	});

	it('with Only Changed Fields sends a known contact its key and the changed field alone, next to a new contact whole', async () => {
		const workflow = node(kind);
		const sync = { ...CHANGED, changedFieldsOnly: true };
		await workflow.run(contacts(3), sync);
		const input: IDataObject[] = contacts(3, (i) => (i === 1 ? 'Kaohsiung' : 'Taipei'));
		input.push({ customer_id: 'c9', display_name: 'New', city: 'Hsinchu' });
		const run = await workflow.run(input, sync);
		// One task: rows need not share their columns, an absent field is kept by Crescendo Lab.
		expect(run.rows).toEqual([[{ customer_id: 'c1', city: 'Kaohsiung' }, input[3]]]);
		expect(run.json.map((json) => json.syncStatus)).toEqual(['unchanged', 'sent', 'unchanged', 'sent']);
		expect(run.json[1].changedFields).toEqual(['city']);
		expect(await stored('c1')).toMatchObject({ display_name: 'Name 1', city: 'Kaohsiung', cl_custom_points: 1 });
		expect(await stored('c9')).toMatchObject({ display_name: 'New' });
	});

	it('Dry Run starts no task, changes no state, and says new, changed (with fields), unchanged or invalid per item', async () => {
		const workflow = node(kind);
		await workflow.run(contacts(3), CHANGED);
		const before = { hashes: [...workflow.deduplication.hashes], staticData: JSON.stringify(workflow.staticData) };
		const tasksBefore = (await sandboxState(sandbox)).tasks.length;
		const input = [...contacts(3, (i) => (i === 2 ? 'Tainan' : 'Taipei')), { customer_id: 'c7', display_name: 'Seven' }, { display_name: 'No key' }];
		const dry = await workflow.run(input, { ...CHANGED, dryRun: true });
		expect(dry.error).toBeUndefined();
		expect(dry.tasks).toHaveLength(0);
		expect((await sandboxState(sandbox)).tasks.length).toBe(tasksBefore);
		expect(dry.json.slice(0, 4).map(({ id, syncStatus, changedFields }) => ({ id, syncStatus, changedFields }))).toEqual([
			{ id: 'customer_id:c0', syncStatus: 'unchanged', changedFields: [] },
			{ id: 'customer_id:c1', syncStatus: 'unchanged', changedFields: [] },
			{ id: 'customer_id:c2', syncStatus: 'changed', changedFields: ['city'] },
			{ id: 'customer_id:c7', syncStatus: 'new', changedFields: ['display_name'] },
		]);
		expect(dry.json[4]).toMatchObject({ syncStatus: 'invalid', details: { itemIndex: 4, field: 'customer_id' } });
		expect(String(dry.json[4].error)).toMatch(/^Item 4, field "customer_id": is empty/);
		expect(dry.out.map((item) => item.pairedItem)).toEqual([0, 1, 2, 3, 4].map((item) => ({ item })));
		expect({ hashes: [...workflow.deduplication.hashes], staticData: JSON.stringify(workflow.staticData) }).toEqual(before);

		// The dry run recorded nothing: the real run still imports the changed and the new contact.
		const real = await workflow.run(input.slice(0, 4), CHANGED);
		expect(real.rows.map((rows) => rows.map((row) => row.customer_id))).toEqual([['c2', 'c7']]);
	});

	it('never records a contact of the mismatch file: it fails its item and is sent again next run', async () => {
		const workflow = node(kind);
		await resetSandbox(sandbox, { contacts: [{ line_uid: uid(1) }, { line_uid: uid(2) }] });
		const maac = { params: { authentication: 'maacApi', importKey: 'line_uid' }, continueOnFail: true };
		const input = [1, 2, 3].map((n) => ({ line_uid: uid(n), line_display_name: `User ${n}` }));
		const first = await workflow.run(input, CHANGED, maac);
		expect(first.rows.map((rows) => rows.length)).toEqual([3]);
		expect(first.json.map((json) => json.syncStatus ?? json.error)).toEqual([
			'sent',
			'sent',
			expect.stringMatching(/^Item 2, field "line_uid": Import task \d+: No contact with this LINE UID/),
		]);

		// The LINE user follows the account; the next run sends only that contact and then remembers it.
		await sandboxCall(sandbox, 'POST', '/__sandbox/config', { knobs: { contacts: [{ line_uid: uid(1) }, { line_uid: uid(2) }, { line_uid: uid(3) }] } });
		const second = await workflow.run(input, CHANGED, maac);
		expect(second.rows).toEqual([[input[2]]]);
		expect(second.json.map((json) => json.syncStatus)).toEqual(['unchanged', 'unchanged', 'sent']);
		expect((await workflow.run(input, CHANGED, maac)).tasks).toHaveLength(0);
	});

	it('never records the contacts of a task that failed, so the next run imports them again', async () => {
		const workflow = node(kind);
		// This account has no `company` field: the whole task fails validation (§5B B2).
		await resetSandbox(sandbox, { disabledFields: ['company'] });
		const input = [{ customer_id: 'a', company: 'ACME' }, { customer_id: 'b', display_name: 'Bee' }];
		const failed = await workflow.run(input, CHANGED, { continueOnFail: true });
		expect(failed.json.map((json) => String(json.error))).toEqual([
			expect.stringMatching(/^Item 0, field "company": Import task \d+: the task failed validation/),
			expect.stringMatching(/^Item 1: Import task \d+: .*not imported because of other contacts/),
		]);
		await sandboxCall(sandbox, 'POST', '/__sandbox/config', { knobs: { disabledFields: [] } });
		const retried = await workflow.run(input, CHANGED);
		expect(retried.rows).toEqual([input]);
		expect(retried.json.map((json) => json.syncStatus)).toEqual(['sent', 'sent']);
	});

	it('forgets everything with Reset Sync State, so the next run imports every contact again', async () => {
		const workflow = node(kind);
		await workflow.run(contacts(4), CHANGED);
		expect((await workflow.run(contacts(4), CHANGED)).tasks).toHaveLength(0);
		const reset = await workflow.run([{}], {}, { params: { operation: 'resetSyncState' } });
		// Per contact: its presence key and one fingerprint for each of its 3 fields.
		expect(reset.json).toEqual([
			kind === 'database'
				? { syncStateReset: true, forgottenRecords: 0, forgottenDatabaseEntries: 4 * 5 }
				: { syncStateReset: true, forgottenRecords: 4, forgottenDatabaseEntries: 0 },
		]);
		expect(reset.tasks).toHaveLength(0);
		const after = await workflow.run(contacts(4), CHANGED);
		expect(after.rows.map((rows) => rows.length)).toEqual([4]);
		expect(after.json.map((json) => json.syncStatus)).toEqual(Array(4).fill('sent'));
	});
});

describe('Crescendo Lab Sync: keys, tags and settings', () => {
	it('keys a contact by its import key as sent: a local mobile number and its E.164 form are one contact', async () => {
		const workflow = node('database');
		const params = { params: { importKey: 'display_mobile' } };
		const first = await workflow.run([{ display_mobile: '0912345678', display_name: 'Ann' }], CHANGED, params);
		expect(first.rows).toEqual([[{ display_mobile: '+886912345678', display_name: 'Ann' }]]);
		const again = await workflow.run([{ display_mobile: '+886 912 345 678', display_name: 'Ann' }], CHANGED, params);
		expect(again.tasks).toHaveLength(0);
		expect(again.json).toEqual([{ importKey: 'display_mobile', keyValue: '+886912345678', syncStatus: 'unchanged' }]);
	});

	it('on MAAC v1 a new task-wide tag changes every contact; narrowed rows keep only the key, the task carries the tag', async () => {
		const workflow = node('database');
		await resetSandbox(sandbox, { contacts: [{ customer_id: 'm1' }, { customer_id: 'm2' }] });
		const maac = (tags: string) => ({ params: { authentication: 'maacApi' }, options: { tags } });
		const input = [{ customer_id: 'm1', email: 'm1@example.com' }, { customer_id: 'm2', email: 'm2@example.com' }];
		const sync = { ...CHANGED, changedFieldsOnly: true };
		await workflow.run(input, sync, maac('vip'));
		expect((await workflow.run(input, sync, maac('vip'))).tasks).toHaveLength(0);
		const tagged = await workflow.run(input, sync, maac('vip, gold'));
		expect(tagged.tasks.map((call) => call.body)).toEqual([{ import_key: 'customer_id', data: [{ customer_id: 'm1' }, { customer_id: 'm2' }], tags: ['vip', 'gold'] }]);
		expect(tagged.json.map((json) => json.changedFields)).toEqual([[TASK_TAGS_FIELD], [TASK_TAGS_FIELD]]);
		expect((await stored('m2'))?.tags).toEqual(['vip', 'gold']);
	});

	it('refuses Send: Only Changed without Wait for Completion, before any task starts', async () => {
		const workflow = node('database');
		const run = await workflow.run(contacts(2), CHANGED, { options: { waitForCompletion: false } });
		expect(run.error?.message).toMatch(/needs Wait for Completion/);
		expect(run.tasks).toHaveLength(0);
		expect(workflow.deduplication.calls).toEqual([]);
		// A dry run sends nothing, so it needs no waiting.
		const dry = await workflow.run(contacts(2), { ...CHANGED, dryRun: true }, { options: { waitForCompletion: false } });
		expect(dry.json.map((json) => json.syncStatus)).toEqual(['new', 'new']);
	});

	it('without Continue On Fail a contact of the mismatch file stops the node, and is not recorded', async () => {
		const workflow = node('database');
		await resetSandbox(sandbox, { contacts: [{ line_uid: uid(1) }] });
		const maac = { params: { authentication: 'maacApi', importKey: 'line_uid' } };
		const input = [{ line_uid: uid(1), line_display_name: 'One' }, { line_uid: uid(2), line_display_name: 'Two' }];
		const run = await workflow.run(input, CHANGED, maac);
		expect(run.error?.message).toMatch(/^Item 1, field "line_uid": Import task \d+: No contact with this LINE UID.*1 other item had already succeeded/);
		expect((await workflow.run(input, CHANGED, { ...maac, continueOnFail: true })).rows).toEqual([[input[1]]]);
	});

	it('leaves runs without the option exactly as before: no state is read or kept', async () => {
		const workflow = node('database');
		const run = await workflow.run(contacts(2), {});
		expect(run.json[0]).toMatchObject({ keyValue: 'c0', outcome: 'imported' });
		expect(run.json[0]).not.toHaveProperty('syncStatus');
		expect(workflow.deduplication.calls).toEqual([]);
		expect(workflow.staticData).toEqual({});
		expect((await workflow.run(contacts(2), {})).rows.map((rows) => rows.length)).toEqual([2]);
		// Without the option a mismatched contact stays a "notMatched" output item, as before.
		await resetSandbox(sandbox, { contacts: [{ line_uid: uid(1) }] });
		const maac = await workflow.run([{ line_uid: uid(1) }, { line_uid: uid(2) }], {}, { params: { authentication: 'maacApi', importKey: 'line_uid' } });
		expect(maac.json.map((json) => json.outcome)).toEqual(['imported', 'notMatched']);
		expect(workflow.deduplication.calls).toEqual([]);
	});
});

describe.each(SYNC_STORES)('Crescendo Lab Sync: Clear Removed Fields (%s store)', (kind) => {
	const CLEAR = { ...CHANGED, clearRemovedFields: true };
	/** contacts(3), with contact c1 lacking its city. */
	const withoutCity = () => contacts(3).map(({ city, ...contact }) => (contact.customer_id === 'c1' ? contact : { ...contact, city }));

	it('clears on the Profile API the field a known contact lost (null), once; not without the option', async () => {
		const workflow = node(kind);
		await workflow.run(contacts(3), CLEAR);
		expect(await stored('c1')).toMatchObject({ city: 'Taipei' });
		expect((await workflow.run(withoutCity(), CHANGED)).tasks).toHaveLength(0);
		const run = await workflow.run(withoutCity(), CLEAR);
		expect(run.rows).toEqual([[{ customer_id: 'c1', display_name: 'Name 1', cl_custom_points: 1, city: null }]]);
		expect(run.json[1]).toMatchObject({ outcome: 'imported', syncStatus: 'sent', changedFields: [], clearedFields: ['city'] });
		expect(await stored('c1')).not.toHaveProperty('city');
		expect((await workflow.run(withoutCity(), CLEAR)).tasks).toHaveLength(0);
	});

	it('a dry run previews the clear; a contact of a failed task is cleared again next run', async () => {
		const workflow = node(kind);
		await workflow.run(contacts(3), CLEAR);
		const before = JSON.stringify({ hashes: [...workflow.deduplication.hashes], staticData: workflow.staticData });
		const dry = await workflow.run(withoutCity(), { ...CLEAR, dryRun: true });
		expect(dry.tasks).toHaveLength(0);
		expect(dry.json[1]).toMatchObject({ syncStatus: 'changed', clearedFields: ['city'], payload: { row: { city: null } } });
		expect(JSON.stringify({ hashes: [...workflow.deduplication.hashes], staticData: workflow.staticData })).toBe(before);

		// This account has no `company` field: the whole task fails validation, c1's clear with it.
		await sandboxCall(sandbox, 'POST', '/__sandbox/config', { knobs: { disabledFields: ['company'] } });
		const failed = await workflow.run([...withoutCity(), { customer_id: 'x', company: 'ACME' }], CLEAR, { continueOnFail: true });
		expect(failed.json[1].error).toBeDefined();
		expect(await stored('c1')).toMatchObject({ city: 'Taipei' });
		await sandboxCall(sandbox, 'POST', '/__sandbox/config', { knobs: { disabledFields: [] } });
		const again = await workflow.run(withoutCity(), CLEAR);
		expect(again.json[1]).toMatchObject({ syncStatus: 'sent', clearedFields: ['city'] });
		expect(await stored('c1')).not.toHaveProperty('city');
	});
});
