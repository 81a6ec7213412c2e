import { describe, expect, it } from 'vitest';

import { CancelledError, RateLimiter } from '../../../nodes/shared/rateLimit';
import { FakeClock } from '../../helpers/fakeClock.mts';

describe('RateLimiter, requests per window', () => {
	it('lets the limit through at once, then spaces further requests by the window plus a margin', async () => {
		const clock = new FakeClock();
		const limiter = new RateLimiter({ requests: { limit: 15, windowMs: 60_000 }, clock, marginRatio: 0.05 });
		const starts: number[] = [];
		for (let i = 0; i < 31; i++) {
			await limiter.acquire();
			starts.push(clock.now());
		}
		expect(starts.slice(0, 15).every((t) => t === 0)).toBe(true);
		expect(starts[15]).toBe(63_000);
		expect(starts[30]).toBe(126_000);
		// No 60 s window (as the vendor counts it) ever holds more than 15 starts.
		for (const t of starts) expect(starts.filter((s) => s > t - 60_000 && s <= t).length).toBeLessThanOrEqual(15);
	});

	it('serves concurrent callers in arrival order from one budget', async () => {
		const clock = new FakeClock();
		const limiter = new RateLimiter({ requests: { limit: 2, windowMs: 1000 }, clock, marginRatio: 0 });
		const order: number[] = [];
		await Promise.all([0, 1, 2, 3, 4].map((n) => limiter.acquire().then(() => order.push(n))));
		expect(order).toEqual([0, 1, 2, 3, 4]);
		expect(clock.now()).toBe(2000);
	});

	it('holds every caller back after a 429 until the vendor said to retry', async () => {
		const clock = new FakeClock(1000);
		const limiter = new RateLimiter({ requests: { limit: 100, windowMs: 1000 }, clock });
		limiter.pauseUntil(5000);
		await limiter.acquire();
		expect(clock.now()).toBe(5000);
	});

	it('stops waiting when the execution is cancelled', async () => {
		const clock = new FakeClock();
		const limiter = new RateLimiter({ requests: { limit: 1, windowMs: 1000 }, clock });
		await limiter.acquire();
		const controller = new AbortController();
		controller.abort();
		await expect(limiter.acquire(1, controller.signal)).rejects.toBeInstanceOf(CancelledError);
		// The queue still works for later callers.
		await limiter.acquire();
	});
});

describe('RateLimiter, records per second', () => {
	it('spends a burst at once and then refills at the rate', async () => {
		const clock = new FakeClock();
		const limiter = new RateLimiter({ records: { perSecond: 100, burst: 200 }, clock });
		await limiter.acquire(200);
		expect(clock.now()).toBe(0);
		await limiter.acquire(100);
		expect(clock.now()).toBe(1000);
		await limiter.acquire(50);
		expect(clock.now()).toBe(1500);
	});

	it('lets a request larger than the bucket start on a full bucket, then pays the debt', async () => {
		const clock = new FakeClock();
		const limiter = new RateLimiter({ records: { perSecond: 1000, burst: 1000 }, clock });
		await limiter.acquire(10_000);
		expect(clock.now()).toBe(0);
		await limiter.acquire(10_000);
		// 9,000 records of debt plus a full bucket of 1,000 at 1,000/s.
		expect(clock.now()).toBe(10_000);
	});

	it('keeps a long run at the configured throughput', async () => {
		const clock = new FakeClock();
		const limiter = new RateLimiter({ records: { perSecond: 500 }, clock });
		for (let i = 0; i < 100; i++) await limiter.acquire(200);
		// 20,000 records at 500/s, the first second's burst free.
		expect(clock.now()).toBeGreaterThanOrEqual(39_000);
		expect(clock.now()).toBeLessThanOrEqual(40_000);
	});
});

describe('RateLimiter, adaptive record budget', () => {
	const massUpdate = (clock: FakeClock) => new RateLimiter({ records: { perSecond: 10_000, burst: 10_000 }, adaptive: true, clock });

	it('paces at the documented rate, backs off on a 429 and regains its pace step by step', async () => {
		const clock = new FakeClock();
		const limiter = massUpdate(clock);
		await limiter.acquire(10_000);
		await limiter.acquire(10_000);
		expect(clock.now()).toBe(1000);
		// Refused at the edge of the budget: the records go back, the retry waits for the shortfall.
		const wait = limiter.throttled(10_000)!;
		// 5 % of a refill: what the vendor lacked if it was short by what the slower pace leaves out.
		expect(Math.round(wait)).toBeGreaterThanOrEqual(50);
		expect(wait).toBeLessThanOrEqual(51);
		expect(limiter.paceRatio).toBeCloseTo(0.95);
		await limiter.acquire(10_000);
		expect(clock.now()).toBe(1000 + wait);
		limiter.succeeded();
		await limiter.acquire(10_000);
		// The next full call a refill apart at 96 % of the rate.
		expect(clock.now() - (1000 + wait)).toBeCloseTo(10_000 / 9_600 * 1000, -1);
		for (let n = 0; n < 10; n++) limiter.succeeded();
		expect(limiter.paceRatio).toBe(1);
	});

	it('leaves a second 429 in a row to the retry policy, and honours Retry-After', async () => {
		const clock = new FakeClock();
		const limiter = massUpdate(clock);
		await limiter.acquire(10_000);
		expect(limiter.throttled(10_000)).toBeGreaterThan(0);
		expect(limiter.throttled(10_000)).toBeUndefined();
		expect(limiter.throttled(10_000, 3_000)).toBe(3_000);
		await limiter.acquire(10_000);
		expect(clock.now()).toBe(3_000);
	});

	it('a fixed limiter only honours Retry-After', async () => {
		const clock = new FakeClock();
		const limiter = new RateLimiter({ records: { perSecond: 100 }, clock });
		expect(limiter.throttled(10)).toBeUndefined();
		expect(limiter.throttled(10, 2_000)).toBe(2_000);
		expect(limiter.paceRatio).toBe(1);
	});
});
