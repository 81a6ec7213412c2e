import type { INode, JsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { CancelledError } from './rateLimit';
import { VendorHttpError, VendorNetworkError } from './transport';

/** Bad input in one item, found before anything is sent for it. */
export function invalidField(node: INode, itemIndex: number, field: string, problem: string): NodeOperationError {
	return new NodeOperationError(node, `Item ${itemIndex}, field "${field}": ${problem}`, {
		itemIndex,
		description: `Fix the value of "${field}" in input item ${itemIndex}; nothing was sent for this item.`,
	});
}

/** The vendor refused one item (a per-record error inside an accepted request). */
export function rejectedItem(node: INode, itemIndex: number, problem: string, field?: string): NodeApiError {
	const where = field ? `Item ${itemIndex}, field "${field}"` : `Item ${itemIndex}`;
	return new NodeApiError(
		node,
		{ message: problem } as JsonObject,
		{ message: `${where}: ${problem}`, itemIndex, description: 'The service rejected this item.' },
	);
}

/**
 * Wraps any failure of a request made for one or more items into an n8n error that names the item and
 * keeps the vendor's message, never the request's headers.
 */
export function requestFailed(node: INode, error: unknown, itemIndex: number, what = 'The request'): Error {
	if (error instanceof NodeOperationError || error instanceof NodeApiError) return error;
	if (error instanceof CancelledError) {
		return new NodeOperationError(node, `Item ${itemIndex}: the execution was cancelled`, { itemIndex });
	}
	if (error instanceof VendorHttpError) {
		return new NodeApiError(node, { message: error.message, httpCode: String(error.statusCode) } as JsonObject, {
			message: `Item ${itemIndex}: ${what} failed. ${error.message}`,
			httpCode: String(error.statusCode),
			itemIndex,
		});
	}
	if (error instanceof VendorNetworkError) {
		return new NodeApiError(node, { message: error.message } as JsonObject, {
			message: `Item ${itemIndex}: ${what} failed. ${error.message}`,
			itemIndex,
		});
	}
	const message = error instanceof Error ? error.message : String(error);
	return new NodeOperationError(node, `Item ${itemIndex}: ${what} failed. ${message}`, { itemIndex });
}
