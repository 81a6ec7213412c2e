import type { IExecuteFunctions } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';

import { Transport, VendorHttpError } from '../../../nodes/shared/transport';
import { FakeClock } from '../../helpers/fakeClock.mts';

/** A context whose authenticated request answers from a fixed list of statuses, counting calls. */
function answering(statuses: number[]) {
	let calls = 0;
	const ctx = {
		helpers: {
			httpRequestWithAuthentication: async () => {
				const statusCode = statuses[Math.min(calls, statuses.length - 1)];
				calls++;
				return { statusCode, headers: {}, body: { error: `status ${statusCode}` } };
			},
		},
	} as unknown as IExecuteFunctions;
	return { ctx, calls: () => calls };
}

describe('Transport finalStatuses', () => {
	it('retries a 429 by default', async () => {
		const { ctx, calls } = answering([429, 200]);
		const transport = new Transport(ctx, { credentialType: 'x', baseUrl: 'http://x', clock: new FakeClock() });
		await expect(transport.request({ method: 'POST', path: '/a' })).resolves.toMatchObject({ statusCode: 200 });
		expect(calls()).toBe(2);
	});

	it('does not retry a status the request marks final', async () => {
		const { ctx, calls } = answering([429, 200]);
		const transport = new Transport(ctx, { credentialType: 'x', baseUrl: 'http://x', clock: new FakeClock() });
		const failure = await transport.request({ method: 'POST', path: '/a', finalStatuses: [429] }).catch((error) => error);
		expect(failure).toBeInstanceOf(VendorHttpError);
		expect((failure as VendorHttpError).statusCode).toBe(429);
		expect(calls()).toBe(1);
	});

	it('still retries other retryable statuses of that request', async () => {
		const { ctx, calls } = answering([503, 200]);
		const transport = new Transport(ctx, { credentialType: 'x', baseUrl: 'http://x', clock: new FakeClock() });
		await expect(transport.request({ method: 'POST', path: '/a', finalStatuses: [429] })).resolves.toMatchObject({ statusCode: 200 });
		expect(calls()).toBe(2);
	});
});
