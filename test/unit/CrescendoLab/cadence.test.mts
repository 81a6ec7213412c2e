// The status-check cadence of a task (#16.1), on virtual time: the first check when the task is expected to
// be done, then every Poll Interval, on a pace of its own; a 429 on a status check slows only status checks.
import { describe, expect, it } from 'vitest';

import { waitForTask } from '../../../nodes/CrescendoLab/helpers/tasks';
import type { Timing } from '../../../nodes/CrescendoLab/helpers/timing';
import { DEFAULT_POLL_INTERVAL_SECONDS } from '../../../nodes/CrescendoLab/helpers/timing';
import {
	crescendoLimiter,
	expectedTaskMs,
	STATUS_CHECKS_PER_MINUTE,
	STATUS_MAX_SPACING_MS,
	STATUS_SLOWDOWN_FACTOR,
	statusLimiter,
} from '../../../nodes/CrescendoLab/transport';
import { Transport } from '../../../nodes/shared/transport';
import { FakeClock } from '../../helpers/fakeClock.mts';
import { fakeContext } from '../../helpers/fakeContext.mts';

const TIMING: Timing = { pollIntervalMs: DEFAULT_POLL_INTERVAL_SECONDS * 1000, maxWaitMs: 15 * 60_000, requestsPerMinute: 15 };

/**
 * A vendor on the fake clock: the task is done `doneAt` ms after time 0; `answers` may replace the answer
 * of a given status check (by its number) with a 429. Records when each check arrived.
 */
function vendor(clock: FakeClock, doneAt: number, answers: Record<number, { statusCode: number; headers?: Record<string, string> }> = {}) {
	const checks: number[] = [];
	const ctx = fakeContext({
		credentials: { crescendoLabApi: { apiKey: 'key' } },
		intercept: (_, number) => {
			checks.push(clock.now());
			const special = answers[number];
			if (special) return { status: special.statusCode, headers: special.headers, body: { detail: 'Too many requests' } };
			return { status: 200, body: { task_id: '1', status: clock.now() >= doneAt ? 'done' : 'processing' } };
		},
	});
	const transport = new Transport(ctx, { credentialType: 'crescendoLabApi', baseUrl: 'http://vendor', clock });
	return { ctx, transport, checks };
}

const gaps = (times: number[]) => times.slice(1).map((time, i) => time - times[i]);

describe('Crescendo Lab status cadence (#16.1)', () => {
	it('checks a task first when it is expected to be done, from its size: one check for a task on time', async () => {
		const clock = new FakeClock();
		const expected = expectedTaskMs(10_000);
		const { ctx, transport, checks } = vendor(clock, expected);
		const status = await waitForTask(ctx, transport, statusLimiter(transport), '/cdh/v1/member/import/1/', '1', TIMING, expected);
		expect(status.status).toBe('done');
		expect(checks).toEqual([expected]);
	});

	it('then checks about once a second, on the status pace, never faster than its cap', async () => {
		const clock = new FakeClock();
		const expected = expectedTaskMs(10_000);
		// The task runs 3.5 s longer than expected.
		const { ctx, transport, checks } = vendor(clock, expected + 3_500);
		await waitForTask(ctx, transport, statusLimiter(transport), '/cdh/v1/member/import/1/', '1', TIMING, expected);
		expect(checks[0]).toBe(expected);
		expect(checks).toHaveLength(5);
		for (const gap of gaps(checks)) {
			expect(gap).toBeGreaterThanOrEqual(Math.max(TIMING.pollIntervalMs, 60_000 / STATUS_CHECKS_PER_MINUTE));
			// The 15-a-minute start budget (4 s) plays no part in it.
			expect(gap).toBeLessThan(60_000 / TIMING.requestsPerMinute);
		}
	});

	it('First Status Check, when set, replaces the estimate', async () => {
		const clock = new FakeClock();
		const { ctx, transport, checks } = vendor(clock, 0);
		await waitForTask(ctx, transport, statusLimiter(transport), '/p/', '1', { ...TIMING, firstCheckMs: 250 }, expectedTaskMs(10_000));
		expect(checks).toEqual([250]);
	});

	it('a 429 on a status check widens the spacing of later status checks, and leaves task starts alone', async () => {
		const clock = new FakeClock();
		// The second check is refused without Retry-After; the task is done only after several more checks.
		const { ctx, transport, checks } = vendor(clock, 20_000, { 2: { statusCode: 429 } });
		const checkPace = statusLimiter(transport);
		const starts = crescendoLimiter(15, transport);
		await starts.acquire();
		await waitForTask(ctx, transport, checkPace, '/p/', '1', TIMING, 1_000);
		const spacing = gaps(checks.slice(2));
		expect(spacing.length).toBeGreaterThan(1);
		const base = 60_000 / STATUS_CHECKS_PER_MINUTE;
		for (const gap of spacing) expect(gap).toBeGreaterThanOrEqual(base * STATUS_SLOWDOWN_FACTOR);
		// The start budget only counts the one start: the next may begin 4 s after it, long since passed.
		const sleepsBefore = clock.sleeps.length;
		await starts.acquire();
		expect(clock.sleeps.length).toBe(sleepsBefore);
	});

	it('a status 429 with Retry-After holds status checks back that long, not task starts', async () => {
		const clock = new FakeClock();
		const { ctx, transport, checks } = vendor(clock, 0, { 1: { statusCode: 429, headers: { 'retry-after': '40' } } });
		const starts = crescendoLimiter(15, transport);
		await waitForTask(ctx, transport, statusLimiter(transport), '/p/', '1', TIMING);
		expect(checks).toHaveLength(2);
		expect(checks[1] - checks[0]).toBeGreaterThanOrEqual(40_000);
		const sleepsBefore = clock.sleeps.length;
		await starts.acquire();
		expect(clock.sleeps.length).toBe(sleepsBefore);
	});

	it('slows status checks at most to STATUS_MAX_SPACING_MS', async () => {
		const clock = new FakeClock();
		const pace = statusLimiter(new Transport({} as never, { credentialType: 'x', baseUrl: 'http://vendor', clock }));
		for (let i = 0; i < 20; i++) pace.slowDown(STATUS_SLOWDOWN_FACTOR, STATUS_MAX_SPACING_MS);
		await pace.acquire();
		const before = clock.now();
		await pace.acquire();
		expect(clock.now() - before).toBeGreaterThanOrEqual(STATUS_MAX_SPACING_MS);
		expect(clock.now() - before).toBeLessThan(STATUS_MAX_SPACING_MS * 1.1);
	});
});
