// The set-up of an Insider unit test file: the fake started in-process for the file (closed after it) and
// reset before each test, with its state and knobs reached over its control routes.
import { afterAll, beforeEach } from 'vitest';

import type { Sandbox } from '../../../sandbox/index.mts';
import { startSandbox } from '../../../sandbox/index.mts';

export interface InsiderSandbox {
	sandbox: Sandbox;
	baseUrl: string;
	state: () => Promise<any>;
	configure: (knobs: Record<string, unknown>) => Promise<Response>;
}

export async function useInsider(): Promise<InsiderSandbox> {
	const sandbox = await startSandbox({ only: ['insider'], ports: 'random' });
	const baseUrl = sandbox.vendor('insider').url;
	afterAll(async () => await sandbox.close());
	beforeEach(async () => {
		await fetch(`${baseUrl}/__sandbox/reset`, { method: 'POST' });
	});
	return {
		sandbox,
		baseUrl,
		state: async () => (await (await fetch(`${baseUrl}/__sandbox/state`)).json()) as any,
		configure: async (knobs) =>
			await fetch(`${baseUrl}/__sandbox/config`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ knobs }) }),
	};
}
