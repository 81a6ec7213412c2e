// Real-n8n runs of the Talon.One node against the sandbox fake (issue #4 "Done when").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Sandbox } from '../sandbox/index.mts';
import { startSandbox } from '../sandbox/index.mts';
import { DEPLOYMENT } from '../sandbox/talonOne.mts';
import { N8n } from './harness.mts';
import { linearWorkflow } from './workflows.mts';

const CREDENTIAL = { id: 'talonSandboxCred01', name: 'Talon.One sandbox' };
const credentials = { talonOneCdpApi: CREDENTIAL };

let sandbox: Sandbox;
let n8n: N8n;

async function vendorState(): Promise<any> {
	const response = await fetch(`${sandbox.vendor('talonOne').url}/__sandbox/state`);
	return await response.json();
}

async function vendorStats(): Promise<any> {
	const response = await fetch(`${sandbox.vendor('talonOne').url}/__sandbox/stats`);
	return await response.json();
}

async function resetVendor(): Promise<void> {
	await fetch(`${sandbox.vendor('talonOne').url}/__sandbox/reset`, { method: 'POST' });
}

beforeAll(async () => {
	sandbox = await startSandbox({ only: ['talonOne'], ports: 'random' });
	n8n = N8n.create();
	await n8n.importCredentials([
		{
			...CREDENTIAL,
			type: 'talonOneCdpApi',
			data: { ...sandbox.credentials.talonOne, baseUrl: sandbox.vendor('talonOne').url },
		},
	]);
});

afterAll(async () => {
	n8n?.dispose();
	await sandbox?.close();
});

describe('Talon.One in real n8n', () => {
	it('creates, returns existing, updates, refuses a duplicate and deletes an audience', async () => {
		await resetVendor();
		const audience = (operation: string, extra: Record<string, unknown> = {}) => ({
			type: 'talonOne',
			credentials,
			parameters: {
				resource: 'audience',
				operation,
				audienceId: "={{ $('Input').item.json.id }}",
				...extra,
			},
		});
		const workflow = linearWorkflow({
			id: 'talonAudienceLife',
			inputItems: [{ id: 'travel-18-27', name: 'Travel 18-27' }],
			nodes: [
				{ name: 'Create', ...audience('create', { audienceName: '={{ $json.name }}' }) },
				{
					name: 'Create Existing',
					...audience('create', { audienceName: 'Travel (again)', options: { returnExisting: true } }),
				},
				{ name: 'Update', ...audience('update', { audienceName: 'Travel renamed' }) },
				{
					name: 'Create Duplicate',
					...audience('create', { audienceName: 'Travel duplicate' }),
					onError: 'continueErrorOutput',
				},
				{ name: 'Delete', ...audience('delete'), after: { node: 'Create Duplicate', output: 1 } },
			],
		});
		const run = await n8n.run(workflow);
		expect(run.status, run.logs).toBe('success');

		const [created] = run.items('Create');
		expect(created.json).toMatchObject({
			name: 'Travel 18-27',
			integrationId: 'travel-18-27',
			integration: 'n8n sandbox',
			alreadyExisted: false,
		});
		expect(created.json.id).toBeGreaterThanOrEqual(1);
		const [existing] = run.items('Create Existing');
		expect(existing.json).toMatchObject({ id: created.json.id, integrationId: 'travel-18-27', alreadyExisted: true });
		expect(run.items('Update')[0].json).toMatchObject({ id: created.json.id, name: 'Travel renamed' });

		expect(run.items('Create Duplicate', 0)).toHaveLength(0);
		const [duplicate] = run.items('Create Duplicate', 1);
		expect(duplicate.json.error).toContain('the audience "travel-18-27" already exists');
		expect(duplicate.pairedItem).toEqual({ item: 0 });

		expect(run.items('Delete')[0].json).toEqual({ audienceId: 'travel-18-27', deleted: true });
		const state = await vendorState();
		expect(state.deployments[DEPLOYMENT].audiences).toEqual([]);
		const stats = await vendorStats();
		expect(stats.byRoute).toEqual({
			'POST /cdp/audiences': 3,
			'PUT /cdp/audiences/:audienceId': 2,
			'DELETE /cdp/audiences/:audienceId': 1,
		});
		expect(run.logs).not.toContain(sandbox.credentials.talonOne!.apiKey as string);
	});
});
