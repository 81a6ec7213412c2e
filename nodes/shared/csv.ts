import type { IDataObject } from "n8n-workflow";

import { transform } from "./vendor/csvParse";

export interface CsvReadOptions {
  /** Stop after this many data rows (the header row is not counted). */
  limit?: number;
  delimiter?: string;
  /** Renames header columns, e.g. to strip a vendor prefix. */
  renameColumn?: (name: string) => string;
}

export class CsvFormatError extends Error {
  constructor(
    message: string,
    readonly line: number | undefined,
  ) {
    super(message);
  }
}

/**
 * Whether a download's content type is a web page: a link that has expired or needs a login often answers
 * 200 with an HTML page, which a CSV parser would read as a file of nonsense or of nothing.
 */
export function isHtmlContentType(value: unknown): boolean {
  const text = Array.isArray(value)
    ? String(value[0] ?? "")
    : String(value ?? "");
  return /\btext\/html\b|application\/xhtml\+xml/i.test(text);
}

type Source =
  | AsyncIterable<Uint8Array | string>
  | Iterable<Uint8Array | string>
  | Uint8Array
  | string;

function toBuffer(chunk: Uint8Array | string): Buffer {
  return typeof chunk === "string"
    ? Buffer.from(chunk, "utf8")
    : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/**
 * Streams CSV records (header row → keys) from a buffer, a string or a byte stream, parsing chunk by chunk
 * so a large export never sits in memory whole. Handles a BOM, CRLF and quoted commas and newlines; a
 * malformed row raises `CsvFormatError` naming its line.
 */
export async function* readCsv(
  source: Source,
  options: CsvReadOptions = {},
): AsyncGenerator<IDataObject> {
  const rename = options.renameColumn;
  const parser = transform({
    bom: true,
    columns: rename ? (header) => header.map((name) => rename(name)) : true,
    delimiter: options.delimiter,
    skip_empty_lines: true,
    to: options.limit,
  });
  const records: IDataObject[] = [];
  let closed = false;
  const push = (record: Record<string, string>) => records.push(record);
  const close = () => {
    closed = true;
  };
  const feed = (chunk: Buffer | undefined, end: boolean) => {
    const error = parser.parse(chunk, end, push, close);
    if (error)
      throw new CsvFormatError(
        `Malformed CSV at line ${error.lines ?? parser.info.lines}: ${error.message}`,
        error.lines,
      );
  };

  const chunks:
    | AsyncIterable<Uint8Array | string>
    | Iterable<Uint8Array | string> =
    typeof source === "string" || source instanceof Uint8Array
      ? [source]
      : source;
  for await (const chunk of chunks) {
    feed(toBuffer(chunk), false);
    yield* records.splice(0, records.length);
    if (
      closed ||
      (options.limit !== undefined && parser.info.records >= options.limit)
    )
      return;
  }
  feed(undefined, true);
  yield* records.splice(0, records.length);
}
