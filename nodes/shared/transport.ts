import type {
  IDataObject,
  IExecuteFunctions,
  IHttpRequestMethods,
  IHttpRequestOptions,
  ILoadOptionsFunctions,
} from "n8n-workflow";

import type { Clock } from "./clock";
import { realClock } from "./clock";
import type { RateLimiter } from "./rateLimit";
import type { RetryPolicy, RetryVerdict } from "./retry";
import {
  DEFAULT_RETRY_POLICY,
  isRetryableStatus,
  networkErrorCode,
  parseRetryAfter,
  RetriesExhaustedError,
  withRetry,
} from "./retry";

export type RequestContext = IExecuteFunctions | ILoadOptionsFunctions;

export interface VendorResponse<T = unknown> {
  statusCode: number;
  headers: Record<string, unknown>;
  body: T;
}

export interface VendorRequest {
  method: IHttpRequestMethods;
  /** A path under the transport's base URL, or an absolute URL (download links). */
  path: string;
  qs?: IDataObject;
  body?: unknown;
  headers?: IDataObject;
  /** Paces this request; `records` is what it costs against a per-record budget. */
  limiter?: RateLimiter;
  records?: number;
  /** `stream` hands back the body unread, for downloads too large for memory. */
  encoding?: "json" | "text" | "stream" | "arraybuffer";
  /** Extra statuses that mean "busy, try again later" for this request (e.g. a task already running). */
  retryStatuses?: number[];
  /** Statuses that are final for this request although normally retried (e.g. a daily quota no backoff outlasts). */
  finalStatuses?: number[];
  /**
   * Narrows retrying for this request: called for a failure the transport would otherwise retry (an HTTP
   * status or a network error code), and `false` makes that failure final. For requests that are not
   * idempotent, to retry only failures that prove nothing was applied. Absent: every retryable failure is retried.
   */
  retryIf?: (failure: {
    statusCode?: number;
    body?: unknown;
    networkCode?: string;
  }) => boolean;
  /**
   * `false` sends the request without the credential, for absolute links to other hosts (signed download
   * URLs) that must never receive the vendor's key.
   */
  authenticated?: boolean;
  /**
   * Called before each retry of this request with the reason (`HTTP 503`, `network error ECONNRESET`),
   * e.g. so a non-idempotent call knows an earlier attempt may have been applied without an answer.
   */
  onRetry?: (reason: string) => void;
}

export interface TransportOptions {
  /** The credential type whose `authenticate` signs the request. */
  credentialType: string;
  baseUrl: string;
  retry?: Partial<RetryPolicy>;
  clock?: Clock;
  timeoutMs?: number;
  /**
   * Statuses that mean "token expired" for credentials with `preAuthentication`: they are left to n8n,
   * which refreshes the stored token once and resends the request.
   */
  refreshOnStatus?: number[];
  /** Pulls the vendor's human-readable message out of an error body. */
  errorMessage?: (body: unknown, statusCode: number) => string | undefined;
}

/** A non-2xx answer that retrying will not fix (or that kept failing until the retry budget ran out). */
export class VendorHttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly body: unknown,
    message: string,
    readonly attempts = 1,
  ) {
    super(message);
  }

  /** The vendor's machine-readable error code from the body, where it sends one. */
  get vendorCode(): string | undefined {
    return vendorErrorCode(this.body);
  }
}

/** Fields the vendors here use for a machine-readable error code (Batch `error_code`, Synerise `errorCode`…). */
const ERROR_CODE_FIELDS = ["error_code", "errorCode", "code"];
const CODE_LIKE = /^[A-Za-z0-9_.:-]{1,64}$/;

/** A short code (no prose) from an error body's code field, top level or under `error`. */
export function vendorErrorCode(body: unknown): string | undefined {
  for (const holder of [
    body,
    (body as { error?: unknown } | undefined)?.error,
  ]) {
    if (holder === null || typeof holder !== "object" || Array.isArray(holder))
      continue;
    for (const field of ERROR_CODE_FIELDS) {
      const value = (holder as Record<string, unknown>)[field];
      if (
        typeof value === "number" ||
        (typeof value === "string" && CODE_LIKE.test(value))
      )
        return String(value);
    }
  }
  return undefined;
}

/** A request that never got an HTTP answer (connection reset, time-out) after every retry. */
export class VendorNetworkError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly attempts: number,
  ) {
    super(message);
  }
}

const MAX_BODY_IN_MESSAGE = 300;

function bodyText(body: unknown): string {
  if (body === undefined || body === null || body === "") return "";
  const text =
    typeof body === "string"
      ? body
      : Buffer.isBuffer(body)
        ? body.toString("utf8")
        : JSON.stringify(body);
  return text.length > MAX_BODY_IN_MESSAGE
    ? `${text.slice(0, MAX_BODY_IN_MESSAGE)}…`
    : text;
}

/** Headers arrive with any casing; vendors' `Retry-After` is looked up case-insensitively. */
export function header(
  headers: Record<string, unknown> | undefined,
  name: string,
): unknown {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers))
    if (key.toLowerCase() === wanted) return value;
  return undefined;
}

/**
 * The only door to HTTP for every vendor node: signs requests with the vendor credential, paces them,
 * retries 429/5xx/network failures with backoff (honouring `Retry-After`) and turns final failures into
 * errors whose messages carry the vendor's text but never the credential.
 */
