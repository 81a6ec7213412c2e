import type { Clock } from "./clock";
import { realClock } from "./clock";
import { CancelledError } from "./rateLimit";

export interface RetryPolicy {
  /** Attempts in all, the first one included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** No retry starts after this much time has passed since the first attempt. */
  maxElapsedMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 6,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxElapsedMs: 5 * 60_000,
};

/** What one attempt's outcome means for the next one. */
export type RetryVerdict =
  | { retry: false }
  | { retry: true; afterMs?: number; reason: string };

const RETRYABLE_NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "ESOCKETTIMEDOUT",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "UND_ERR_SOCKET",
  "ERR_SOCKET_CONNECTION_TIMEOUT",
]);

export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 408 || (status >= 500 && status <= 599);
}

/** Finds a network error code anywhere in an error's cause chain (axios and n8n wrap them). */
export function networkErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (
    let depth = 0;
    current && typeof current === "object" && depth < 6;
    depth++
  ) {
    const record = current as {
      code?: unknown;
      message?: unknown;
      cause?: unknown;
      errorResponse?: unknown;
    };
    if (
      typeof record.code === "string" &&
      RETRYABLE_NETWORK_CODES.has(record.code)
    )
      return record.code;
    if (
      typeof record.message === "string" &&
      /socket hang up|ECONNRESET|network error/i.test(record.message)
    ) {
      return "ECONNRESET";
    }
    current = record.cause ?? record.errorResponse;
  }
  return undefined;
}

/** `Retry-After` is either delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(
  value: unknown,
  now: number,
): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (typeof text !== "string" && typeof text !== "number") return undefined;
  const trimmed = String(text).trim();
  if (trimmed === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Exponential backoff with full jitter, capped; `random` is injectable for tests. */
export function backoffDelay(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(
    policy.maxDelayMs,
    policy.baseDelayMs * 2 ** (attempt - 1),
  );
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export class RetriesExhaustedError extends Error {
  constructor(
    message: string,
    readonly attempts: number,
    readonly lastError: unknown,
  ) {
    super(message);
  }
}

export interface RetryHooks {
  clock?: Clock;
  signal?: AbortSignal;
  random?: () => number;
  onRetry?: (info: {
    attempt: number;
    delayMs: number;
    reason: string;
  }) => void;
}

/**
 * Runs `attempt` until `classify` says its outcome is final. An outcome is either a resolved value or a
 * thrown error; both go through `classify`, so callers can retry on a 429 response without throwing.
 */
export async function withRetry<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  classify: (outcome: { value?: T; error?: unknown }) => RetryVerdict,
  policy: RetryPolicy,
  hooks: RetryHooks = {},
): Promise<T> {
  const clock = hooks.clock ?? realClock;
  const started = clock.now();
  for (let n = 1; ; n++) {
    if (hooks.signal?.aborted) throw new CancelledError();
    let outcome: { value?: T; error?: unknown };
    try {
      outcome = { value: await attempt(n) };
    } catch (error) {
      outcome = { error };
    }
    if (outcome.error instanceof CancelledError || hooks.signal?.aborted)
      throw new CancelledError();
    const verdict = classify(outcome);
    if (!verdict.retry) {
      if ("error" in outcome && outcome.error !== undefined)
        throw outcome.error;
      return outcome.value as T;
    }
    const delayMs = Math.max(
      verdict.afterMs ?? 0,
      verdict.afterMs === undefined ? backoffDelay(n, policy, hooks.random) : 0,
    );
    const elapsed = clock.now() - started;
    if (n >= policy.maxAttempts || elapsed + delayMs > policy.maxElapsedMs) {
      throw new RetriesExhaustedError(
        `Gave up after ${n} attempt${n === 1 ? "" : "s"} (${verdict.reason})`,
        n,
        outcome.error ?? outcome.value,
      );
    }
    hooks.onRetry?.({ attempt: n, delayMs, reason: verdict.reason });
    await clock.sleep(delayMs, hooks.signal);
  }
}
