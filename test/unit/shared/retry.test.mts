import { describe, expect, it } from 'vitest';

import { CancelledError } from '../../../nodes/shared/rateLimit';
import type { RetryPolicy } from '../../../nodes/shared/retry';
import {
	backoffDelay,
	networkErrorCode,
	parseRetryAfter,
	RetriesExhaustedError,
	withRetry,
} from '../../../nodes/shared/retry';
import { FakeClock } from '../../helpers/fakeClock.mts';

const policy: RetryPolicy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1000, maxElapsedMs: 60_000 };

describe('parseRetryAfter', () => {
	const now = Date.parse('2026-01-01T00:00:00Z');

	it('reads delay-seconds', () => {
		expect(parseRetryAfter('3', now)).toBe(3000);
		expect(parseRetryAfter('0', now)).toBe(0);
		expect(parseRetryAfter(['2'], now)).toBe(2000);
		expect(parseRetryAfter(' 1.5 ', now)).toBe(1500);
	});

	it('reads an HTTP date', () => {
		expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:07 GMT', now)).toBe(7000);
		expect(parseRetryAfter('Wed, 31 Dec 2025 23:59:00 GMT', now)).toBe(0);
	});

	it('ignores missing or garbage values', () => {
		expect(parseRetryAfter(undefined, now)).toBeUndefined();
		expect(parseRetryAfter('', now)).toBeUndefined();
		expect(parseRetryAfter('soon', now)).toBeUndefined();
	});
});

describe('backoffDelay', () => {
	it('grows exponentially with jitter and stays under the cap', () => {
		expect(backoffDelay(1, policy, () => 0)).toBe(50);
		expect(backoffDelay(1, policy, () => 1)).toBe(100);
		expect(backoffDelay(3, policy, () => 1)).toBe(400);
		expect(backoffDelay(10, policy, () => 1)).toBe(1000);
	});
});

describe('networkErrorCode', () => {
	it('finds a code in a wrapped cause chain', () => {
		const inner = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
		expect(networkErrorCode({ message: 'wrapped', cause: { cause: inner } })).toBe('ECONNRESET');
		expect(networkErrorCode(new Error('socket hang up'))).toBe('ECONNRESET');
		expect(networkErrorCode(new Error('validation failed'))).toBeUndefined();
	});
});

describe('withRetry', () => {
	it('retries until success and reports each retry', async () => {
		const clock = new FakeClock();
		const retries: number[] = [];
		let calls = 0;
		const value = await withRetry(
			async () => ++calls,
			({ value }) => (value! < 3 ? { retry: true, reason: 'busy' } : { retry: false }),
			policy,
			{ clock, random: () => 1, onRetry: (info) => retries.push(info.delayMs) },
		);
		expect(value).toBe(3);
		expect(retries).toEqual([100, 200]);
	});

	it('waits exactly what Retry-After says instead of the backoff', async () => {
		const clock = new FakeClock();
		let calls = 0;
		await withRetry(
			async () => ++calls,
			({ value }) => (value === 1 ? { retry: true, afterMs: 5000, reason: 'HTTP 429' } : { retry: false }),
			policy,
			{ clock },
		);
		expect(clock.sleeps).toEqual([5000]);
	});

	it('gives up after the attempt budget with the last outcome', async () => {
		const clock = new FakeClock();
		const failure = withRetry(async () => 'still 503', () => ({ retry: true, reason: 'HTTP 503' }), policy, { clock });
		await expect(failure).rejects.toBeInstanceOf(RetriesExhaustedError);
		await expect(failure).rejects.toMatchObject({ attempts: 4, lastError: 'still 503' });
	});

	it('gives up when the next wait would pass the time budget', async () => {
		const clock = new FakeClock();
		const failure = withRetry(
			async () => 'x',
			() => ({ retry: true, afterMs: 40_000, reason: 'HTTP 429' }),
			{ ...policy, maxAttempts: 10 },
			{ clock },
		);
		await expect(failure).rejects.toMatchObject({ attempts: 2 });
		expect(clock.now()).toBe(40_000);
	});

	it('rethrows a final error unchanged and does not retry it', async () => {
		let calls = 0;
		const error = new Error('400 bad request');
		await expect(
			withRetry(
				async () => {
					calls++;
					throw error;
				},
				() => ({ retry: false }),
				policy,
				{ clock: new FakeClock() },
			),
		).rejects.toBe(error);
		expect(calls).toBe(1);
	});

	it('stops when the execution is cancelled during a wait', async () => {
		const controller = new AbortController();
		const clock = new FakeClock();
		let calls = 0;
		const failure = withRetry(
			async () => {
				calls++;
				controller.abort();
				return 'x';
			},
			() => ({ retry: true, reason: 'HTTP 503' }),
			policy,
			{ clock, signal: controller.signal },
		);
		await expect(failure).rejects.toBeInstanceOf(CancelledError);
		expect(calls).toBe(1);
	});
});
