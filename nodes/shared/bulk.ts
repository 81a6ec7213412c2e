import type {
  IDataObject,
  IExecuteFunctions,
  INodeExecutionData,
} from "n8n-workflow";
import { NodeOperationError } from "n8n-workflow";

import type { ChunkLimits } from "./chunk";
import { jsonBytes, packChunks } from "./chunk";
import { invalidField } from "./errors";
import { CancelledError } from "./rateLimit";
import { ItemResults } from "./results";

export interface BulkEntry<P> {
  itemIndex: number;
  payload: P;
}

/** What the vendor said about one entry of a request. */
export type EntryOutcome = { json: IDataObject } | { error: unknown };

export interface BulkOptions<P> {
  /** Builds and validates one item's payload; throws (e.g. `invalidField`) for bad input. */
  prepare: (itemIndex: number) => P;
  /**
   * Settles a prepared entry without sending it when it returns a result (e.g. a record unchanged since
   * the last sync); entries for which it returns `undefined` are sent.
   */
  settle?: (payload: P, itemIndex: number) => IDataObject | undefined;
  limits: ChunkLimits;
  units?: (payload: P) => number;
  bytes?: (payload: P) => number;
  /** Requests in flight at once; pacing still comes from the rate limiter the sender uses. */
  concurrency?: number;
  /**
   * Keys (e.g. a profile id) of a payload. A request that shares a key with an earlier one waits for it,
   * so retries under concurrency never apply two changes of one record out of order.
   */
  keys?: (payload: P) => string[];
  /** Sends one request; returns one outcome per entry, in the order given. Throwing fails the whole batch. */
  send: (
    batch: Array<BulkEntry<P>>,
    batchNumber: number,
  ) => Promise<EntryOutcome[]>;
  /** What a failed batch request is called in errors, e.g. "The import request". */
  requestName?: string;
}

/**
 * The field that makes an item too big: descends into the largest value at each level and returns the
 * last property name on the way, so an oversize error can tell the user which field to shorten.
 */
export function largestField(payload: unknown): string | undefined {
  let current: unknown = payload;
  let name: string | undefined;
  for (
    let depth = 0;
    depth < 32 && current !== null && typeof current === "object";
    depth++
  ) {
    let biggest: { key: string; value: unknown; bytes: number } | undefined;
    for (const [key, value] of Object.entries(
      current as Record<string, unknown>,
    )) {
      const bytes = value === undefined ? 0 : jsonBytes(value);
      if (!biggest || bytes > biggest.bytes) biggest = { key, value, bytes };
    }
    if (!biggest) break;
    if (!Array.isArray(current)) name = biggest.key;
    current = biggest.value;
  }
  return name;
}

export interface BulkRun {
  results: ItemResults;
  requests: number;
}

/**
 * The shared bulk path: validate every item first (bad ones fail before anything is sent), pack the rest
 * into as few requests as the limits allow, send them with bounded concurrency, and give every input item
 * exactly one outcome.
 */
