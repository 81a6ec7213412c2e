import { describe, expect, it } from 'vitest';

import { Transport, VendorHttpError } from '../../../nodes/shared/transport';
import { FakeClock } from '../../helpers/fakeClock.mts';
import { fakeContext } from '../../helpers/fakeContext.mts';

/**
 * The fake context answering each authenticated request from a fixed list of statuses, counting calls
 * (any credential type of the package signs; Batch's needs no login).
 */
function answering(statuses: number[]) {
	const ctx = fakeContext({
		credentials: { batchApi: {} },
		intercept: (_, number) => {
			const status = statuses[Math.min(number - 1, statuses.length - 1)];
			return { status, body: { error: `status ${status}` } };
		},
	});
	return { ctx, calls: () => ctx.calls.length };
}

describe('Transport finalStatuses', () => {
	it('retries a 429 by default', async () => {
		const { ctx, calls } = answering([429, 200]);
		const transport = new Transport(ctx, { credentialType: 'batchApi', baseUrl: 'http://x', clock: new FakeClock() });
		await expect(transport.request({ method: 'POST', path: '/a' })).resolves.toMatchObject({ statusCode: 200 });
		expect(calls()).toBe(2);
	});

	it('does not retry a status the request marks final', async () => {
		const { ctx, calls } = answering([429, 200]);
		const transport = new Transport(ctx, { credentialType: 'batchApi', baseUrl: 'http://x', clock: new FakeClock() });
		const failure = await transport.request({ method: 'POST', path: '/a', finalStatuses: [429] }).catch((error) => error);
		expect(failure).toBeInstanceOf(VendorHttpError);
		expect((failure as VendorHttpError).statusCode).toBe(429);
		expect(calls()).toBe(1);
	});

	it('still retries other retryable statuses of that request', async () => {
		const { ctx, calls } = answering([503, 200]);
		const transport = new Transport(ctx, { credentialType: 'batchApi', baseUrl: 'http://x', clock: new FakeClock() });
		await expect(transport.request({ method: 'POST', path: '/a', finalStatuses: [429] })).resolves.toMatchObject({ statusCode: 200 });
		expect(calls()).toBe(2);
	});
});
