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

export type PackStep<T> =
  | { oversize: string }
  | { full?: T[] };

/**
 * Packs entries one at a time, in order, into as few requests as the limits allow. An entry is never
 * split: when it does not fit in the current request that request is handed back full and a new one
 * starts, and an entry that exceeds a limit alone is reported as oversize instead of being packed.
 */
export class ChunkPacker<T> {
  private current: T[] = [];
  private units = 0;
  private bytes: number;
  private readonly unitsOf: (entry: T) => number;
  private readonly bytesOf: (entry: T) => number;
  private readonly maxBytes: number;
  private readonly envelope: number;

  constructor(
    private readonly limits: ChunkLimits,
    measure: { units?: (entry: T) => number; bytes?: (entry: T) => number } = {},
  ) {
    this.unitsOf = measure.units ?? (() => 1);
    this.bytesOf = measure.bytes ?? ((entry: T) => jsonBytes(entry));
    this.maxBytes = limits.maxBytes ?? Number.POSITIVE_INFINITY;
    this.envelope = limits.envelopeBytes ?? 2;
    this.bytes = this.envelope;
  }

  /** Adds one entry; returns the request it filled, if any, or why it cannot be sent at all. */
  add(entry: T): PackStep<T> {
    const { limits, maxBytes, envelope } = this;
    const entryUnits = this.unitsOf(entry);
    const entryBytes = limits.maxBytes === undefined ? 0 : this.bytesOf(entry);
    if (entryUnits > limits.maxUnits)
      return {
        oversize: `has ${entryUnits} changes, more than the ${limits.maxUnits} one request allows`,
      };
    if (envelope + entryBytes > maxBytes)
      return {
        oversize: `is ${entryBytes} bytes, more than the ${maxBytes} bytes one request allows`,
      };
    let full: T[] | undefined;
    // A comma separates entries in the JSON array.
    const separator = this.current.length > 0 ? 1 : 0;
    if (
      this.current.length > 0 &&
      (this.units + entryUnits > limits.maxUnits ||
        this.bytes + separator + entryBytes > maxBytes)
    )
      full = this.flush();
    this.bytes += (this.current.length > 0 ? 1 : 0) + entryBytes;
    this.units += entryUnits;
    this.current.push(entry);
    // A request at its unit limit takes no more entries, so it need not wait for the next one.
    if (this.units >= limits.maxUnits) return { full: full ?? this.flush() };
    return { full };
  }

  /** Hands back the request being filled (possibly empty) and starts a new one. */
  flush(): T[] {
    const chunk = this.current;
    this.current = [];
    this.units = 0;
    this.bytes = this.envelope;
    return chunk;
  }
}

/** Packs entries, in order, into as few requests as the limits allow (see `ChunkPacker`). */
export function packChunks<T>(
  entries: T[],
  limits: ChunkLimits,
  measure: { units?: (entry: T) => number; bytes?: (entry: T) => number } = {},
): PackResult<T> {
  const packer = new ChunkPacker(limits, measure);
  const chunks: T[][] = [];
  const oversize: PackResult<T>["oversize"] = [];
  for (const entry of entries) {
    const step = packer.add(entry);
    if ("oversize" in step) oversize.push({ entry, reason: step.oversize });
    else if (step.full) chunks.push(step.full);
  }
  const last = packer.flush();
  if (last.length > 0) chunks.push(last);
  return { chunks, oversize };
}
