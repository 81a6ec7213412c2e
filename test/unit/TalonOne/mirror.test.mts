// Update Audiences in Mirror Audience Members mode, against the sandbox: each item gives one audience's
// current members; the node adds the new ones and removes the ones it added before that are gone, keeping
// the member lists in the node's static data across runs.
import type { IDataObject } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';

import { MIRROR_STATE_KEY } from '../../../nodes/TalonOne/helpers/audienceMirror';
import { TalonOne } from '../../../nodes/TalonOne/TalonOne.node';
import type { FakeContextOptions } from '../../helpers/fakeContext.mts';
import { fakeContext } from '../../helpers/fakeContext.mts';
import { memberships, talon, useTalon } from './sandbox.mts';

const { sandbox, audiences } = await useTalon(['a1', 'a2']);

const MIRROR = {
	resource: 'customerProfile',
	operation: 'updateAudiences',
	mode: 'mirror',
	audienceIdType: 'internal',
	mirrorAudience: (_: number, json: IDataObject) => json.audience,
	mirrorMembers: (_: number, json: IDataObject) => json.members,
};

/** A workflow's node across runs, with its static data kept as n8n keeps it for production runs. */
function node() {
	const staticData: IDataObject = {};
	return {
		staticData,
		run: async (
			items: IDataObject[],
			extra: { params?: Record<string, unknown>; continueOnFail?: boolean; intercept?: FakeContextOptions['intercept'] } = {},
		) => {
			const ctx = fakeContext({
				items,
				params: { ...MIRROR, ...extra.params },
				credentials: { talonOneCdpApi: { ...sandbox.credentials } as IDataObject },
				node: { name: 'Talon.One', type: 'n8n-nodes-customer-profiles.talonOne' },
				staticData,
				mode: 'trigger',
				continueOnFail: extra.continueOnFail,
				intercept: extra.intercept,
			});
			const [out] = await new TalonOne().execute.call(ctx);
			const writes = ctx.calls.filter((call) => call.credentialType !== undefined && call.method === 'PUT');
			return { out, writes, bodies: writes.map((call) => call.body as any), json: out.map((item) => item.json) };
		},
	};
}

