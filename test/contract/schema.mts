// A small checker for the JSON-schema subset the contract fixtures use (written from each vendor's
// OpenAPI or reference). It returns every violation with its JSON path, so a failing contract test says
// exactly which field of the captured request is off. Supported: type (one or several, plus 'integer'),
// enum, const, properties, required, additionalProperties (false or a schema), items, minItems,
// maxItems, minLength, maxLength, minimum, maximum, pattern, format (hostname, email, date-time, date,
// uuid), oneOf, anyOf, nullable.
export type JsonType = 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | 'null';

export interface Schema {
	/** Where this schema comes from in the vendor's material (file and JSON pointer, or page). */
	source?: string;
	description?: string;
	type?: JsonType | JsonType[];
	nullable?: boolean;
	enum?: readonly unknown[];
	const?: unknown;
	properties?: Record<string, Schema>;
	required?: readonly string[];
	additionalProperties?: boolean | Schema;
	items?: Schema;
	minItems?: number;
	maxItems?: number;
	minLength?: number;
	maxLength?: number;
	minimum?: number;
	maximum?: number;
	pattern?: string;
	format?: 'hostname' | 'email' | 'date-time' | 'date' | 'uuid';
	oneOf?: readonly Schema[];
	anyOf?: readonly Schema[];
}

const FORMATS: Record<NonNullable<Schema['format']>, RegExp> = {
	hostname: /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i,
	email: /^[^\s@]+@[^\s@]+\.[^\s@]+$/,
	'date-time': /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/,
	date: /^\d{4}-\d{2}-\d{2}$/,
	uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
};

function typeOf(value: unknown): JsonType {
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'array';
	if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
	return typeof value as JsonType;
}

function typeMatches(value: unknown, wanted: JsonType): boolean {
	const actual = typeOf(value);
	return actual === wanted || (wanted === 'number' && actual === 'integer');
}

/** Every violation of `schema` by `value`, as `path: message` lines; empty when the value conforms. */
export function violations(schema: Schema, value: unknown, path = '$'): string[] {
	if (value === null && schema.nullable) return [];
	const out: string[] = [];
	if (schema.type !== undefined) {
		const wanted = Array.isArray(schema.type) ? schema.type : [schema.type];
		if (!wanted.some((type) => typeMatches(value, type))) {
			return [`${path}: expected ${wanted.join(' or ')}, got ${typeOf(value)} ${JSON.stringify(value)?.slice(0, 80)}`];
		}
	}
	if (schema.const !== undefined && JSON.stringify(value) !== JSON.stringify(schema.const)) {
		out.push(`${path}: expected ${JSON.stringify(schema.const)}, got ${JSON.stringify(value)}`);
	}
	if (schema.enum && !schema.enum.some((option) => JSON.stringify(option) === JSON.stringify(value))) {
		out.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
	}
	if (typeof value === 'string') {
		if (schema.minLength !== undefined && value.length < schema.minLength) out.push(`${path}: shorter than ${schema.minLength}`);
		if (schema.maxLength !== undefined && value.length > schema.maxLength) out.push(`${path}: longer than ${schema.maxLength}`);
		if (schema.pattern && !new RegExp(schema.pattern).test(value)) out.push(`${path}: ${JSON.stringify(value)} does not match /${schema.pattern}/`);
		if (schema.format && !FORMATS[schema.format].test(value)) out.push(`${path}: ${JSON.stringify(value)} is not a ${schema.format}`);
	}
	if (typeof value === 'number') {
		if (schema.minimum !== undefined && value < schema.minimum) out.push(`${path}: below ${schema.minimum}`);
		if (schema.maximum !== undefined && value > schema.maximum) out.push(`${path}: above ${schema.maximum}`);
	}
	if (Array.isArray(value)) {
		if (schema.minItems !== undefined && value.length < schema.minItems) out.push(`${path}: fewer than ${schema.minItems} items`);
		if (schema.maxItems !== undefined && value.length > schema.maxItems) out.push(`${path}: more than ${schema.maxItems} items`);
		if (schema.items) value.forEach((item, i) => out.push(...violations(schema.items!, item, `${path}[${i}]`)));
	}
	if (typeOf(value) === 'object') {
		const record = value as Record<string, unknown>;
		for (const key of schema.required ?? []) if (!(key in record)) out.push(`${path}.${key}: required`);
		for (const [key, child] of Object.entries(record)) {
			const declared = schema.properties?.[key];
			if (declared) out.push(...violations(declared, child, `${path}.${key}`));
			else if (schema.additionalProperties === false) out.push(`${path}.${key}: not a documented field`);
			else if (typeof schema.additionalProperties === 'object') out.push(...violations(schema.additionalProperties, child, `${path}.${key}`));
		}
	}
	if (schema.oneOf) {
		const passing = schema.oneOf.filter((option) => violations(option, value, path).length === 0).length;
		if (passing !== 1) out.push(`${path}: matches ${passing} of the oneOf alternatives, expected exactly 1`);
	}
	if (schema.anyOf && !schema.anyOf.some((option) => violations(option, value, path).length === 0)) {
		out.push(`${path}: matches none of the anyOf alternatives`);
	}
	return out;
}

/** Throws with every violation listed; for `expect(() => assertSchema(...)).not.toThrow()` style use. */
export function assertSchema(schema: Schema, value: unknown, what = 'value'): void {
	const found = violations(schema, value);
	if (found.length > 0) throw new Error(`${what} breaks the vendor contract${schema.source ? ` (${schema.source})` : ''}:\n${found.join('\n')}`);
}
