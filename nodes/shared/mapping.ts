import type { IDataObject, IExecuteFunctions } from "n8n-workflow";

export interface ResourceMapperValue {
  mappingMode?: "autoMapInputData" | "defineBelow" | string;
  value?: IDataObject | null;
}

/**
 * The fields one item maps to: every field of the input item ("Map Automatically") or the ones set field
 * by field in the resource mapper. Returns a fresh object; input items are never mutated.
 */
export function mappedFields(
  ctx: IExecuteFunctions,
  itemIndex: number,
  parameter = "columns",
): IDataObject {
  const mode = ctx.getNodeParameter(
    `${parameter}.mappingMode`,
    itemIndex,
    "defineBelow",
  ) as string;
  if (mode === "autoMapInputData")
    return { ...ctx.getInputData()[itemIndex].json };
  const value = ctx.getNodeParameter(
    `${parameter}.value`,
    itemIndex,
    {},
  ) as IDataObject | null;
  return { ...(value ?? {}) };
}

/** Parses a JSON-mode parameter, naming the item and field when it is not valid JSON. */
export function parseJsonParameter(value: unknown): unknown {
  if (typeof value !== "string") return value;
  const trimmed = value.trim();
  if (trimmed === "") return undefined;
  return JSON.parse(trimmed);
}