export class Transport {
  /** Retries made so far, across requests; surfaced in outputs and benchmarks. */
  retries = 0;
  readonly policy: RetryPolicy;
  readonly clock: Clock;

  constructor(
    private readonly ctx: RequestContext,
    readonly options: TransportOptions,
  ) {
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.clock = options.clock ?? realClock;
  }

  get signal(): AbortSignal | undefined {
    const ctx = this.ctx as Partial<IExecuteFunctions>;
    return typeof ctx.getExecutionCancelSignal === "function"
      ? ctx.getExecutionCancelSignal()
      : undefined;
  }

  async request<T = unknown>(
    request: VendorRequest,
  ): Promise<VendorResponse<T>> {
    const signal = this.signal;
    const absolute = /^https?:\/\//i.test(request.path);
    const options: IHttpRequestOptions = {
      method: request.method,
      url: absolute
        ? request.path
        : `${this.options.baseUrl.replace(/\/+$/, "")}${request.path}`,
      qs: request.qs,
      headers: request.headers,
      body: request.body as IHttpRequestOptions["body"],
      json: request.encoding === undefined || request.encoding === "json",
      encoding:
        request.encoding === "stream" || request.encoding === "arraybuffer"
          ? request.encoding
          : undefined,
      returnFullResponse: true,
      ignoreHttpStatusErrors: this.options.refreshOnStatus
        ? { ignore: true, except: this.options.refreshOnStatus }
        : true,
      timeout: this.options.timeoutMs ?? 120_000,
    };
    if (request.encoding === "text") options.encoding = "text";

    const classify = (outcome: {
      value?: VendorResponse<T>;
      error?: unknown;
    }): RetryVerdict => {
      if (outcome.error !== undefined) {
        const code = networkErrorCode(outcome.error);
        if (code && request.retryIf && !request.retryIf({ networkCode: code }))
          return { retry: false };
        return code
          ? { retry: true, reason: `network error ${code}` }
          : { retry: false };
      }
      const response = outcome.value as VendorResponse<T>;
      const status = response.statusCode;
      if (request.finalStatuses?.includes(status)) return { retry: false };
      if (
        !isRetryableStatus(status) &&
        !request.retryStatuses?.includes(status)
      )
        return { retry: false };
      if (
        request.retryIf &&
        !request.retryIf({ statusCode: status, body: response.body })
      )
        return { retry: false };
      let afterMs = parseRetryAfter(
        header(response.headers, "retry-after"),
        this.clock.now(),
      );
      if (status === 429 && request.limiter)
        afterMs = request.limiter.throttled(request.records ?? 1, afterMs);
      return { retry: true, afterMs, reason: `HTTP ${status}` };
    };

    const settled = await withRetry(
      async () => {
        await request.limiter?.acquire(request.records ?? 1, signal);
        const raw = (
          request.authenticated === false
            ? await this.ctx.helpers.httpRequest({
                ...options,
                ignoreHttpStatusErrors: true,
              })
            : await this.ctx.helpers.httpRequestWithAuthentication.call(
                this.ctx,
                this.options.credentialType,
                options,
                this.options.refreshOnStatus
                  ? {
                      preAuthenticationRetryStatusCode:
                        this.options.refreshOnStatus,
                    }
                  : undefined,
              )
        ) as { statusCode: number; headers: Record<string, unknown>; body: T };
        return {
          statusCode: raw.statusCode,
          headers: raw.headers ?? {},
          body: raw.body,
        };
      },
      classify,
      this.policy,
      {
        clock: this.clock,
        signal,
        onRetry: (info) => {
          this.retries++;
          request.onRetry?.(info.reason);
        },
      },
    ).then(
      (response) => ({ response }),
      (error: unknown) => ({ error }),
    );
    if ("error" in settled) throw this.finalError(settled.error);
    const response = settled.response;
    if (response.statusCode < 200 || response.statusCode > 299)
      throw this.httpError(response, 1);
    request.limiter?.succeeded();
    return response;
  }

  private finalError(error: unknown): unknown {
    if (error instanceof RetriesExhaustedError) {
      const last = error.lastError as VendorResponse | undefined;
      if (last && typeof last === "object" && "statusCode" in last)
        return this.httpError(last, error.attempts);
      const code = networkErrorCode(error.lastError);
      return new VendorNetworkError(
        `The request failed after ${error.attempts} attempts: ${code ?? "network error"}`,
        code,
        error.attempts,
      );
    }
    const code = networkErrorCode(error);
    if (code)
      return new VendorNetworkError(`The request failed: ${code}`, code, 1);
    const httpCode = Number((error as { httpCode?: unknown })?.httpCode);
    if (this.options.refreshOnStatus?.includes(httpCode)) {
      return new VendorHttpError(
        httpCode,
        undefined,
        `The service answered ${httpCode}: the credential was refused, even with a fresh token`,
      );
    }
    return error;
  }

  private httpError(
    response: VendorResponse<unknown>,
    attempts: number,
  ): VendorHttpError {
    const vendorText =
      this.options.errorMessage?.(response.body, response.statusCode) ??
      bodyText(response.body);
    const tries = attempts > 1 ? ` after ${attempts} attempts` : "";
    return new VendorHttpError(
      response.statusCode,
      response.body,
      `The service answered ${response.statusCode}${tries}${vendorText ? `: ${vendorText}` : ""}`,
      attempts,
    );
  }
}
