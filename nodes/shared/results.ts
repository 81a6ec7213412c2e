import type {
  IDataObject,
  IExecuteFunctions,
  INodeExecutionData,
} from "n8n-workflow";
import * as n8nWorkflow from "n8n-workflow";
import { NodeApiError, NodeOperationError } from "n8n-workflow";

import { requestFailed } from "./errors";

type Outcome =
  | { json: IDataObject; binary?: INodeExecutionData["binary"] }
  | { error: Error }
  /** Never sent: the node stopped at an earlier failure (without Continue On Fail). */
  | { notSent: true };

/**
 * Collects exactly one outcome per input item and emits them in input order with `pairedItem`. Failed
 * items become error items (picked up by n8n's error output) when the node continues on fail; otherwise
 * the first failure, by item order, stops the node.
 */
export class ItemResults {
  private readonly outcomes: Array<Outcome | undefined>;

  constructor(
    private readonly ctx: IExecuteFunctions,
    readonly itemCount: number,
  ) {
    this.outcomes = new Array<Outcome | undefined>(itemCount);
  }

  succeed(
    itemIndex: number,
    json: IDataObject,
    binary?: INodeExecutionData["binary"],
  ): void {
    this.outcomes[itemIndex] = { json, binary };
  }

  fail(itemIndex: number, error: unknown, what?: string): void {
    this.outcomes[itemIndex] = {
      error: requestFailed(this.ctx.getNode(), error, itemIndex, what),
    };
  }

  /** Marks an item that was not sent because the node stops at an earlier failure. */
  notSent(itemIndex: number): void {
    this.outcomes[itemIndex] = { notSent: true };
  }

  succeeded(itemIndex: number): boolean {
    const outcome = this.outcomes[itemIndex];
    return outcome !== undefined && "json" in outcome;
  }

  isSettled(itemIndex: number): boolean {
    return this.outcomes[itemIndex] !== undefined;
  }

  /** Indices that have no outcome yet. */
  pending(): number[] {
    const open: number[] = [];
    for (let i = 0; i < this.itemCount; i++)
      if (this.outcomes[i] === undefined) open.push(i);
    return open;
  }

  failures(): number {
    return this.outcomes.filter((outcome) => outcome && "error" in outcome)
      .length;
  }

  /** Throws the first failure unless the node continues on fail; meant to run before anything is sent. */
  throwFirstFailureUnlessContinuing(): void {
    if (this.ctx.continueOnFail()) return;
    for (const outcome of this.outcomes)
      if (outcome && "error" in outcome) throw outcome.error;
  }

  /**
   * The error that stops the node (without Continue On Fail): the first failure by item order, told what
   * else had happened by then, since requests already in flight are not undone.
   */
  private stopError(): Error | undefined {
    const failed = this.outcomes.findIndex(
      (outcome) => outcome !== undefined && "error" in outcome,
    );
    if (failed < 0) return undefined;
    const error = (this.outcomes[failed] as { error: Error }).error;
    const succeeded: number[] = [];
    let notSent = 0;
    this.outcomes.forEach((outcome, i) => {
      if (outcome && "json" in outcome) succeeded.push(i);
      else if (outcome && "notSent" in outcome) notSent++;
    });
    if (succeeded.length === 0 && notSent === 0) return error;
    const done =
      succeeded.length === 0
        ? "no other item had succeeded"
        : `${succeeded.length} other item${succeeded.length === 1 ? "" : "s"} had already succeeded and stay applied (${itemRanges(succeeded)})`;
    const suffix = ` [The node stopped at this error: ${done}; ${notSent} ${notSent === 1 ? "was" : "were"} not sent. Turn on Continue On Fail for a result per item.]`;
    if (!error.message.endsWith(suffix)) error.message += suffix;
    return error;
  }

  output(): INodeExecutionData[][] {
    const continueOnFail = this.ctx.continueOnFail();
    if (!continueOnFail) {
      const stop = this.stopError();
      if (stop) throw stop;
    }
    const items: INodeExecutionData[] = [];
    for (let i = 0; i < this.itemCount; i++) {
      const outcome = this.outcomes[i];
      if (outcome === undefined || "notSent" in outcome) {
        // A missing outcome is a bug in the caller; surfacing it beats silently dropping the item.
        throw new NodeOperationError(
          this.ctx.getNode(),
          `Item ${i} got no result`,
          { itemIndex: i },
        );
      }
      if ("error" in outcome) {
        items.push(errorItem(outcome.error, i));
        continue;
      }
      const item: INodeExecutionData = {
        json: outcome.json,
        pairedItem: { item: i },
      };
      if (outcome.binary) item.binary = outcome.binary;
      items.push(item);
    }
    return [items];
  }
}

/**
 * The json of an error item, the same in every node (docs/errors.md): `error` (the message) and `details`
 * holding `itemIndex`, and where known `field` (the input field or parameter at fault), `httpCode` (the
 * vendor's HTTP status), `vendorCode` (the vendor's own error code) and `description` (what to do).
 */
export function errorJson(error: Error, itemIndex: number): IDataObject {
  const details: IDataObject = { itemIndex };
  const context =
    (error as { context?: { field?: unknown; vendorCode?: unknown } })
      .context ?? {};
  if (typeof context.field === "string") details.field = context.field;
  if (error instanceof NodeApiError && error.httpCode)
    details.httpCode = error.httpCode;
  if (typeof context.vendorCode === "string")
    details.vendorCode = context.vendorCode;
  if (
    (error instanceof NodeApiError || error instanceof NodeOperationError) &&
    error.description
  ) {
    details.description = error.description;
  }
  return { error: error.message, details };
}

/**
 * Whether the running n8n sends an item to the error output by its json alone. n8n 2 does so for json with
 * no keys but `error`, `message` and `details`, and keeps that json (merged over the input item's) on the
 * error output. n8n 1 needs the item's `error` property, and then replaces the json with `{ error }`. The
 * nodes-API level, exported by n8n 2's n8n-workflow only, tells the two apart.
 */
export const ERROR_OUTPUT_KEEPS_DETAILS =
  "N8N_NODES_API_VERSION" in n8nWorkflow;

/** An error item: its json as `errorJson` builds it, paired with its input item, routed to the error output. */
export function errorItem(
  error: Error,
  itemIndex: number,
  keepsDetails = ERROR_OUTPUT_KEEPS_DETAILS,
): INodeExecutionData {
  const item: INodeExecutionData = {
    json: errorJson(error, itemIndex),
    pairedItem: { item: itemIndex },
  };
  // n8n 1 routes by the error object alone (any error; the nodes only make n8n's own kinds).
  if (!keepsDetails) item.error = error as NodeOperationError;
  return item;
}

/** `0–2, 5, 7–9`, capped so a message about 10,000 items stays readable. */
export function itemRanges(indices: number[], maxRanges = 10): string {
  const ranges: string[] = [];
  let start = indices[0];
  for (let i = 1; i <= indices.length; i++) {
    if (i < indices.length && indices[i] === indices[i - 1] + 1) continue;
    const end = indices[i - 1];
    ranges.push(start === end ? `${start}` : `${start}–${end}`);
    start = indices[i];
  }
  const shown = ranges.slice(0, maxRanges).join(", ");
  return `item${indices.length === 1 ? "" : "s"} ${shown}${ranges.length > maxRanges ? `, and ${ranges.length - maxRanges} more ranges` : ""}`;
}
