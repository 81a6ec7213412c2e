import type { Clock } from '../../nodes/shared/clock';

/** Virtual time: sleeping advances the clock at once, so pacing and backoff are tested exactly. */
export class FakeClock implements Clock {
	sleeps: number[] = [];

	constructor(public time = 0) {}

	now(): number {
		return this.time;
	}

	async sleep(ms: number, signal?: AbortSignal): Promise<void> {
		if (signal?.aborted) return;
		this.sleeps.push(ms);
		this.time += Math.max(0, ms);
	}
}
