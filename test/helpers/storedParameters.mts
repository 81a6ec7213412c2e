// What a fake context's `getNode().parameters` holds: the node's parameters as n8n stores them. The node
// reads a stored value without an expression once per run (nodes/shared/parameters.ts), so a fake that
// gives a parameter a different value for each item must store that parameter as an expression.
import type { INodeParameters } from 'n8n-workflow';

/** A stored expression: what a fake's per-item value (a function) stands for. */
export const PER_ITEM = '={{ per item }}';

/** Stored parameters of fake parameters in which a function gives a per-item value. */
export function storedParameters(value: unknown): INodeParameters {
	const stored = (entry: unknown): unknown => {
		if (typeof entry === 'function') return PER_ITEM;
		if (Array.isArray(entry)) return entry.map(stored);
		if (entry && typeof entry === 'object') return Object.fromEntries(Object.entries(entry).map(([key, v]) => [key, stored(v)]));
		return entry;
	};
	return stored(value) as INodeParameters;
}

/** Stored parameters of a fake that resolves every parameter per item: each path holds an expression. */
export function everyParameterPerItem(): INodeParameters {
	return new Proxy({} as INodeParameters, {
		has: () => true,
		get: (_, key) => (typeof key === 'string' ? PER_ITEM : undefined),
		// Listed as one expression, so that code walking the stored parameters sees one.
		ownKeys: () => ['perItem'],
		getOwnPropertyDescriptor: () => ({ value: PER_ITEM, enumerable: true, configurable: true }),
	});
}
