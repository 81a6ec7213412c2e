import type { INode, JsonObject } from "n8n-workflow";
import { NodeApiError, NodeOperationError } from "n8n-workflow";

import { CancelledError } from "./rateLimit";
import { VendorHttpError, VendorNetworkError } from "./transport";

/** Bad input in one item, found before anything is sent for it. */
export function invalidField(
  node: INode,
  itemIndex: number,
  field: string,
  problem: string,
): NodeOperationError {
  const message = `Item ${itemIndex}, field "${field}": ${problem}`;
  const error = keepMessage(
    new NodeOperationError(node, message, {
      itemIndex,
      description: `Fix the value of "${field}" in input item ${itemIndex}; nothing was sent for this item.`,
    }),
    message,
  );
  error.context.field = field;
  return error;
}

/**
 * An error n8n raised while resolving a parameter for one item (an expression that refers to a missing
 * node, a syntax error…). n8n names the parameter in `context.parameter`; no request was made for the item.
 */
export function isParameterError(
  error: unknown,
): error is Error & { context: { parameter?: string } } {
  if (!(error instanceof Error) || error instanceof NodeApiError) return false;
  const context = (error as { context?: { parameter?: unknown } }).context;
  return (
    error.name === "ExpressionError" || typeof context?.parameter === "string"
  );
}

export function parameterFailed(
  node: INode,
  itemIndex: number,
  error: Error & { context: { parameter?: string } },
): NodeOperationError {
  const parameter = error.context.parameter;
  const where = parameter
    ? `Item ${itemIndex}, parameter "${parameter}"`
    : `Item ${itemIndex}, a parameter`;
  const message = `${where}: ${error.message}`;
  const failure = keepMessage(
    new NodeOperationError(node, message, {
      itemIndex,
      description: `The parameter's expression could not be resolved for input item ${itemIndex}; nothing was sent for this item.`,
    }),
    message,
  );
  if (parameter) failure.context.field = parameter;
  return failure;
}

/**
 * n8n replaces an error message that mentions a common network code (ECONNREFUSED, ETIMEDOUT…) with a
 * generic sentence, which would drop the item index and the field. This puts the message back; with
 * `sentenceAsDescription`, n8n's plain-language sentence becomes the description.
 */
function keepMessage<E extends NodeApiError | NodeOperationError>(
  error: E,
  message: string,
  sentenceAsDescription = false,
): E {
  if (error.message !== message) {
    if (sentenceAsDescription) error.description = error.message;
    error.message = message;
  }
  return error;
}

/** The vendor refused one item (a per-record error inside an accepted request). */
export function rejectedItem(
  node: INode,
  itemIndex: number,
  problem: string,
  field?: string,
  vendorCode?: string,
): NodeApiError {
  const where = field
    ? `Item ${itemIndex}, field "${field}"`
    : `Item ${itemIndex}`;
  const message = `${where}: ${problem}`;
  const error = keepMessage(
    new NodeApiError(node, { message: problem } as JsonObject, {
      message,
      itemIndex,
      description: "The service rejected this item.",
    }),
    message,
  );
  if (field) error.context.field = field;
  if (vendorCode) error.context.vendorCode = vendorCode;
  return error;
}

/**
 * Wraps any failure of a request made for one or more items into an n8n error that names the item and
 * keeps the vendor's message, never the request's headers.
 */
export function requestFailed(
  node: INode,
  error: unknown,
  itemIndex: number,
  what = "The request",
): Error {
  if (isParameterError(error)) return parameterFailed(node, itemIndex, error);
  if (error instanceof NodeOperationError || error instanceof NodeApiError) {
    const named =
      error.context.itemIndex !== undefined ||
      new RegExp(`^Item ${itemIndex}\\b`).test(error.message);
    // An error n8n raised itself (its request helper, a credential's login): name the item it hit.
    if (!named)
      error.message = `Item ${itemIndex}: ${what} failed. ${error.message}`;
    error.context.itemIndex ??= itemIndex;
    return error;
  }
  if (error instanceof CancelledError) {
    return new NodeOperationError(
      node,
      `Item ${itemIndex}: the execution was cancelled`,
      { itemIndex },
    );
  }
  if (error instanceof VendorHttpError) {
    const message = `Item ${itemIndex}: ${what} failed. ${error.message}`;
    const failure = keepMessage(
      new NodeApiError(
        node,
        {
          message: error.message,
          httpCode: String(error.statusCode),
        } as JsonObject,
        {
          message,
          httpCode: String(error.statusCode),
          itemIndex,
        },
      ),
      message,
    );
    if (error.vendorCode) failure.context.vendorCode = error.vendorCode;
    return failure;
  }
  if (error instanceof VendorNetworkError) {
    const message = `Item ${itemIndex}: ${what} failed. ${error.message}`;
    return keepMessage(
      new NodeApiError(node, { message: error.message } as JsonObject, {
        message,
        itemIndex,
      }),
      message,
      true,
    );
  }
  const text = error instanceof Error ? error.message : String(error);
  const message = `Item ${itemIndex}: ${what} failed. ${text}`;
  return keepMessage(
    new NodeOperationError(node, message, { itemIndex }),
    message,
  );
}
