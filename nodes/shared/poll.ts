import type { Clock } from "./clock";
import { realClock } from "./clock";
import { CancelledError } from "./rateLimit";

/** The job did not finish within the wait the user allowed; it is still running at the vendor. */
export class JobTimeoutError extends Error {
  constructor(
    readonly jobId: string,
    waitedMs: number,
  ) {
    super(
      `Job ${jobId} was still running after ${Math.round(waitedMs / 1000)} s. ` +
        "It keeps running at the service: check it later with the status operation and this job ID.",
    );
  }
}

/** The execution was cancelled while the node waited for a job; the job itself goes on at the vendor. */
export class JobCancelledError extends Error {
  constructor(readonly jobId: string) {
    super(
      `Cancelled while waiting for job ${jobId}; it may still be running. Check it with the status operation.`,
    );
  }
}

export interface PollOptions<S> {
  jobId: string;
  fetchStatus: () => Promise<S>;
  isDone: (status: S) => boolean;
  intervalMs: number;
  /** Wait before the first check, when the job is known to take about this long; defaults to none. */
  firstCheckAfterMs?: number;
  maxWaitMs: number;
  /** Each wait is this much longer than the previous one, up to `maxIntervalMs`. */
  backoff?: number;
  maxIntervalMs?: number;
  clock?: Clock;
  signal?: AbortSignal;
  /**
   * Where a cancellation is reported. n8n keeps nothing a node returns or throws after its execution was
   * cancelled (by the user or the workflow's time-out), so the job id reaches the user through the log.
   */
  logger?: { warn(message: string): void };
}

/** Polls a vendor job until it is done, the wait runs out, or the execution is cancelled. */
export async function pollJob<S>(options: PollOptions<S>): Promise<S> {
  const clock = options.clock ?? realClock;
  const started = clock.now();
  let interval = options.intervalMs;
  const cancelled = () => {
    const error = new JobCancelledError(options.jobId);
    options.logger?.warn(error.message);
    return error;
  };
  const first = Math.min(options.firstCheckAfterMs ?? 0, options.maxWaitMs);
  if (first > 0) await clock.sleep(first, options.signal);
  for (;;) {
    if (options.signal?.aborted) throw cancelled();
    const fetched = await options.fetchStatus().then(
      (status) => ({ status }),
      (error: unknown) => ({ error }),
    );
    if ("error" in fetched) {
      if (fetched.error instanceof CancelledError) throw cancelled();
      throw fetched.error;
    }
    const status = fetched.status;
    if (options.isDone(status)) return status;
    const waited = clock.now() - started;
    if (waited + interval > options.maxWaitMs)
      throw new JobTimeoutError(options.jobId, waited);
    await clock.sleep(interval, options.signal);
    if (options.signal?.aborted) throw cancelled();
    interval = Math.min(
      options.maxIntervalMs ?? interval,
      Math.round(interval * (options.backoff ?? 1)),
    );
  }
}
