import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { requestFailed } from './errors';

type Outcome = { json: IDataObject; binary?: INodeExecutionData['binary'] } | { error: Error };

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

	succeed(itemIndex: number, json: IDataObject, binary?: INodeExecutionData['binary']): void {
		this.outcomes[itemIndex] = { json, binary };
	}

	fail(itemIndex: number, error: unknown, what?: string): void {
		this.outcomes[itemIndex] = { error: requestFailed(this.ctx.getNode(), error, itemIndex, what) };
	}

	isSettled(itemIndex: number): boolean {
		return this.outcomes[itemIndex] !== undefined;
	}

	/** Indices that have no outcome yet. */
	pending(): number[] {
		const open: number[] = [];
		for (let i = 0; i < this.itemCount; i++) if (this.outcomes[i] === undefined) open.push(i);
		return open;
	}

	failures(): number {
		return this.outcomes.filter((outcome) => outcome && 'error' in outcome).length;
	}

	/** Throws the first failure unless the node continues on fail; meant to run before anything is sent. */
	throwFirstFailureUnlessContinuing(): void {
		if (this.ctx.continueOnFail()) return;
		for (const outcome of this.outcomes) if (outcome && 'error' in outcome) throw outcome.error;
	}

	output(): INodeExecutionData[][] {
		const continueOnFail = this.ctx.continueOnFail();
		const items: INodeExecutionData[] = [];
		for (let i = 0; i < this.itemCount; i++) {
			const outcome = this.outcomes[i];
			if (outcome === undefined) {
				// A missing outcome is a bug in the caller; surfacing it beats silently dropping the item.
				throw new NodeOperationError(this.ctx.getNode(), `Item ${i} got no result`, { itemIndex: i });
			}
			if ('error' in outcome) {
				if (!continueOnFail) throw outcome.error;
				// n8n routes an item to the error output ("On Error: Continue (using error output)") only when it
				// carries `error`, or when its json has no keys besides error/message/details.
				const item: INodeExecutionData = { json: errorJson(outcome.error, i), pairedItem: { item: i } };
				if (outcome.error instanceof NodeApiError || outcome.error instanceof NodeOperationError) item.error = outcome.error;
				items.push(item);
				continue;
			}
			const item: INodeExecutionData = { json: outcome.json, pairedItem: { item: i } };
			if (outcome.binary) item.binary = outcome.binary;
			items.push(item);
		}
		return [items];
	}
}

export function errorJson(error: Error, itemIndex: number): IDataObject {
	const json: IDataObject = { error: error.message, itemIndex };
	if (error instanceof NodeApiError) {
		if (error.httpCode) json.httpCode = error.httpCode;
		if (error.description) json.description = error.description;
	} else if (error instanceof NodeOperationError && error.description) {
		json.description = error.description;
	}
	return json;
}
