import { describe, expect, it } from 'vitest';

import {
	ANONYMIZE_REQUESTS_PER_MINUTE,
	createLimiters,
	IDENTITY_DELETE_REQUESTS_PER_MINUTE,
	IDENTITY_UPDATE_REQUESTS_PER_MINUTE,
	PROFILE_REQUESTS_PER_MINUTE,
	USER_DELETE_REQUESTS_PER_MINUTE,
	USER_WRITE_REQUESTS_PER_MINUTE,
} from '../../../nodes/Insider/transport';
import { FakeClock } from '../../helpers/fakeClock.mts';

describe('Insider pacing', () => {
	it.each([
		['userWrite', USER_WRITE_REQUESTS_PER_MINUTE, 25_000],
		['identityUpdate', IDENTITY_UPDATE_REQUESTS_PER_MINUTE, 2_000],
		['identityDelete', IDENTITY_DELETE_REQUESTS_PER_MINUTE, 1_000],
		['userDelete', USER_DELETE_REQUESTS_PER_MINUTE, 10_000],
		['anonymize', ANONYMIZE_REQUESTS_PER_MINUTE, 500],
		['profile', PROFILE_REQUESTS_PER_MINUTE, 500],
	] as const)('%s lets %i requests start in a minute, and the next one waits for the window', async (group, limit, documented) => {
		expect(limit).toBe(documented);
		const clock = new FakeClock(1_000_000);
		const limiter = createLimiters(clock)[group];
		for (let i = 0; i < limit; i++) await limiter.acquire();
		expect(clock.now()).toBe(1_000_000);
		await limiter.acquire();
		expect(clock.now() - 1_000_000).toBeGreaterThanOrEqual(60_000);
	});
});
