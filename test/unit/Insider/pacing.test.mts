import type { IExecuteFunctions } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';

import type { Clock } from '../../../nodes/shared/clock';
import {
	ANONYMIZE_REQUESTS_PER_MINUTE,
	connect,
	IDENTITY_DELETE_REQUESTS_PER_MINUTE,
	IDENTITY_UPDATE_REQUESTS_PER_MINUTE,
	PROFILE_QUOTA_UNITS_PER_MINUTE,
	profileReadCost,
	USER_DELETE_REQUESTS_PER_MINUTE,
	USER_WRITE_REQUESTS_PER_MINUTE,
} from '../../../nodes/Insider/transport';
import { FakeClock } from '../../helpers/fakeClock.mts';

/** The limiters `connect` builds for one execution, on the given clock. */
async function createLimiters(clock: Clock) {
	const ctx = { getCredentials: async () => ({}) } as unknown as IExecuteFunctions;
	return (await connect(ctx, clock)).limiters;
}

describe('Insider pacing', () => {
	it.each([
		['userWrite', USER_WRITE_REQUESTS_PER_MINUTE, 25_000],
		['identityUpdate', IDENTITY_UPDATE_REQUESTS_PER_MINUTE, 2_000],
		['identityDelete', IDENTITY_DELETE_REQUESTS_PER_MINUTE, 1_000],
		['userDelete', USER_DELETE_REQUESTS_PER_MINUTE, 10_000],
		['anonymize', ANONYMIZE_REQUESTS_PER_MINUTE, 500],
	] as const)('%s lets %i requests start in a minute, and the next one waits for the window', async (group, limit, documented) => {
		expect(limit).toBe(documented);
		const clock = new FakeClock(1_000_000);
		const limiter = (await createLimiters(clock))[group];
		for (let i = 0; i < limit; i++) await limiter.acquire();
		expect(clock.now()).toBe(1_000_000);
		await limiter.acquire();
		expect(clock.now() - 1_000_000).toBeGreaterThanOrEqual(60_000);
	});
});

describe('Insider profile reads are paced by quota units (#14)', () => {
	it('costs 1 unit for attributes only and 2.5 for three event types, as Insider\'s sample answers', () => {
		expect(PROFILE_QUOTA_UNITS_PER_MINUTE).toBe(1000);
		expect(profileReadCost({ attributes: ['*'] })).toBe(1);
		expect(profileReadCost({ attributes: ['email'], events: { start_date: 1, end_date: 2, wanted: [{}, {}, {}] } })).toBe(2.5);
	});

	it.each([1, 2.5])('2,000 reads of %s units reach at least 0.9 of the quota and never spend more than 1,000 units in any minute', async (cost) => {
		const clock = new FakeClock(1_000_000);
		const limiter = (await createLimiters(clock)).profile;
		const starts: number[] = [];
		for (let i = 0; i < 2000; i++) {
			await limiter.acquire(cost);
			starts.push(clock.now());
		}
		let tail = 0;
		for (let head = 0; head < starts.length; head++) {
			while (starts[tail] <= starts[head] - 60_000) tail++;
			expect((head - tail + 1) * cost).toBeLessThanOrEqual(1000);
		}
		const minutes = (starts[starts.length - 1] - starts[0]) / 60_000;
		expect((2000 * cost) / minutes).toBeGreaterThanOrEqual(0.9 * PROFILE_QUOTA_UNITS_PER_MINUTE);
	});
});
