import type { IDataObject, IExecuteFunctions } from "n8n-workflow";

/** Whether a stored parameter value holds an n8n expression (a string starting with "=") anywhere in it. */
export function holdsExpression(value: unknown): boolean {
  if (typeof value === "string") return value.startsWith("=");
  if (Array.isArray(value)) return value.some(holdsExpression);
  if (value !== null && typeof value === "object")
    return Object.values(value).some(holdsExpression);
  return false;
}

function storedValue(parameters: IDataObject, path: string): unknown {
  if (path in parameters) return parameters[path];
  let current: unknown = parameters;
  for (const part of path.split(".")) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as IDataObject)[part];
  }
  return current;
}

/**
 * Per-item parameter reads for bulk operations. n8n resolves a parameter on every `getNodeParameter` call,
 * which costs tens of microseconds and dominated runs of 100,000 items (see docs/benchmarks.md). A
 * parameter whose stored value holds no expression is the same for every item, so it is read once; one
 * with an expression is still read for each item. Callers must not change the values they get back.
 */
export class ItemParameters {
  private readonly fixed = new Map<string, unknown>();
  private readonly stored: IDataObject;

  constructor(private readonly ctx: IExecuteFunctions) {
    this.stored = (ctx.getNode().parameters ?? {}) as IDataObject;
  }

  get<T>(name: string, itemIndex: number, fallback?: T): T {
    if (this.fixed.has(name)) return this.fixed.get(name) as T;
    const value = (
      fallback === undefined
        ? this.ctx.getNodeParameter(name, itemIndex)
        : this.ctx.getNodeParameter(name, itemIndex, fallback as never)
    ) as T;
    if (!holdsExpression(storedValue(this.stored, name)))
      this.fixed.set(name, value);
    return value;
  }
}

/**
 * The execution context with `getNodeParameter` going through `ItemParameters`, for helpers that take the
 * context itself. Everything else is the context's own, called on it.
 */
export function withFixedParameters(ctx: IExecuteFunctions): IExecuteFunctions {
  const params = new ItemParameters(ctx);
  const read = (name: string, itemIndex: number, fallback?: unknown) =>
    params.get(name, itemIndex, fallback);
  return new Proxy(ctx, {
    get(target, property) {
      if (property === "getNodeParameter") return read;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function"
        ? (value as (...args: unknown[]) => unknown).bind(target)
        : value;
    },
  });
}
