// The set-up of a Batch unit test file: the fake started in-process for the file (closed after it) and
// reset before each test without faults; the sandbox credentials with its base URL, its state and knobs,
// and Create or Update run through the real node in the Batch preset of the fake context.
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';
import { afterAll, beforeEach } from 'vitest';

import { Batch } from '../../../nodes/Batch/Batch.node';
import { startSandbox } from '../../../sandbox/index.mts';
import type { FakeOptions } from './context.mts';
import { fakeContext, upsertParameters } from './context.mts';

export async function useBatch() {
	const sandbox = await startSandbox({ only: ['batch'], ports: 'random' });
	const url = sandbox.vendor('batch').url;
	const credentials: Record<string, unknown> = { ...sandbox.credentials.batch, baseUrl: url };
	afterAll(async () => await sandbox.close());
	beforeEach(async () => {
		await fetch(`${url}/__sandbox/reset`, { method: 'POST' });
		sandbox.vendor('batch').setFaults({ error5xxRate: 0, resetRate: 0, rate429: 0, routes: [] });
	});
	return {
		sandbox,
		credentials,
		/** The fake's state (profiles, calls, GDPR requests). */
		state: async <T = any,>(): Promise<T> => (await (await fetch(`${url}/__sandbox/state`)).json()) as T,
		/** Sets the fake's time scale and knobs: `{ timeScale, knobs }`. */
		configure: async (body: IDataObject): Promise<void> => {
			await fetch(`${url}/__sandbox/config`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
		},
		/** Runs Create or Update (UI defaults unless given) with the sandbox credentials; the first output. */
		execute: async (options: Partial<FakeOptions> & { items: IDataObject[] }) => {
			const fake = fakeContext({ parameters: upsertParameters(), credentials, ...options });
			const output = (await new Batch().execute.call(fake.ctx)) as INodeExecutionData[][];
			return { ...fake, output: output[0] };
		},
	};
}
