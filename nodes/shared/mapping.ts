import type { IDataObject, IExecuteFunctions } from "n8n-workflow";

/** How empty values (`''`, whitespace-only) in mapped fields are treated. */
export type EmptyValuePolicy = "skip" | "null" | "keep";

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

export function isEmptyValue(value: unknown): boolean {
  return typeof value === "string" && value.trim() === "";
}

/**
 * Applies the user's empty-value policy: `skip` leaves the field out (the vendor keeps what it has),
 * `null` sends null (the vendor clears it), `keep` sends the empty string as given. `undefined` is always
 * left out: a field the item does not have is never sent.
 */
export function applyEmptyPolicy(
  fields: IDataObject,
  policy: EmptyValuePolicy,
): IDataObject {
  const out: IDataObject = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (isEmptyValue(value)) {
      if (policy === "skip") continue;
      out[key] = policy === "null" ? null : value;
      continue;
    }
    out[key] = value;
  }
  return out;
}

/** Parses a JSON-mode parameter, naming the item and field when it is not valid JSON. */
export function parseJsonParameter(value: unknown): unknown {
  if (typeof value !== "string") return value;
  const trimmed = value.trim();
  if (trimmed === "") return undefined;
  return JSON.parse(trimmed);
}
