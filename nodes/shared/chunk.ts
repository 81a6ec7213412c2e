/** Limits of one vendor request: how many units (usually records) and how many bytes of JSON it may carry. */
export interface ChunkLimits {
  maxUnits: number;
  maxBytes?: number;
  /** Bytes of the request around the entries, e.g. `{"users":[` + `]}`. */
  envelopeBytes?: number;
}

export interface Measured<T> {
  entry: T;
  units: number;
  bytes: number;
}

export interface PackResult<T> {
  chunks: T[][];
  /** Entries that cannot fit in any request on their own (too many units or bytes). */
  oversize: Array<{ entry: T; reason: string }>;
}

export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), "utf8");
}

/**
 * Packs entries, in order, into as few requests as the limits allow. An entry is never split: when it does
 * not fit in the current request a new one starts, and an entry that exceeds a limit alone is reported as
 * oversize instead of being sent.
 */
export function packChunks<T>(
  entries: T[],
  limits: ChunkLimits,
  measure: { units?: (entry: T) => number; bytes?: (entry: T) => number } = {},
): PackResult<T> {
  const unitsOf = measure.units ?? (() => 1);
  const bytesOf = measure.bytes ?? ((entry: T) => jsonBytes(entry));
  const maxBytes = limits.maxBytes ?? Number.POSITIVE_INFINITY;
  const envelope = limits.envelopeBytes ?? 2;
  const chunks: T[][] = [];
  const oversize: PackResult<T>["oversize"] = [];
  let current: T[] = [];
  let units = 0;
  let bytes = envelope;

  for (const entry of entries) {
    const entryUnits = unitsOf(entry);
    const entryBytes = limits.maxBytes === undefined ? 0 : bytesOf(entry);
    if (entryUnits > limits.maxUnits) {
      oversize.push({
        entry,
        reason: `has ${entryUnits} changes, more than the ${limits.maxUnits} one request allows`,
      });
      continue;
    }
    if (envelope + entryBytes > maxBytes) {
      oversize.push({
        entry,
        reason: `is ${entryBytes} bytes, more than the ${maxBytes} bytes one request allows`,
      });
      continue;
    }
    // A comma separates entries in the JSON array.
    const separator = current.length > 0 ? 1 : 0;
    if (
      current.length > 0 &&
      (units + entryUnits > limits.maxUnits ||
        bytes + separator + entryBytes > maxBytes)
    ) {
      chunks.push(current);
      current = [];
      units = 0;
      bytes = envelope;
    }
    bytes += (current.length > 0 ? 1 : 0) + entryBytes;
    units += entryUnits;
    current.push(entry);
  }
  if (current.length > 0) chunks.push(current);
  return { chunks, oversize };
}
