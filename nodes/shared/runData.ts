import type { IDataObject } from "n8n-workflow";

/**
 * Most characters of run data a node's items may add up to. After the node, n8n serialises the whole run
 * into single strings (the saved execution, and `n8n execute`'s printed result), and a string longer than
 * V8's maximum (2^29 − 24 characters, about 512 Mi, in Node 24) kills n8n with `RangeError: Invalid string
 * length`. With n8n 2.41.1 (`n8n execute`, docs/benchmarks.md scenario 3) 200,000 rows × 100 columns, an
 * estimated 657 M characters, crashed so; this limit is half of V8's, a margin for n8n's own wrapping and
 * for estimates that come out low.
 */
export const MAX_RUN_DATA_CHARS = 256 * 1024 * 1024;

/** JSON punctuation around one field (two quotes around the key, two around the value, colon, comma). */
const FIELD_OVERHEAD = 6;
/** Each item's own wrapping in run data: `{"json":{…},"pairedItem":{"item":N}}`. */
const ITEM_OVERHEAD = 40;

/**
 * The characters one item of flat fields (as CSV rows are) adds to run data, estimated without
 * serialising it: keys and values as JSON writes them, give or take escapes.
 */
export function itemChars(json: IDataObject): number {
  let chars = ITEM_OVERHEAD;
  for (const key in json) {
    const value = json[key];
    chars += key.length + FIELD_OVERHEAD + (typeof value === "string" ? value.length : String(value).length);
  }
  return chars;
}

/** A size in characters as people read it: "312 MB" (a character of run data is about a byte). */
export function describeChars(chars: number): string {
  return `${Math.round(chars / (1024 * 1024))} MB`;
}
