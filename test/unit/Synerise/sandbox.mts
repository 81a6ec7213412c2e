// The set-up of a Synerise unit test file: the fake started in-process for the file (closed after it),
// reset before each test with batches applied at once and no faults.
import type { IDataObject } from 'n8n-workflow';
import { afterAll, beforeEach } from 'vitest';

import type { RunningVendor } from '../../../sandbox/core.mts';
import { startVendor } from '../../../sandbox/core.mts';
import { create, KEYS } from '../../../sandbox/synerise.mts';

export interface SyneriseSandbox {
	vendor: RunningVendor;
	/** The fake's state (profiles, tokens, …). */
	state: () => any;
	/** Credential data that logs in with the sandbox's full-access key (JWT). */
	jwt: () => IDataObject;
}

export async function useSynerise(): Promise<SyneriseSandbox> {
	const vendor = await startVendor(create());
	afterAll(async () => await vendor.close());
	beforeEach(() => {
		vendor.module.reset();
		vendor.module.configure({ applyDelayMs: 0 });
		vendor.setFaults({ error5xxRate: 0, rate429: 0, routes: [] });
	});
	return {
		vendor,
		state: () => vendor.module.state() as any,
		jwt: () => ({ authMethod: 'jwt', apiKey: KEYS.full.apiKey, baseUrl: vendor.url }),
	};
}
