// How n8n decides that an item a node returned goes to the node's error output ("On Error: Continue
// (using error output)"), and what that output then holds. Mirrors n8n-core's WorkflowExecute
// (handleNodeErrorOutput, then normalizeNodeErrors) in the two release lines the package supports.
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

export type N8nLine = 1 | 2;

const ROUTING_KEYS: Record<N8nLine, (keys: string[]) => boolean> = {
	// n8n 1: json of `error` alone, or of `error` and `message`.
	1: (keys) => (keys.length === 1 && keys[0] === 'error') || (keys.length === 2 && keys.includes('error') && keys.includes('message')),
	// n8n 2: json with `error` and no keys besides error, message and details.
	2: (keys) => keys.includes('error') && keys.every((key) => ['error', 'message', 'details'].includes(key)),
};

export function routesToErrorOutput(item: INodeExecutionData, line: N8nLine = 2): boolean {
	if (item.error !== undefined) return true;
	return Boolean(item.json.error) && ROUTING_KEYS[line](Object.keys(item.json));
}

/** The json n8n puts on the error output for an error item of a node whose input item was `input`. */
export function errorOutputJson(item: INodeExecutionData, input: IDataObject): IDataObject {
	// n8n merges the error item's json over its input item's, then keeps only the message of an item that
	// carries an error object.
	return item.error !== undefined ? { error: item.error.message } : { ...input, ...item.json };
}
