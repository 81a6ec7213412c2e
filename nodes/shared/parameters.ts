import type { IDataObject, IExecuteFunctions, IGetNodeParameterOptions } from 'n8n-workflow';

/** Whether a stored parameter value holds an n8n expression (a string starting with `=`) anywhere in it. */
export function holdsExpression(value: unknown): boolean {
	if (typeof value === 'string') return value.startsWith('=');
	if (Array.isArray(value)) return value.some(holdsExpression);
	if (value !== null && typeof value === 'object') return Object.values(value).some(holdsExpression);
	return false;
}

/** The stored value at a parameter path (`options.emptyValues`, `rows.row[0].name`), as n8n's lookup finds it. */
function storedValue(parameters: IDataObject, path: string): unknown {
	if (path in parameters) return parameters[path];
	let current: unknown = parameters;
	for (const part of path.replace(/\[(\d+)\]/g, '.$1').split('.')) {
		if (current === null || typeof current !== 'object') return undefined;
		current = (current as IDataObject)[part];
	}
	return current;
}

function frozen<T>(value: T): T {
	if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
		Object.freeze(value);
		for (const child of Object.values(value)) frozen(child);
	}
	return value;
}

/**
 * The execution context with `getNodeParameter` reading each parameter without an expression once per run.
 * n8n resolves a parameter on every call, which costs tens of microseconds and dominated runs of 100,000
 * items (see docs/benchmarks.md). Which parameters can change from item to item is decided from the node's
 * stored parameters, as n8n keeps them with their defaults:
 * - a value that holds an expression anywhere in it (also in one sub-key of a collection) is read for
 *   every item;
 * - any other stored value is the same for every item, so n8n's first answer is kept;
 * - a path stored nowhere gives the fallback, kept for each fallback a caller passes.
 * Reads with n8n's read options (`extractValue`, `ensureType`) and reads that fail always go to n8n. Kept
 * values are frozen, as every later item gets the same object. `getNode()` is read once too: n8n deep-copies
 * the node, with all its parameters, on every call, and bulk operations name the node in every item's
 * result or error. Everything else is the context's own. `route()` gives every operation this context.
 */
export function withFixedParameters(ctx: IExecuteFunctions): IExecuteFunctions {
	const node = ctx.getNode();
	const stored = (node.parameters ?? {}) as IDataObject;
	const kinds = new Map<string, 'expression' | 'stored' | 'absent'>();
	const kept = new Map<string, unknown>();
	const kindOf = (name: string) => {
		let kind = kinds.get(name);
		if (kind === undefined) {
			const value = storedValue(stored, name);
			kind = value === undefined ? 'absent' : holdsExpression(value) ? 'expression' : 'stored';
			kinds.set(name, kind);
		}
		return kind;
	};
	const read = (name: string, itemIndex: number, fallback?: unknown, options?: IGetNodeParameterOptions) => {
		const resolve = () =>
			fallback === undefined && options === undefined
				? ctx.getNodeParameter(name, itemIndex)
				: ctx.getNodeParameter(name, itemIndex, fallback as never, options);
		const kind = kindOf(name);
		if (kind === 'expression' || options !== undefined) return resolve();
		const key = kind === 'stored' ? name : `${name}\u0000${JSON.stringify(fallback) ?? ''}`;
		if (kept.has(key)) return kept.get(key);
		const value = frozen(resolve());
		kept.set(key, value);
		return value;
	};
	const getNode = () => node;
	const bound = new WeakMap<object, unknown>();
	return new Proxy(ctx, {
		get(target, property) {
			if (property === 'getNodeParameter') return read;
			if (property === 'getNode') return getNode;
			const value: unknown = Reflect.get(target, property, target);
			if (typeof value !== 'function') return value;
			if (!bound.has(value)) bound.set(value, (value as (...args: unknown[]) => unknown).bind(target));
			return bound.get(value);
		},
	});
}
