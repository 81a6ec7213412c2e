// Delete (GDPR remove) per app (#14): Batch's GDPR API works per app, so every App API Key of the
// credential gets its own request, and an answer without a request ID is an error, not `requestId: null`.
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';
import { beforeEach, describe, expect, it } from 'vitest';

import { Batch } from '../../../nodes/Batch/Batch.node';
import type { FakeOptions } from './context.mts';
import { fakeContext } from './context.mts';
import { useBatch } from './sandbox.mts';

const batch = await useBatch();
const { secondAppApiKey, ...credentials } = batch.credentials;
const secondApp = String(secondAppApiKey);

const configure = async (knobs: IDataObject) => await batch.configure({ knobs });

async function gdprRequests(): Promise<Array<{ request_id: string; id: { value: string } }>> {
	return (await batch.state<{ gdprRequests: never }>()).gdprRequests;
}

async function execute(options: Partial<FakeOptions> & { items: IDataObject[] }) {
	const fake = fakeContext({
		parameters: { resource: 'profile', operation: 'delete', customId: (i: number) => String(options.items[i].id), options: { requestsPerSecond: 100 } },
		credentials,
		...options,
	});
	const output = (await new Batch().execute.call(fake.ctx)) as INodeExecutionData[][];
	return { ...fake, output: output[0] };
}

beforeEach(async () => {
	await configure({ gdprOmitRequestId: false, gdprDelayMs: 0 });
});

describe('Delete: one GDPR request per app', () => {
	it('sends one request per App API Key and outputs one result per app, never the keys', async () => {
		const both = { ...credentials, appApiKey: `${String(credentials.appApiKey)}, ${secondApp}` };
		const { output, requests } = await execute({ items: [{ id: 'u1' }, { id: 'u2' }], credentials: both });
		expect(requests.map((r) => r.url.replace(/^https?:\/\/[^/]+/, ''))).toEqual([
			`/1.0/${String(credentials.appApiKey)}/gdpr/request`,
			`/1.0/${secondApp}/gdpr/request`,
			`/1.0/${String(credentials.appApiKey)}/gdpr/request`,
			`/1.0/${secondApp}/gdpr/request`,
		]);
		const ids = (await gdprRequests()).map((r) => r.request_id);
		expect(output[0].json).toEqual({
			customId: 'u1',
			requestType: 'remove',
			requests: [
				{ app: 1, requestId: ids[0], status: 'pending' },
				{ app: 2, requestId: ids[1], status: 'pending' },
			],
		});
		expect(output[1].json.requests).toHaveLength(2);
		expect(JSON.stringify(output)).not.toContain(secondApp);
		expect(JSON.stringify(output)).not.toContain(String(credentials.appApiKey));
	});

	it('keeps the output of a credential with one App API Key (saved workflows)', async () => {
		const { output } = await execute({ items: [{ id: 'u1' }] });
		const [request] = await gdprRequests();
		expect(output[0].json).toEqual({
			customId: 'u1',
			requestType: 'remove',
			requestId: request.request_id,
			status: 'pending',
			requests: [{ app: 1, requestId: request.request_id, status: 'pending' }],
		});
	});

	it('an answer without a request ID fails the item instead of outputting requestId: null', async () => {
		await configure({ gdprOmitRequestId: true });
		const { output } = await execute({ items: [{ id: 'u1' }], continueOnFail: true });
		expect(output[0].json.requestId).toBeUndefined();
		expect(output[0].json.error).toMatch(/^Item 0, field "customId": Batch answered the GDPR remove request for app 1 of 1 without a request ID/);
	});
});
