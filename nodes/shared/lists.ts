/**
 * A list parameter or field given either as an array or as comma-separated text (`a, b ,c`). Text entries
 * are trimmed and empty ones dropped; an array is kept as it is; any other single value is a list of one;
 * nothing (`undefined`, `null`, `''`) is an empty list.
 */
export function listOf(value: unknown): unknown[] {
  if (value === undefined || value === null || value === "") return [];
  if (Array.isArray(value)) return value;
  if (typeof value === "string") {
    return value
      .split(",")
      .map((part) => part.trim())
      .filter((part) => part !== "");
  }
  return [value];
}

/** `listOf` as text: every entry as trimmed text, empty entries dropped (for names, tags, IDs). */
export function textList(value: unknown): string[] {
  return listOf(value)
    .map((entry) => (typeof entry === "string" ? entry : String(entry)).trim())
    .filter((entry) => entry !== "");
}
