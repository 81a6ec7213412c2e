import { describe, expect, it } from 'vitest';

import { JobCancelledError, JobTimeoutError, pollJob } from '../../../nodes/shared/poll';
import { CancelledError } from '../../../nodes/shared/rateLimit';
import { FakeClock } from '../../helpers/fakeClock.mts';

describe('pollJob', () => {
	it('polls at the interval until the job is done', async () => {
		const clock = new FakeClock();
		const states = ['pending', 'processing', 'processing', 'done'];
		const result = await pollJob({
			jobId: '42',
			fetchStatus: async () => states.shift()!,
			isDone: (s) => s === 'done',
			intervalMs: 1000,
			maxWaitMs: 60_000,
			clock,
		});
		expect(result).toBe('done');
		expect(clock.sleeps).toEqual([1000, 1000, 1000]);
	});

	it('backs off up to the cap', async () => {
		const clock = new FakeClock();
		let n = 0;
		await pollJob({
			jobId: '1',
			fetchStatus: async () => ++n,
			isDone: (s) => s === 6,
			intervalMs: 1000,
			backoff: 2,
			maxIntervalMs: 5000,
			maxWaitMs: 60_000,
			clock,
		});
		expect(clock.sleeps).toEqual([1000, 2000, 4000, 5000, 5000]);
	});

	it('raises a time-out that names the job id', async () => {
		const clock = new FakeClock();
		const failure = pollJob({ jobId: 'task-9', fetchStatus: async () => 'pending', isDone: () => false, intervalMs: 1000, maxWaitMs: 3500, clock });
		await expect(failure).rejects.toBeInstanceOf(JobTimeoutError);
		await expect(failure).rejects.toThrow(/task-9/);
		expect(clock.now()).toBeLessThanOrEqual(3500);
	});

	it('stops promptly when cancelled, naming the job', async () => {
		const controller = new AbortController();
		const clock = new FakeClock();
		let polls = 0;
		const failure = pollJob({
			jobId: 'task-5',
			fetchStatus: async () => {
				polls++;
				if (polls === 2) controller.abort();
				return 'pending';
			},
			isDone: () => false,
			intervalMs: 1000,
			maxWaitMs: 60_000,
			clock,
			signal: controller.signal,
		});
		await expect(failure).rejects.toBeInstanceOf(JobCancelledError);
		await expect(failure).rejects.toThrow(/task-5/);
		expect(polls).toBe(2);
	});

	it('turns a cancelled status request into a job cancellation', async () => {
		const failure = pollJob({
			jobId: 'task-6',
			fetchStatus: async () => {
				throw new CancelledError();
			},
			isDone: () => false,
			intervalMs: 10,
			maxWaitMs: 100,
			clock: new FakeClock(),
		});
		await expect(failure).rejects.toMatchObject({ jobId: 'task-6' });
	});
});

describe('pollJob cancellation log', () => {
	it('logs the job id when cancelled, since n8n drops what a cancelled node throws', async () => {
		const controller = new AbortController();
		const warnings: string[] = [];
		const failure = pollJob({
			jobId: 'task-77',
			fetchStatus: async () => {
				controller.abort();
				return 'pending';
			},
			isDone: () => false,
			intervalMs: 1000,
			maxWaitMs: 60_000,
			clock: new FakeClock(),
			signal: controller.signal,
			logger: { warn: (message) => warnings.push(message) },
		});
		await expect(failure).rejects.toBeInstanceOf(JobCancelledError);
		expect(warnings).toEqual([expect.stringContaining('job task-77')]);
	});

	it('logs nothing when the job finishes or times out', async () => {
		const warnings: string[] = [];
		const logger = { warn: (message: string) => warnings.push(message) };
		await pollJob({ jobId: 'a', fetchStatus: async () => 'done', isDone: (s) => s === 'done', intervalMs: 10, maxWaitMs: 100, clock: new FakeClock(), logger });
		const timeout = pollJob({ jobId: 'b', fetchStatus: async () => 'pending', isDone: () => false, intervalMs: 10, maxWaitMs: 25, clock: new FakeClock(), logger });
		await expect(timeout).rejects.toBeInstanceOf(JobTimeoutError);
		expect(warnings).toEqual([]);
	});
});
