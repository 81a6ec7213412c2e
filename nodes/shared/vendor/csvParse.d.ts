// Types of csv-parse's incremental core parser, which the build bundles into `csvParse.js` beside this file.
export interface CsvParseOptions {
	bom?: boolean;
	columns?: boolean | ((header: string[]) => string[]);
	delimiter?: string;
	relax_column_count?: boolean;
	skip_empty_lines?: boolean;
	to?: number;
	info?: boolean;
}

export interface CsvParseError extends Error {
	code: string;
	lines?: number;
}

export interface CsvParser {
	info: { lines: number; records: number };
	parse(
		chunk: Buffer | undefined,
		end: boolean,
		push: (record: Record<string, string>) => void,
		close: () => void,
	): CsvParseError | undefined;
}

export function transform(options: CsvParseOptions): CsvParser;
