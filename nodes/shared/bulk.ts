import type {
  IDataObject,
  IExecuteFunctions,
  INodeExecutionData,
} from "n8n-workflow";
import { NodeOperationError, sleep } from "n8n-workflow";

import type { ChunkLimits } from "./chunk";
import { ChunkPacker, jsonBytes } from "./chunk";
import { invalidField } from "./errors";
import { CancelledError } from "./rateLimit";
import { ItemResults } from "./results";

export interface BulkEntry<P> {
  itemIndex: number;
  payload: P;
}

/** What the vendor said about one entry of a request. */
export type EntryOutcome = { json: IDataObject } | { error: unknown };

/** How prepared entries are packed and sent. */
export interface BulkSending<P> {
  limits: ChunkLimits;
  /** Requests in flight at once; pacing still comes from the rate limiter the sender uses. */
  concurrency?: number;
  /** Sends one request; returns one outcome per entry, in the order given. Throwing fails the whole batch. */
  send: (
    batch: Array<BulkEntry<P>>,
    batchNumber: number,
  ) => Promise<EntryOutcome[]>;
  /** What a failed batch request is called in errors, e.g. "The import request". */
  requestName?: string;
}

/**
 * Chooses the sending from how many entries there are to send (e.g. a route by volume): called once
 * `lookahead` entries are prepared, or when the input ends with fewer (`complete`). Only those entries are
 * held before it.
 */
export interface BulkChoice<P> {
  lookahead: number;
  sending: (entries: number, complete: boolean) => BulkSending<P>;
}

export interface BulkPreparation<P> {
  /**
   * Builds and validates one item's payload; throws (e.g. `invalidField`) for bad input. Items are
   * prepared in input order, and an item is sent only once it is prepared.
   */
  prepare: (itemIndex: number) => P | Promise<P>;
  /**
   * Settles a prepared entry without sending it when it returns a result (e.g. a record unchanged since
   * the last sync); entries for which it returns `undefined` are sent.
   */
  settle?: (payload: P, itemIndex: number) => IDataObject | undefined;
  units?: (payload: P) => number;
  bytes?: (payload: P) => number;
  /**
   * Keys (e.g. a profile id) of a payload. A request that shares a key with an earlier one waits for it,
   * so retries under concurrency never apply two changes of one record out of order.
   */
  keys?: (payload: P) => string[];
  /**
   * Full requests held ready while the ones in flight are sent; preparation waits when they are all
   * taken, so memory stays bounded by requests, not by the input's size.
   */
  bufferedRequests?: number;
}

export interface BulkOptions<P> extends BulkPreparation<P>, BulkSending<P> {}

/** A bulk run whose sending is chosen once enough entries are prepared. */
export interface ChoosingBulkOptions<P> extends BulkPreparation<P> {
  choose: BulkChoice<P>;
}

/** Full requests held ready by default, besides the ones in flight and the one being filled. */
export const DEFAULT_BUFFERED_REQUESTS = 1;

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

/** How long preparation runs before it lets requests, answers and pacing timers in. */
const PREPARE_SLICE_MS = 10;

/** Full requests between preparation and the senders: preparation waits while it is full. */
class RequestQueue<T> {
  private readonly items: T[] = [];
  private closed = false;
  private readonly takers: Array<(item: T | undefined) => void> = [];
  private readonly putters: Array<() => void> = [];

  constructor(private readonly capacity: number) {}

  async put(item: T): Promise<void> {
    while (this.items.length >= this.capacity && !this.closed)
      await new Promise<void>((resolve) => this.putters.push(resolve));
    const taker = this.takers.shift();
    if (taker) taker(item);
    else this.items.push(item);
  }

  /** The next request, or `undefined` once the queue is closed and empty. */
  async take(): Promise<T | undefined> {
    if (this.items.length > 0) {
      const item = this.items.shift() as T;
      this.putters.shift()?.();
      return item;
    }
    if (this.closed) return undefined;
    return await new Promise<T | undefined>((resolve) =>
      this.takers.push(resolve),
    );
  }