const ids = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}${i}`);
const membersOf = (audience: number) =>
	sandbox
		.state()
		.deployments[talon.DEPLOYMENT].profiles.filter((profile: any) => profile.audienceMemberships.some((m: { id: number }) => m.id === audience))
		.map((profile: any) => profile.integrationId)
		.sort();

describe('Customer Profile → Update Audiences, Mirror Audience Members', () => {
	it('adds the listed members, then adds the new and removes the gone ones, then sends nothing for the same list', async () => {
		const workflow = node();
		const first = await workflow.run([{ audience: audiences[0], members: ['m1', 'm2', 'm3'] }]);
		expect(first.bodies).toEqual([
			{
				data: ['m1', 'm2', 'm3'].map((customerProfileId) => ({ customerProfileId, adds: [audiences[0]], deletes: [] })),
			},
		]);
		expect(first.json).toEqual([
			{ audience: audiences[0], audienceIdType: 'internal', members: 3, added: ['m1', 'm2', 'm3'], removed: [], unchanged: 0, requests: 1 },
		]);
		expect(first.out[0].pairedItem).toEqual({ item: 0 });
		expect(membersOf(audiences[0])).toEqual(['m1', 'm2', 'm3']);

		const second = await workflow.run([{ audience: audiences[0], members: 'm2, m3, m4' }]);
		expect(second.bodies).toEqual([
			{
				data: [
					{ customerProfileId: 'm4', adds: [audiences[0]], deletes: [] },
					{ customerProfileId: 'm1', adds: [], deletes: [audiences[0]] },
				],
			},
		]);
		expect(second.json[0]).toMatchObject({ added: ['m4'], removed: ['m1'], unchanged: 2, requests: 1 });
		expect(membersOf(audiences[0])).toEqual(['m2', 'm3', 'm4']);

		const same = await workflow.run([{ audience: audiences[0], members: ['m4', 'm3', 'm2'] }]);
		expect(same.writes).toHaveLength(0);
		expect(same.json[0]).toMatchObject({ added: [], removed: [], unchanged: 3, requests: 0 });

		// An empty list is an audience without members: every member the node added is removed.
		const emptied = await workflow.run([{ audience: audiences[0], members: [] }]);
		expect(emptied.json[0]).toMatchObject({ added: [], removed: ['m4', 'm3', 'm2'] });
		expect(membersOf(audiences[0])).toEqual([]);
		expect(workflow.staticData[MIRROR_STATE_KEY]).toEqual({ v: 1, audiences: {} });
	});

	it('mirrors several audiences, one per item, and removes only members the node added itself', async () => {
		const workflow = node();
		// A member that joined through another node (or the Campaign Manager) is not the mirror's to remove.
		const other = fakeContext({
			items: [{}],
			params: { resource: 'customerProfile', operation: 'updateAudiences', audienceIdType: 'internal', customerProfileId: 'outsider', audiencesToAdd: `${audiences[1]}`, audiencesToRemove: '' },
			credentials: { talonOneCdpApi: { ...sandbox.credentials } as IDataObject },
		});
		await new TalonOne().execute.call(other);

		await workflow.run([
			{ audience: audiences[0], members: ['x', 'y'] },
			{ audience: audiences[1], members: ['y', 'z'] },
		]);
		const next = await workflow.run([
			{ audience: audiences[0], members: ['x'] },
			{ audience: audiences[1], members: ['z'] },
		]);
		expect(next.json.map((json) => json.removed)).toEqual([['y'], ['y']]);
		expect(membersOf(audiences[0])).toEqual(['x']);
		expect(membersOf(audiences[1])).toEqual(['outsider', 'z']);
		expect(memberships(sandbox.state(), 'y')).toEqual([]);
	});

	it('splits a long list into requests of at most 1,000 changes, one after another', async () => {
		const workflow = node();
		const run = await workflow.run([{ audience: audiences[0], members: ids('p', 2500) }]);
		expect(run.bodies.map((body) => body.data.length)).toEqual([1000, 1000, 500]);
		expect(run.json[0]).toMatchObject({ members: 2500, requests: 3 });
		expect(sandbox.state().membershipRequests.map((request: any) => request.changes)).toEqual([1000, 1000, 500]);
		expect(membersOf(audiences[0])).toHaveLength(2500);
	});

	it('after a run that failed partway, sends everything it may have applied again: adds while listed, removes once gone', async () => {
		const workflow = node();
		await workflow.run([{ audience: audiences[0], members: ['old1', 'old2'] }]);
		// 1,500 new members in two requests: the first is applied, the second refused.
		const intercept: FakeContextOptions['intercept'] = (_, number) => (number === 2 ? { status: 400, body: { StatusCode: 400, Error: 'Bad Request' } } : undefined);
		const failed = await workflow.run([{ audience: audiences[0], members: ids('n', 1500) }], { continueOnFail: true, intercept });
		expect(String(failed.json[0].error)).toMatch(
			/^Item 0: Request 2 of 2 for this audience failed\. .*400.* \(request 1 was applied; the next run sends this audience's changes again\)$/,
		);
		expect(membersOf(audiences[0])).toHaveLength(1000 + 2);

		// The next list has none of them: the 1,000 applied, the 500 refused and the two old members are all removed.
		const next = await workflow.run([{ audience: audiences[0], members: ['fresh'] }]);
		expect(next.json[0]).toMatchObject({ added: ['fresh'], unchanged: 0 });
		expect((next.json[0].removed as string[]).sort()).toEqual([...ids('n', 1500), 'old1', 'old2'].sort());
		expect(membersOf(audiences[0])).toEqual(['fresh']);
	});

	it('after a failed run, adds the listed members again even if the node had sent them before', async () => {
		const workflow = node();
		await workflow.run([{ audience: audiences[0], members: ['a'] }]);
		const refused = await workflow.run([{ audience: audiences[0], members: ['a', 'b'] }], {
			continueOnFail: true,
			intercept: () => ({ status: 400, body: { StatusCode: 400, Error: 'Bad Request' } }),
		});
		expect(refused.json[0].error).toBeDefined();
		const retried = await workflow.run([{ audience: audiences[0], members: ['a', 'b'] }]);
		expect(retried.bodies).toEqual([{ data: [{ customerProfileId: 'b', adds: [audiences[0]], deletes: [] }] }]);
		expect(membersOf(audiences[0])).toEqual(['a', 'b']);
	});

	it('Dry Run sends nothing, keeps the static data byte for byte, and says what a run would add and remove', async () => {
		const workflow = node();
		await workflow.run([{ audience: audiences[0], members: ['m1', 'm2'] }]);
		const before = JSON.stringify(workflow.staticData);
		const dry = await workflow.run([{ audience: audiences[0], members: ['m2', 'm3'] }], { params: { mirrorOptions: { dryRun: true } } });
		expect(dry.writes).toHaveLength(0);
		expect(dry.json).toEqual([
			{ audience: audiences[0], audienceIdType: 'internal', members: 2, added: ['m3'], removed: ['m1'], unchanged: 1, dryRun: true },
		]);
		expect(JSON.stringify(workflow.staticData)).toBe(before);
		expect(membersOf(audiences[0])).toEqual(['m1', 'm2']);
	});

	it('mirrors by external audience ID through the external-ID route', async () => {
		const workflow = node();
		const params = { audienceIdType: 'external' };
		await workflow.run([{ audience: 'a2', members: ['e1', 'e2'] }], { params });
		const run = await workflow.run([{ audience: 'a2', members: ['e2'] }], { params });
		expect(new URL(run.writes[0].url).pathname).toBe('/cdp/v2/customer_profiles/audiences');
		expect(run.bodies).toEqual([{ data: [{ customerProfileId: 'e1', adds: [], deletes: ['a2'] }] }]);
		expect(run.json[0]).toMatchObject({ audience: 'a2', audienceIdType: 'external' });
		expect(membersOf(audiences[1])).toEqual(['e2']);
	});

	it('refuses bad input before sending: a second list for one audience, a missing list, several audiences, a bad ID', async () => {
		const workflow = node();
		const cases: Array<[IDataObject[], string]> = [
			[
				[
					{ audience: audiences[0], members: ['a'] },
					{ audience: `${audiences[0]}`, members: ['b'] },
				],
				'Item 1, field "Audience": item 0 already gives the members of this audience',
			],
			[[{ audience: audiences[0] }], 'Item 0, field "Members": is missing'],
			[[{ audience: `${audiences[0]}, ${audiences[1]}`, members: ['a'] }], 'Item 0, field "Audience": names 2 audiences; give exactly one'],
			[[{ audience: audiences[0], members: ['a', ''] }], 'Item 0, field "Members": entry 1 ("") is not a profile integration ID'],
		];
		for (const [items, message] of cases) {
			const run = workflow.run(items);
			await expect(run).rejects.toThrow(message);
		}
		expect(sandbox.state().membershipRequests).toEqual([]);
		expect(workflow.staticData).toEqual({});
	});

	it('Reset Sync State forgets the member lists: the next run adds every listed member and removes none', async () => {
		const workflow = node();
		await workflow.run([{ audience: audiences[0], members: ['m1', 'm2'] }]);
		const reset = await workflow.run([{}], { params: { operation: 'resetSyncState' } });
		expect(reset.json[0]).toMatchObject({ syncStateReset: true, forgottenMirroredAudiences: 1 });
		const after = await workflow.run([{ audience: audiences[0], members: ['m2'] }]);
		expect(after.json[0]).toMatchObject({ added: ['m2'], removed: [] });
		expect(membersOf(audiences[0])).toEqual(['m1', 'm2']);
	});

	it('leaves Add and Remove as it was: no mode means changes, and no mirror state is kept', async () => {
		const workflow = node();
		const run = await workflow.run([{ id: 'p', audience: audiences[0], members: ['x'] }], {
			params: { mode: undefined, customerProfileId: 'p', audiencesToAdd: `${audiences[0]}`, audiencesToRemove: '' },
		});
		expect(run.json[0]).toMatchObject({ customerProfileId: 'p', added: [audiences[0]] });
		expect(workflow.staticData).toEqual({});
	});
});