export async function runBulk<P>(
  ctx: IExecuteFunctions,
  itemCount: number,
  options: BulkOptions<P>,
): Promise<BulkRun> {
  const results = new ItemResults(ctx, itemCount);
  const entries: Array<BulkEntry<P>> = [];
  for (let itemIndex = 0; itemIndex < itemCount; itemIndex++) {
    try {
      const payload = options.prepare(itemIndex);
      const settled = options.settle?.(payload, itemIndex);
      if (settled) results.succeed(itemIndex, settled);
      else entries.push({ itemIndex, payload });
    } catch (error) {
      results.fail(itemIndex, error);
    }
  }
  results.throwFirstFailureUnlessContinuing();

  const { chunks, oversize } = packChunks(entries, options.limits, {
    units: options.units ? (entry) => options.units!(entry.payload) : undefined,
    // Bytes are those of the payload as sent, not of the entry wrapper around it.
    bytes: (entry) => (options.bytes ?? jsonBytes)(entry.payload),
  });
  for (const { entry, reason } of oversize) {
    const field = largestField(entry.payload);
    results.fail(
      entry.itemIndex,
      field === undefined
        ? new NodeOperationError(
            ctx.getNode(),
            `Item ${entry.itemIndex}: the item ${reason}`,
            {
              itemIndex: entry.itemIndex,
              description:
                "Split this record or remove data from it; nothing was sent for it.",
            },
          )
        : invalidField(
            ctx.getNode(),
            entry.itemIndex,
            field,
            `is the largest part of an item that ${reason}`,
          ),
    );
  }
  results.throwFirstFailureUnlessContinuing();

  const signal = ctx.getExecutionCancelSignal?.();
  // Without Continue On Fail the node ends at the first failure, so no new request starts after one;
  // requests already in flight finish, and the error says what they applied.
  const stopAtFailure = !ctx.continueOnFail();
  let stopped = false;
  const lastChunkWithKey = new Map<string, Promise<void>>();
  let next = 0;
  const worker = async () => {
    while (next < chunks.length && !stopped) {
      const batchNumber = next++;
      const batch = chunks[batchNumber];
      let release!: () => void;
      const done = new Promise<void>((resolve) => (release = resolve));
      const waitFor = new Set<Promise<void>>();
      if (options.keys) {
        for (const entry of batch) {
          for (const key of options.keys(entry.payload)) {
            const previous = lastChunkWithKey.get(key);
            // Two entries of one request may share a key; a request never waits for itself.
            if (previous && previous !== done) waitFor.add(previous);
            lastChunkWithKey.set(key, done);
          }
        }
      }
      try {
        await Promise.all(waitFor);
        if (signal?.aborted) throw new CancelledError();
        const outcomes = await options.send(batch, batchNumber);
        batch.forEach((entry, position) => {
          const outcome = outcomes[position];
          if (outcome === undefined) {
            results.fail(
              entry.itemIndex,
              new Error("The service returned no result for this item"),
            );
          } else if ("error" in outcome) {
            results.fail(entry.itemIndex, outcome.error, options.requestName);
          } else {
            results.succeed(entry.itemIndex, outcome.json);
          }
        });
      } catch (error) {
        for (const entry of batch)
          results.fail(entry.itemIndex, error, options.requestName);
      } finally {
        if (
          stopAtFailure &&
          batch.some((entry) => !results.succeeded(entry.itemIndex))
        )
          stopped = true;
        release();
      }
    }
  };
  const workers = Math.max(
    1,
    Math.min(options.concurrency ?? 1, chunks.length),
  );
  await Promise.all(Array.from({ length: workers }, worker));
  for (const chunk of chunks.slice(next))
    for (const entry of chunk) results.notSent(entry.itemIndex);
  return { results, requests: Math.min(next, chunks.length) };
}

export interface EachOptions<P> {
  /** Builds and validates one item's request; throws (e.g. `invalidField`) for bad input. */
  prepare: (itemIndex: number) => P;
  /** Requests that share a key (e.g. a profile ID) are sent one after another, in item order. */
  keys?: (payload: P) => string[];
  concurrency: number;
  /** What the request is called in errors, e.g. "The delete request". */
  requestName: string;
  /** Sends one item's request and returns the item's output; throws when it fails. */
  send: (payload: P, itemIndex: number) => Promise<IDataObject>;
}

/**
 * Operations with one request per item: a bulk run in batches of one, so every item is validated before any
 * request, requests run a few at a time, and every item gets exactly one result, in input order.
 */
export async function runEach<P>(
  ctx: IExecuteFunctions,
  options: EachOptions<P>,
): Promise<INodeExecutionData[][]> {
  const { results } = await runBulk<P>(ctx, ctx.getInputData().length, {
    prepare: options.prepare,
    limits: { maxUnits: 1 },
    keys: options.keys,
    concurrency: options.concurrency,
    requestName: options.requestName,
    send: async ([entry]) => [
      { json: await options.send(entry.payload, entry.itemIndex) },
    ],
  });
  return results.output();
}
