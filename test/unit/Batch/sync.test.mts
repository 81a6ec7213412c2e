// The Sync option of Batch's Create or Update (node version 2), against the Batch sandbox with both state
// stores: n8n's deduplication table (a saved workflow's trigger run) and static data (a manual run). And
// version 1, which saved workflows keep, still running its own "Only Send Changes" exactly as before.
import type { IDataObject, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { beforeEach, describe, expect, it } from 'vitest';

import { Batch } from '../../../nodes/Batch/Batch.node';
import { SYNC_STATE_KEY } from '../../../nodes/Batch/helpers/sync';
import { SYNC_STATE_KEY as ONLY_SEND_CHANGES_STATE_KEY } from '../../../nodes/Batch/helpers/syncState';
import type { FakeOptions } from './context.mts';
import { fakeContext, upsertParameters } from './context.mts';
import { useBatch } from './sandbox.mts';
import type { SyncStore } from '../../helpers/syncState.mts';
import { nodeState, SYNC_STORES } from '../../helpers/syncState.mts';

const { credentials, configure, state } = await useBatch();

interface StoredProfile {
	attributes: Record<string, { type: string; value: unknown }>;
	events: Array<{ name: string }>;
}

async function batchProfiles(): Promise<Record<string, StoredProfile>> {
	return (await state<{ profiles: Record<string, StoredProfile> }>()).profiles;
}

beforeEach(async () => {
	await configure({ timeScale: 1, knobs: { poisonCustomIds: [], visibilityDelayMs: 0 } });
});

type Operation = { identifiers: { custom_id: string }; attributes?: IDataObject; events?: IDataObject[] };

/** A workflow's Batch node across runs: the same state store every run, as n8n keeps it. */
function node(kind: SyncStore, typeVersion = 2) {
	const { staticData, deduplication, context } = nodeState(kind);
	const run = async (items: IDataObject[], parameters: Record<string, unknown>, extra: Partial<FakeOptions> = {}) => {
		const fake = fakeContext({ items, credentials, parameters, ...context, typeVersion, ...extra });
		const outputs = (await new Batch().execute.call(fake.ctx)) as INodeExecutionData[][];
		const sent = fake.requests.filter((request) => request.status === 202).flatMap((request) => request.body as Operation[]);
		return { outputs, out: outputs[0], json: outputs[0].map((item) => item.json), requests: fake.requests, sent, ids: sent.map((op) => op.identifiers.custom_id) };
	};
	return {
		staticData,
		deduplication,
		run,
		/** Create or Update with these Sync settings (none: the node's default) and other parameters. */
		upsert: (items: IDataObject[], sync?: IDataObject, overrides: Record<string, unknown> = {}, extra: Partial<FakeOptions> = {}) =>
			run(items, upsertParameters({ ...(sync === undefined ? {} : { sync }), ...overrides }), extra),
		reset: () => run([{}], { resource: 'profile', operation: 'resetSyncState' }),
		/** Both stores as bytes, to tell that a run changed no state. */
		snapshot: () => JSON.stringify({ hashes: [...deduplication.hashes].sort(), staticData }),
	};
}

const profiles = (count: number, change: (i: number) => IDataObject = () => ({})) =>
	Array.from({ length: count }, (_, i) => ({ custom_id: `u${i}`, plan: 'basic', logins: i, ...change(i) }));
const recentEvents = (name: string) => JSON.stringify([{ name, time: new Date(Date.now() - 60_000).toISOString() }]);

describe.each(SYNC_STORES)('Batch Sync, node version 2 (%s store)', (kind) => {
	it('sends only changes by default: everything once, nothing on an identical rerun, then only the changed profile, whole', async () => {
		const workflow = node(kind);
		const first = await workflow.upsert(profiles(3));
		expect(first.ids).toEqual(['u0', 'u1', 'u2']);
		expect(first.json[0]).toEqual({ customId: 'u0', status: 'sent', route: 'update', attributes: ['plan', 'logins'], syncStatus: 'sent', changedFields: ['plan', 'logins'] });

		// Same values in another key order: no request at all.
		const second = await workflow.upsert(profiles(3).map(({ logins, plan, custom_id }) => ({ logins, custom_id, plan })));
		expect(second.requests).toHaveLength(0);
		expect(second.json).toEqual([0, 1, 2].map((i) => ({ customId: `u${i}`, syncStatus: 'unchanged' })));
		expect(second.out.map((item) => item.pairedItem)).toEqual([0, 1, 2].map((item) => ({ item })));
		expect(second.outputs).toHaveLength(1);

		const third = await workflow.upsert(profiles(3, (i) => (i === 1 ? { plan: 'gold' } : {})));
		expect(third.sent).toEqual([{ identifiers: { custom_id: 'u1' }, attributes: { plan: 'gold', logins: 1 } }]);
		expect(third.json.map((json) => json.syncStatus)).toEqual(['unchanged', 'sent', 'unchanged']);
		expect(third.json[1].changedFields).toEqual(['plan']);
	});

	it('keeps its state under its own key, away from version 1\'s', async () => {
		const workflow = node(kind);
		await workflow.upsert(profiles(2), { send: 'changed', fullSnapshot: true });
		expect(Object.keys(workflow.staticData).sort()).toEqual(
			kind === 'staticData' ? [SYNC_STATE_KEY, `${SYNC_STATE_KEY}Inputs`, `${SYNC_STATE_KEY}Snapshot`] : [`${SYNC_STATE_KEY}Inputs`, `${SYNC_STATE_KEY}Snapshot`],
		);
		expect(SYNC_STATE_KEY).not.toBe(ONLY_SEND_CHANGES_STATE_KEY);
	});

	it('Send: All sends every profile every run', async () => {
		const workflow = node(kind);
		await workflow.upsert(profiles(2), { send: 'all' });
		const again = await workflow.upsert(profiles(2), { send: 'all' });
		expect(again.ids).toEqual(['u0', 'u1']);
		expect(again.json[0]).toEqual({ customId: 'u0', status: 'sent', route: 'update', attributes: ['plan', 'logins'] });
	});

	it('Only Changed Fields sends a known profile its Custom ID and the changed attribute alone; a new one whole', async () => {
		const workflow = node(kind);
		const sync = { changedFieldsOnly: true };
		await workflow.upsert(profiles(2), sync);
		const run = await workflow.upsert([...profiles(2, (i) => (i === 0 ? { plan: 'gold' } : {})), { custom_id: 'u9', plan: 'new', logins: 0 }], sync);
		expect(run.sent).toEqual([
			{ identifiers: { custom_id: 'u0' }, attributes: { plan: 'gold' } },
			{ identifiers: { custom_id: 'u9' }, attributes: { plan: 'new', logins: 0 } },
		]);
		expect(run.json.map((json) => json.syncStatus)).toEqual(['sent', 'unchanged', 'sent']);
		expect(run.json[0]).toMatchObject({ attributes: ['plan'], changedFields: ['plan'] });
		// Batch kept the attribute left out.
		expect((await batchProfiles()).u0.attributes).toMatchObject({ plan: { value: 'gold' }, logins: { value: 0 } });
	});

	it('always sends a profile with events, with its events, and with Only Changed Fields without its unchanged attributes', async () => {
		const workflow = node(kind);
		const items = [{ custom_id: 'ev', plan: 'basic' }];
		const withEvents = (name: string) => ({ additionalFields: { events: recentEvents(name) } });
		await workflow.upsert(items, undefined, withEvents('first_login'));
		const again = await workflow.upsert(items, undefined, withEvents('purchase'));
		expect(again.sent).toEqual([{ identifiers: { custom_id: 'ev' }, attributes: { plan: 'basic' }, events: [expect.objectContaining({ name: 'purchase' })] }]);
		expect(again.json[0]).toMatchObject({ syncStatus: 'sent', changedFields: [] });
		const narrowed = await workflow.upsert(items, { changedFieldsOnly: true }, withEvents('logout'));
		expect(narrowed.sent).toEqual([{ identifiers: { custom_id: 'ev' }, events: [expect.objectContaining({ name: 'logout' })] }]);
		expect((await batchProfiles()).ev.events.map((event) => event.name)).toEqual(['first_login', 'purchase', 'logout']);
		// Without events the same profile is unchanged.
		expect((await workflow.upsert(items)).requests).toHaveLength(0);
	});

	it('Dry Run sends nothing, leaves the state byte for byte as it was, and says new, changed, unchanged or invalid', async () => {
		const workflow = node(kind);
		await workflow.upsert(profiles(2));
		const before = workflow.snapshot();
		const input = [...profiles(2, (i) => (i === 1 ? { plan: 'gold' } : {})), { custom_id: 'u7', plan: 'new' }, { plan: 'no id' }];
		const dry = await workflow.upsert(input, { dryRun: true });
		expect(dry.requests).toHaveLength(0);
		expect(dry.json.slice(0, 3)).toEqual([
			{ id: 'u0', syncStatus: 'unchanged', changedFields: [] },
			{ id: 'u1', syncStatus: 'changed', changedFields: ['plan'], payload: { customId: 'u1', body: { identifiers: { custom_id: 'u1' }, attributes: { plan: 'gold', logins: 1 } }, hasEvents: false, attributes: ['plan', 'logins'] } },
			expect.objectContaining({ id: 'u7', syncStatus: 'new', changedFields: ['plan'] }),
		]);
		expect(dry.json[3]).toMatchObject({ syncStatus: 'invalid', details: { itemIndex: 3, field: 'custom_id' } });
		expect(workflow.snapshot()).toBe(before);
		// The dry run recorded nothing: the real run still sends the changed and the new profile.
		expect((await workflow.upsert(input.slice(0, 3))).ids).toEqual(['u1', 'u7']);
	});

	it('never records a profile Batch dropped part of: that item fails and is sent again next run', async () => {
		const workflow = node(kind);
		await configure({ knobs: { poisonCustomIds: ['u1'] } });
		const first = await workflow.upsert(profiles(3), undefined, {}, { continueOnFail: true });
		expect(first.json.map((json) => json.syncStatus ?? json.error)).toEqual(['sent', expect.stringMatching(/^Item 1, field "plan"/), 'sent']);
		await configure({ knobs: { poisonCustomIds: [] } });
		const second = await workflow.upsert(profiles(3));
		expect(second.ids).toEqual(['u1']);
		expect(second.json.map((json) => json.syncStatus)).toEqual(['unchanged', 'sent', 'unchanged']);
	});

	it('does not remember a profile whose answer does not confirm it (an undocumented code): it says so and is sent again next run', async () => {
		const workflow = node(kind);
		const unknownAnswer: FakeOptions['intercept'] = (request, number) =>
			number === 1 && request.path.endsWith('/profiles/update') ? { status: 202, body: { code: 'QUEUED' } } : undefined;
		const first = await workflow.upsert(profiles(2), undefined, {}, { intercept: unknownAnswer });
		expect(first.json.map((json) => json.syncStatus)).toEqual(['unconfirmed', 'unconfirmed']);
		expect(first.json[0].warning).toMatch(/^Batch answered \{"code":"QUEUED"\}; this profile will be sent again next run/);
		const second = await workflow.upsert(profiles(2));
		expect(second.ids).toEqual(['u0', 'u1']);
		expect(second.json.map((json) => json.syncStatus)).toEqual(['sent', 'sent']);
		expect((await workflow.upsert(profiles(2))).requests).toHaveLength(0);
	});

	it('Input Is a Full Snapshot reports a Custom ID that left the source on Missing From Source', async () => {
		const workflow = node(kind);
		const sync = { fullSnapshot: true };
		const first = await workflow.upsert(profiles(3), sync);
		expect(first.outputs).toHaveLength(2);
		expect(first.outputs[1]).toEqual([]);
		const second = await workflow.upsert(profiles(3).filter((profile) => profile.custom_id !== 'u1'), sync);
		expect(second.requests).toHaveLength(0);
		expect(second.outputs[1].map((item) => item.json)).toEqual([{ id: 'u1', customId: 'u1', syncStatus: 'missing' }]);
		// Reported once.
		expect((await workflow.upsert(profiles(3).filter((profile) => profile.custom_id !== 'u1'), sync)).outputs[1]).toEqual([]);
	});

	it('Reset Sync State forgets the Sync state in both stores, so the next run sends every profile', async () => {
		const workflow = node(kind);
		await workflow.upsert(profiles(3), { fullSnapshot: true });
		// A state a version 1 node of the same name left in static data goes too.
		workflow.staticData[ONLY_SEND_CHANGES_STATE_KEY] = { v: 1, granularity: 'profile', profiles: { u0: 'e3962323e22a1d19' } };
		const reset = await workflow.reset();
		expect(reset.json).toEqual([{ syncStateReset: true, forgottenRecords: kind === 'staticData' ? 3 : 0, forgottenDatabaseEntries: kind === 'database' ? 3 * 4 : 0 }]);
		expect(workflow.staticData).toEqual({});
		expect((await workflow.upsert(profiles(3))).ids).toEqual(['u0', 'u1', 'u2']);
	});
});

describe('Batch node version 1: saved workflows run as before', () => {
	it.each(SYNC_STORES)('keeps Only Send Changes, its output and its state (%s store)', async (kind) => {
		const workflow = node(kind, 1);
		const first = await workflow.upsert(profiles(2));
		expect(first.outputs).toHaveLength(1);
		expect(first.json).toEqual([0, 1].map((i) => ({ customId: `u${i}`, status: 'sent', route: 'update', attributes: ['plan', 'logins'] })));
		const second = await workflow.upsert(profiles(2));
		expect(second.requests).toHaveLength(0);
		expect(second.json[0]).toEqual({ customId: 'u0', status: 'skipped', reason: 'unchanged since the last run Batch accepted it' });
		expect(Object.keys(workflow.staticData)).toEqual(kind === 'staticData' ? [ONLY_SEND_CHANGES_STATE_KEY] : []);
		// Its options still apply; a Sync collection (which version 1 does not show) is not read.
		const off = await workflow.upsert(profiles(2), { send: 'changed', fullSnapshot: true }, { options: { onlySendChanges: false } });
		expect(off.ids).toEqual(['u0', 'u1']);
		expect(off.outputs).toHaveLength(1);
		const reset = await workflow.reset();
		expect(reset.json).toEqual([{ syncStateReset: true, forgottenProfiles: kind === 'staticData' ? 2 : 0, forgottenDatabaseEntries: kind === 'database' ? 2 : 0 }]);
	});
});

describe('Batch node description', () => {
	const { description } = new Batch();
	const upsertProperties = description.properties.filter((property) => property.displayOptions?.show?.operation?.includes('createOrUpdate'));
	const versionsOf = (property: INodeProperties) => JSON.stringify(property.displayOptions?.show?.['@version']);

	it('is version 2 for new nodes, with the Sync outputs', () => {
		expect(description.version).toEqual([1, 2]);
		expect(description.defaultVersion).toBe(2);
		expect(description.outputs).toContain('Missing From Source');
	});

	it('shows the Sync option, sending only changes by default, to version 2 and Only Send Changes to version 1', () => {
		const sync = upsertProperties.find((property) => property.name === 'sync')!;
		expect(versionsOf(sync)).toBe(JSON.stringify([{ _cnd: { gte: 2 } }]));
		const send = (sync.options as INodeProperties[]).find((option) => option.name === 'send')!;
		expect(send.default).toBe('changed');
		const options = upsertProperties.find((property) => property.name === 'options')!.options as INodeProperties[];
		for (const name of ['onlySendChanges', 'changedAttributesOnly']) {
			expect(versionsOf(options.find((option) => option.name === name)!)).toBe(JSON.stringify([{ _cnd: { lt: 2 } }]));
		}
	});
});

describe.each(SYNC_STORES)('Batch Sync, node version 2: Clear Removed Fields (%s store)', (kind) => {
	const CLEAR = { clearRemovedFields: true };
	/** profiles(3), with profile u1 lacking its logins. */
	const withoutLogins = () => profiles(3).map(({ logins, ...profile }) => (profile.custom_id === 'u1' ? profile : { ...profile, logins }));

	it('deletes at Batch the attribute a known profile lost (null), once; not without the option', async () => {
		const workflow = node(kind);
		await workflow.upsert(profiles(3), CLEAR);
		expect((await batchProfiles()).u1.attributes).toMatchObject({ logins: { value: 1 } });
		const run = await workflow.upsert(withoutLogins(), CLEAR);
		expect(run.sent).toEqual([{ identifiers: { custom_id: 'u1' }, attributes: { plan: 'basic', logins: null } }]);
		expect(run.json[1]).toMatchObject({ syncStatus: 'sent', changedFields: [], clearedFields: ['logins'] });
		expect((await batchProfiles()).u1.attributes).not.toHaveProperty('logins');
		expect((await workflow.upsert(withoutLogins(), CLEAR)).requests).toHaveLength(0);

		const other = node(kind);
		await other.upsert(profiles(3, () => ({ custom_id: 'w' })).slice(0, 1));
		const off = await other.upsert([{ custom_id: 'w', plan: 'basic' }]);
		expect(off.requests).toHaveLength(0);
		expect((await batchProfiles()).w.attributes).toMatchObject({ logins: { value: 0 } });
	});

	it('a dry run previews the clear and changes nothing; a refused profile is cleared again next run', async () => {
		const workflow = node(kind);
		await workflow.upsert(profiles(3), CLEAR);
		const before = workflow.snapshot();
		const dry = await workflow.upsert(withoutLogins(), { ...CLEAR, dryRun: true });
		expect(dry.requests).toHaveLength(0);
		expect(dry.json[1]).toMatchObject({ syncStatus: 'changed', clearedFields: ['logins'] });
		expect(workflow.snapshot()).toBe(before);

		await configure({ knobs: { poisonCustomIds: ['u1'] } });
		const refused = await workflow.upsert(withoutLogins(), CLEAR, {}, { continueOnFail: true });
		expect(refused.json[1].error).toBeDefined();
		await configure({ knobs: { poisonCustomIds: [] } });
		expect((await batchProfiles()).u1.attributes).toMatchObject({ logins: { value: 1 } });
		const again = await workflow.upsert(withoutLogins(), CLEAR);
		expect(again.json[1]).toMatchObject({ syncStatus: 'sent', clearedFields: ['logins'] });
		expect((await batchProfiles()).u1.attributes).not.toHaveProperty('logins');
	});
});