  close(): void {
    this.closed = true;
    for (const taker of this.takers.splice(0)) taker(undefined);
    for (const putter of this.putters.splice(0)) putter();
  }

  /** What was queued and never taken. */
  drain(): T[] {
    return this.items.splice(0);
  }
}

function oversizeError(
  ctx: IExecuteFunctions,
  entry: BulkEntry<unknown>,
  reason: string,
): Error {
  const field = largestField(entry.payload);
  return field === undefined
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
      );
}

/**
 * The shared bulk path: items are prepared (built and checked) in input order and packed into as few
 * requests as the limits allow. Without Continue On Fail every item is prepared before the first request,
 * so bad input fails the node with nothing sent. With it, the path is a bounded pipeline: each request is
 * sent as soon as it is full, with bounded concurrency, while later items are still being prepared; at most
 * the requests in flight, `bufferedRequests` full ones and the one being filled are held, whatever the
 * input's size. Either way an item is sent only after it was prepared, and every input item gets exactly
 * one outcome.
 */
export async function runBulk<P>(
  ctx: IExecuteFunctions,
  itemCount: number,
  options: BulkOptions<P> | ChoosingBulkOptions<P>,
): Promise<BulkRun> {
  const results = new ItemResults(ctx, itemCount);
  const signal = ctx.getExecutionCancelSignal?.();
  // Without Continue On Fail the node ends at the first failure, so nothing new is prepared or sent after
  // one; requests already in flight finish, and the error says what they applied.
  const stopAtFailure = !ctx.continueOnFail();
  // Without Continue On Fail, one bad item fails the node, so every item is checked before the first
  // request: a run either sends or fails whole on bad input. With it, bad items get their own error items,
  // so requests go out while later items are still prepared.
  const checkAllFirst = stopAtFailure;
  let stopped = false;
  let requests = 0;
  const queue = new RequestQueue<{
    batch: Array<BulkEntry<P>>;
    batchNumber: number;
  }>(Math.max(1, options.bufferedRequests ?? DEFAULT_BUFFERED_REQUESTS));
  const stop = () => {
    stopped = true;
    queue.close();
  };
  const fail = (itemIndex: number, error: unknown) => {
    results.fail(itemIndex, error);
    if (stopAtFailure) stop();
  };

  const lastChunkWithKey = new Map<string, Promise<void>>();
  const sendOne = async (
    sending: BulkSending<P>,
    batch: Array<BulkEntry<P>>,
    batchNumber: number,
  ) => {
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    const waitFor = new Set<Promise<void>>();
    const keys = options.keys
      ? batch.flatMap((entry) => options.keys!(entry.payload))
      : [];
    for (const key of keys) {
      const previous = lastChunkWithKey.get(key);
      // Two entries of one request may share a key; a request never waits for itself.
      if (previous && previous !== done) waitFor.add(previous);
      lastChunkWithKey.set(key, done);
    }
    try {
      await Promise.all(waitFor);
      if (signal?.aborted) throw new CancelledError();
      requests++;
      const outcomes = await sending.send(batch, batchNumber);
      batch.forEach((entry, position) => {
        const outcome = outcomes[position];
        if (outcome === undefined) {
          results.fail(
            entry.itemIndex,
            new Error("The service returned no result for this item"),
          );
        } else if ("error" in outcome) {
          results.fail(entry.itemIndex, outcome.error, sending.requestName);
        } else {
          results.succeed(entry.itemIndex, outcome.json);
        }
      });
    } catch (error) {
      for (const entry of batch)
        results.fail(entry.itemIndex, error, sending.requestName);
    } finally {
      if (
        stopAtFailure &&
        batch.some((entry) => !results.succeeded(entry.itemIndex))
      )
        stop();
      release();
      // Keys of finished requests are forgotten, so the map stays as small as the requests in flight.
      for (const key of keys)
        if (lastChunkWithKey.get(key) === done) lastChunkWithKey.delete(key);
    }
  };
  const worker = async (sending: BulkSending<P>) => {
    for (;;) {
      const next = stopped ? undefined : await queue.take();
      if (!next) return;
      if (stopped) {
        for (const entry of next.batch) results.notSent(entry.itemIndex);
        continue;
      }
      await sendOne(sending, next.batch, next.batchNumber);
    }
  };

  const choice = "choose" in options ? options.choose : undefined;
  let sending: BulkSending<P> | undefined = choice
    ? undefined
    : (options as BulkSending<P>);
  let packer: ChunkPacker<BulkEntry<P>> | undefined;
  const workers: Array<Promise<void>> = [];
  let batchNumber = 0;
  const open = (entries: number, complete: boolean) => {
    const chosen = (sending ??= choice!.sending(entries, complete));
    packer = new ChunkPacker<BulkEntry<P>>(chosen.limits, {
      units: options.units ? (entry) => options.units!(entry.payload) : undefined,
      // Bytes are those of the payload as sent, not of the entry wrapper around it.
      bytes: (entry) => (options.bytes ?? jsonBytes)(entry.payload),
    });
    for (let n = 0; n < Math.max(1, chosen.concurrency ?? 1); n++)
      workers.push(worker(chosen));
    return packer;
  };
  const enqueue = async (batch: Array<BulkEntry<P>>) => {
    if (batch.length > 0) await queue.put({ batch, batchNumber: batchNumber++ });
  };
  const pack = async (entry: BulkEntry<P>) => {
    const step = packer!.add(entry);
    if ("oversize" in step)
      fail(entry.itemIndex, oversizeError(ctx, entry, step.oversize));
    else if (step.full) await enqueue(step.full);
  };

  const held: Array<BulkEntry<P>> = [];
  let sliceStarted = Date.now();
  let prepared = 0;
  for (; prepared < itemCount && !stopped; prepared++) {
    if (Date.now() - sliceStarted >= PREPARE_SLICE_MS) {
      await sleep(0);
      sliceStarted = Date.now();
    }
    const itemIndex = prepared;
    let entry: BulkEntry<P>;
    try {
      const payload = await options.prepare(itemIndex);
      const settled = options.settle?.(payload, itemIndex);
      if (settled) {
        results.succeed(itemIndex, settled);
        continue;
      }
      entry = { itemIndex, payload };
    } catch (error) {
      fail(itemIndex, error);
      continue;
    }
    if (packer) {
      await pack(entry);
    } else if (held.push(entry) >= (choice?.lookahead ?? 0) && !checkAllFirst) {
      open(held.length, false);
      for (const early of held.splice(0)) await pack(early);
    }
  }
  if (!stopped) {
    if (!packer) open(held.length, true);
    for (const early of held.splice(0)) await pack(early);
    await enqueue(packer!.flush());
  }
  queue.close();
  await Promise.all(workers);

  if (stopped && requests === 0) results.throwFirstFailureUnlessContinuing();
  const unsent = [
    ...held,
    ...(packer?.flush() ?? []),
    ...queue.drain().flatMap(({ batch }) => batch),
  ];
  for (const entry of unsent) results.notSent(entry.itemIndex);
  for (let itemIndex = prepared; itemIndex < itemCount; itemIndex++)
    results.notSent(itemIndex);
  return { results, requests };
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

/** An operation with one request per item as bulk options: batches of one, whose outcome is `send`'s answer. */
export function eachAsBulk<P>(options: EachOptions<P>): BulkOptions<P> {
  return {
    prepare: options.prepare,
    limits: { maxUnits: 1 },
    keys: options.keys,
    concurrency: options.concurrency,
    requestName: options.requestName,
    send: async ([entry]) => [
      { json: await options.send(entry.payload, entry.itemIndex) },
    ],
  };
}

/**
 * Operations with one request per item: a bulk run in batches of one, so every item is validated before any
 * request, requests run a few at a time, and every item gets exactly one result, in input order.
 */
export async function runEach<P>(
  ctx: IExecuteFunctions,
  options: EachOptions<P>,
): Promise<INodeExecutionData[][]> {
  const { results } = await runBulk<P>(
    ctx,
    ctx.getInputData().length,
    eachAsBulk(options),
  );
  return results.output();
}
