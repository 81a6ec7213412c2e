import type { Clock } from "./clock";
import { realClock } from "./clock";

/** At most `limit` request starts in any `windowMs`, as vendors that count requests per minute check it. */
export interface WindowLimit {
  limit: number;
  windowMs: number;
}

/** A refilling budget of records (profiles, users) per second, as vendors that count records check it. */
export interface BucketLimit {
  perSecond: number;
  /** Most records that may be spent at once; defaults to one second's worth. */
  burst?: number;
}

export interface RateLimiterOptions {
  requests?: WindowLimit;
  records?: BucketLimit;
  clock?: Clock;
  /**
   * Share of the window kept as a margin: the vendor counts arrival times, which differ from our start times
   * by network jitter, so a window measured here exactly at the limit can look over it there.
   */
  marginRatio?: number;
  /**
   * Paces the record budget at the documented rate and adapts to the vendor's answers: a 429 slows it
   * down (and holds the retry back until Retry-After, or the shortfall the slower pace implies), and each
   * accepted request speeds it up again, step by step, up to the documented rate.
   */
  adaptive?: boolean;
}

/** An adaptive limiter's pace after a 429, as a share of the pace before it. */
export const ADAPTIVE_SLOWDOWN = 0.95;
/** How much of the documented rate an adaptive limiter regains with each accepted request. */
export const ADAPTIVE_RECOVERY = 0.01;
/** The slowest an adaptive limiter paces, as a share of the documented rate. */
export const ADAPTIVE_FLOOR = 0.25;

export class CancelledError extends Error {
  constructor() {
    super("The execution was cancelled");
  }
}

/**
 * Paces requests of one execution under a vendor's limits. One limiter is shared by every request to the
 * same endpoint group, so concurrent chunks draw from one budget.
 */
export class RateLimiter {
  private readonly starts: number[] = [];
  private tokens: number;
  private refilledAt: number;
  private blockedUntil = 0;
  /** How much wider than configured the request window is, after `slowDown`. */
  private windowScale = 1;
  private queue: Promise<void> = Promise.resolve();
  private readonly clock: Clock;
  private readonly margin: number;
  /** Share of the documented record rate paced at now (adaptive limiters only). */
  private pace = 1;
  /** 429s since the vendor last accepted a request. */
  private refused = 0;

  constructor(private readonly options: RateLimiterOptions) {
    this.clock = options.clock ?? realClock;
    this.tokens = this.capacity;
    this.refilledAt = this.clock.now();
    this.margin = options.requests
      ? Math.ceil(options.requests.windowMs * (options.marginRatio ?? 0.03))
      : 0;
  }

  private get capacity(): number {
    const records = this.options.records;
    return records ? (records.burst ?? records.perSecond) : 0;
  }

  /** Waits until one request carrying `records` records may start. Callers are served in arrival order. */
  async acquire(records = 1, signal?: AbortSignal): Promise<void> {
    const turn = this.queue.then(() => this.waitForTurn(records, signal));
    // Keep the chain alive even when one waiter is cancelled.
    this.queue = turn.catch(() => undefined);
    return await turn;
  }

  /** After a 429, holds every caller back until the vendor said it may be retried. */
  pauseUntil(time: number): void {
    this.blockedUntil = Math.max(this.blockedUntil, time);
  }

  /** The share of the documented rate this limiter paces at now. */
  get paceRatio(): number {
    return this.pace;
  }

  /**
   * The vendor refused a request of `records` records with a 429: returns how long its retry waits.
   * A fixed limiter only honours Retry-After. An adaptive one slows down and, since the vendor counted
   * nothing, gives the records back. `undefined` leaves the wait to the retry policy's backoff.
   */
  throttled(records: number, retryAfterMs?: number): number | undefined {
    const now = this.clock.now();
    const bucket = this.options.records;
    if (!this.options.adaptive || !bucket) {
      if (retryAfterMs !== undefined) this.pauseUntil(now + retryAfterMs);
      return retryAfterMs;
    }
    this.refused++;
    this.pace = Math.max(ADAPTIVE_FLOOR, this.pace * ADAPTIVE_SLOWDOWN);
    this.bucketWait(now, 0);
    this.tokens = Math.min(this.capacity, this.tokens + records);
    // A first refusal is most likely arrival jitter at the edge of the vendor's budget: the retry waits for
    // the shortfall. A refusal again means the budget is smaller than thought: the retry policy's backoff.
    const wait =
      retryAfterMs ??
      (this.refused === 1
        ? Math.ceil(((records * (1 - this.pace)) / bucket.perSecond) * 1000)
        : undefined);
    if (wait !== undefined) this.pauseUntil(now + wait);
    return wait;
  }

  /** The vendor accepted a request: an adaptive limiter regains some of its pace. */
  succeeded(): void {
    if (!this.options.adaptive) return;
    this.refused = 0;
    this.pace = Math.min(1, this.pace + ADAPTIVE_RECOVERY);
  }

  /**
   * Widens the request window by `factor` (at most to `maxWindowMs`) for the rest of the run: for endpoints
   * whose limit is not published, a 429 means the pace was too fast, not only that one request was.
   */
  slowDown(factor: number, maxWindowMs: number): void {
    const window = this.options.requests;
    if (!window) return;
    this.windowScale = Math.max(1, Math.min(maxWindowMs / window.windowMs, this.windowScale * factor));
  }

  private async waitForTurn(
    records: number,
    signal?: AbortSignal,
  ): Promise<void> {
    for (;;) {
      if (signal?.aborted) throw new CancelledError();
      const now = this.clock.now();
      const wait = Math.max(
        this.blockedUntil - now,
        this.windowWait(now),
        this.bucketWait(now, records),
      );
      if (wait <= 0) break;
      await this.clock.sleep(wait, signal);
    }
    const now = this.clock.now();
    if (this.options.requests) this.starts.push(now);
    if (this.options.records) this.tokens -= records;
  }

  private windowWait(now: number): number {
    const window = this.options.requests;
    if (!window) return 0;
    const horizon = window.windowMs * this.windowScale + this.margin;
    while (this.starts.length > 0 && this.starts[0] <= now - horizon)
      this.starts.shift();
    if (this.starts.length < window.limit) return 0;
    return this.starts[this.starts.length - window.limit] + horizon - now;
  }

  private bucketWait(now: number, records: number): number {
    const bucket = this.options.records;
    if (!bucket) return 0;
    const perSecond = bucket.perSecond * this.pace;
    this.tokens = Math.min(
      this.capacity,
      this.tokens + ((now - this.refilledAt) / 1000) * perSecond,
    );
    this.refilledAt = now;
    // A request bigger than the bucket may start once the bucket is full; it then runs into debt.
    const needed = Math.min(records, this.capacity);
    if (this.tokens >= needed) return 0;
    return Math.ceil(((needed - this.tokens) / perSecond) * 1000);
  }
}
