import { sleep } from "n8n-workflow";

/** Time source for pacing, retries and polling; tests swap in a virtual one. */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or early (without throwing) once `signal` is aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Longest single sleep, so a cancelled execution stops within this much time. */
const CANCEL_CHECK_MS = 200;

export const realClock: Clock = {
  now: () => Date.now(),
  async sleep(ms, signal) {
    const until = Date.now() + ms;
    while (!signal?.aborted) {
      const left = until - Date.now();
      if (left <= 0) return;
      await sleep(Math.min(left, CANCEL_CHECK_MS));
    }
  },
};
