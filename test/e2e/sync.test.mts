// Profile Sync in real n8n 2.41.1, on the Synerise node: ONE imported workflow executed again and again (a
// re-import would replace its static data), its input served by a small HTTP listener the test controls.
// The workflow is the nightly-sync shape: fetch the source, sync it as a full snapshot, and wire the
// Missing From Source output to a delete.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Sandbox } from '../../sandbox/index.mts';
import { startSandbox } from '../../sandbox/index.mts';
import { KEYS } from '../../sandbox/synerise.mts';
import { N8n } from './harness.mts';
import { SyncSource } from './syncSource.mts';
import { linearWorkflow } from './workflows.mts';

const JWT = { id: 'syneriseSyncJwt', name: 'Synerise JWT' };

let sandbox: Sandbox;
let n8n: N8n;
let source: SyncSource;

const synerise = () => sandbox.vendor('synerise');
const state = () => synerise().module.state() as any;

async function settled(): Promise<any> {
	for (let i = 0; i < 200 && state().pending > 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
	return state();
}

/** The batch bodies Synerise received since `from` batches. */
const batchesSince = (from: number) => (state().batches as Array<{ items: number; status: number }>).slice(from);

beforeAll(async () => {
	sandbox = await startSandbox({ only: ['synerise'], ports: 'random' });
	source = await SyncSource.start();
	source.mode = { dryRun: false };
	n8n = N8n.create();
	await n8n.importCredentials([{ ...JWT, type: 'syneriseApi', data: { authMethod: 'jwt', apiKey: KEYS.full.apiKey, baseUrl: synerise().url, token: '' } }]);
});

afterAll(async () => {
	n8n?.dispose();
	await sandbox?.close();
	await source?.close();
});

const person = (i: number, tier = 'silver') => ({ customId: `sync-${i}`, email: `sync${i}@example.com`, firstName: `Person ${i}`, tier });

describe('Profile Sync in real n8n (Synerise)', () => {
	it('first run, identical rerun, a change, a removal wired to a delete, a dry run, and a refused item sent again', async () => {
		synerise().module.reset();
		synerise().module.configure({ applyDelayMs: 0 });
		const workflow = linearWorkflow({
			id: 'syneriseNightlySync',
			inputItems: [{}],
			nodes: [
				...source.fetchNodes(),
				{
					name: 'Sync',
					type: 'synerise',
					typeVersion: 2,
					credentials: { syneriseApi: JWT },
					onError: 'continueErrorOutput',
					parameters: {
						resource: 'profile',
						operation: 'upsert',
						columns: { mappingMode: 'autoMapInputData', value: null },
						sync: { send: 'changed', changedFieldsOnly: true, fullSnapshot: true, dryRun: '={{ $("Fetch Mode").first().json.dryRun }}' },
					},
				},
				{
					name: 'Delete Missing',
					type: 'synerise',
					typeVersion: 2,
					credentials: { syneriseApi: JWT },
					after: { node: 'Sync', output: 1 },
					parameters: { resource: 'profile', operation: 'delete', identifierType: 'customId', identifierValue: '={{ $json.customId }}' },
				},
			],
		});
		await n8n.importWorkflows([workflow]);
		const run = async () => {
			const result = await n8n.execute(workflow.id);
			expect(result.status, result.logs.slice(-3000)).toBe('success');
			return result;
		};
		const statuses = (result: Awaited<ReturnType<typeof run>>) => result.items('Sync').map((item) => item.json.syncStatus);

		// 1. First run: every profile is new and sent in one batch.
		source.rows = Array.from({ length: 50 }, (_, i) => person(i));
		const first = await run();
		expect(batchesSince(0).map((batch) => batch.items)).toEqual([50]);
		expect(statuses(first)).toEqual(Array(50).fill('sent'));
		expect(first.items('Sync', 1)).toEqual([]);
		expect((await settled()).profiles).toHaveLength(50);

		// 2. Identical rerun: nothing is sent.
		const second = await run();
		expect(batchesSince(1)).toEqual([]);
		expect(statuses(second)).toEqual(Array(50).fill('unchanged'));
		expect(second.items('Sync').map((item) => item.pairedItem)).toEqual(source.rows.map((_, item) => ({ item })));

		// 3. One profile changes one field and one leaves the source: the change alone is sent, and the one
		//    that left reaches the delete.
		source.rows = Array.from({ length: 50 }, (_, i) => person(i, i === 7 ? 'gold' : 'silver')).filter((_, i) => i !== 20);
		const third = await run();
		expect(batchesSince(1).map((batch) => batch.items)).toEqual([1]);
		expect(third.items('Sync').filter((item) => item.json.syncStatus === 'sent').map((item) => item.json)).toEqual([
			expect.objectContaining({ customId: 'sync-7', syncStatus: 'sent', changedFields: ['attributes.tier'] }),
		]);
		expect(third.items('Sync', 1).map((item) => item.json)).toEqual([{ id: 'customId:sync-20', customId: 'sync-20', syncStatus: 'missing' }]);
		expect(third.items('Delete Missing')).toHaveLength(1);
		const afterDelete = await settled();
		expect(afterDelete.profiles.find((profile: any) => profile.customId === 'sync-7')).toMatchObject({ firstName: 'Person 7', attributes: { tier: 'gold' } });
		expect(afterDelete.profiles.some((profile: any) => profile.customId === 'sync-20')).toBe(false);

		// 4. Dry run: a change and a new profile are previewed, nothing is sent or remembered.
		source.mode.dryRun = true;
		source.rows = [...Array.from({ length: 50 }, (_, i) => person(i, i === 7 || i === 8 ? 'gold' : 'silver')).filter((_, i) => i !== 20), person(99)];
		const dry = await run();
		expect(batchesSince(2)).toEqual([]);
		const previewed = dry.items('Sync').filter((item) => item.json.syncStatus !== 'unchanged').map((item) => ({ id: item.json.id, syncStatus: item.json.syncStatus, changedFields: item.json.changedFields }));
		expect(previewed).toEqual([
			{ id: 'customId:sync-8', syncStatus: 'changed', changedFields: ['attributes.tier'] },
			{ id: 'customId:sync-99', syncStatus: 'new', changedFields: ['email', 'firstName', 'attributes.tier'] },
		]);
		source.mode.dryRun = false;
		await run();
		expect(batchesSince(2).map((batch) => batch.items)).toEqual([2]);

		// 5. Synerise refuses an item: it goes to the error output, is not remembered, and is sent again next run.
		synerise().module.configure({ batchInvalidItems: 'reject400' });
		source.rows = [...(source.rows as ReturnType<typeof person>[]), { customId: 'sync-bad', email: 'not-an-email' }];
		const refused = await run();
		expect(refused.items('Sync', 2).map((item) => item.json.error)).toEqual([expect.stringMatching(/^Item 50/)]);
		const again = await run();
		expect(again.items('Sync', 2)).toHaveLength(1);
		expect(statuses(again).filter((status) => status !== 'unchanged')).toEqual([]);
		console.info(`sync e2e: first run ${first.executionTime('Sync')} ms, identical rerun ${second.executionTime('Sync')} ms`);
	});
});
