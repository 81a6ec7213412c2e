import type { IDataObject } from 'n8n-workflow';

import { textList } from '../../shared/lists';

// Batch's attribute rules (reference §4). Checked before sending, so a bad value fails its item with the
// field named instead of coming back as a partial error that Batch silently drops.
export const MAX_ATTRIBUTE_NAME_LENGTH = 30;
export const MAX_STRING_LENGTH = 300;
export const MAX_URL_LENGTH = 2048;
export const MAX_ARRAY_ITEMS = 25;
/**
 * Reference §0 and §4.3: "up to 50 attributes per user" (inferred from Batch's Segment integration, which
 * counts native and custom attributes together), so both kinds count against it.
 */
export const MAX_ATTRIBUTES_PER_PROFILE = 50;
/** Reference §4.1: the SDK's limit, inferred for the API. */
export const MAX_EMAIL_LENGTH = 256;
/** Reference §3.1: one third-party tool checks 512, the Android SDK 1024 (inferred; the stricter one). */
export const MAX_CUSTOM_ID_LENGTH = 512;
/** Reference §4.5: about 15 events per profile operation (inferred). */
export const MAX_EVENTS_PER_PROFILE = 15;
export const MAX_EVENT_NAME_LENGTH = 30;
/** Reference §4.5: how far in the past an event's time may be (inferred); stated in the UI, left to Batch to check. */
export const MAX_EVENT_AGE_HOURS = 24;
/** E.164: a phone number is + then at most this many digits. */
export const MAX_PHONE_DIGITS = 15;
/** Reference §3.1: values the SDK refuses as custom IDs, which usually come from conversion bugs. */
export const RESERVED_CUSTOM_IDS = [
	'undefined',
	'null',
	'nil',
	'(null)',
	'[object object]',
	'true',
	'false',
	'nan',
	'infinity',
	'-infinity',
];

const ATTRIBUTE_NAME = new RegExp(`^[a-z0-9_]{1,${MAX_ATTRIBUTE_NAME_LENGTH}}$`);
const EVENT_NAME = new RegExp(`^[a-z0-9_]{1,${MAX_EVENT_NAME_LENGTH}}$`);
const E164 = new RegExp(`^\\+[0-9]{1,${MAX_PHONE_DIGITS}}$`);
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const URL_SHAPE = /^[a-z][a-z0-9+.-]*:\/\/[^/?#\s]+[^\s]*$/i;
/** Reference §4.3: integrations only wrap strings of exactly this shape as dates. */
const ISO_UTC_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const TYPE_WRAPPER = /^(date|url)\((.*)\)$/;

/** A value that breaks a Batch rule; the operation turns it into an error naming the item and field. */
export class AttributeProblem extends Error {
	constructor(
		readonly field: string,
		problem: string,
	) {
		super(problem);
	}
}

/** Native attributes: node parameter name → Batch key (reference §4.1). */
export const NATIVE_ATTRIBUTES = {
	emailAddress: '$email_address',
	emailMarketing: '$email_marketing',
	phoneNumber: '$phone_number',
	smsMarketing: '$sms_marketing',
	language: '$language',
	region: '$region',
	timezone: '$timezone',
} as const;

const NATIVE_KEYS = new Set<string>(Object.values(NATIVE_ATTRIBUTES));

export interface AttributeOptions {
	normalizeNames: boolean;
	/** Wrap strings shaped like `2024-05-01T10:00:00Z` as `date(name)`. */
	detectDates: boolean;
	/** Attribute names (after normalization) always sent as dates or URLs. */
	dateAttributes: Set<string>;
	urlAttributes: Set<string>;
}

/** Lowercase, any character outside `[a-z0-9_]` becomes `_`, cut to `MAX_ATTRIBUTE_NAME_LENGTH` characters (reference §4.2). */
export function normalizeAttributeName(name: string): string {
	return name.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, MAX_ATTRIBUTE_NAME_LENGTH);
}

function isTimezone(zone: string): boolean {
	try {
		new Intl.DateTimeFormat('en-US', { timeZone: zone });
		return true;
	} catch {
		return false;
	}
}

function checkString(field: string, value: string, what = 'a string'): string {
	if (value.length === 0) throw new AttributeProblem(field, `${what} must not be empty (send null to delete the attribute)`);
	if (value.length > MAX_STRING_LENGTH) {
		throw new AttributeProblem(field, `${what} is ${value.length} characters long; Batch accepts at most ${MAX_STRING_LENGTH}`);
	}
	return value;
}

function checkStringArray(field: string, value: unknown[], what: string): string[] {
	if (value.length === 0 || value.length > MAX_ARRAY_ITEMS) {
		throw new AttributeProblem(field, `${what} has ${value.length} items; Batch accepts 1 to ${MAX_ARRAY_ITEMS}`);
	}
	return value.map((item, position) => {
		if (typeof item !== 'string') {
			throw new AttributeProblem(field, `${what} item ${position} is ${describe(item)}; arrays may only hold strings`);
		}
		return checkString(field, item, `${what} item ${position}`);
	});
}

/** "null", "undefined", "an array", "an object", "a number"…, for messages. */
export function describe(value: unknown): string {
	if (value === null) return 'null';
	if (value === undefined) return 'undefined';
	if (Array.isArray(value)) return 'an array';
	const type = typeof value;
	return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function toDate(field: string, value: unknown): string {
	if (value instanceof Date) {
		if (Number.isNaN(value.getTime())) throw new AttributeProblem(field, 'the date is not valid');
		return value.toISOString();
	}
	if (typeof value !== 'string' || !ISO_DATE.test(value) || Number.isNaN(Date.parse(value))) {
		throw new AttributeProblem(field, `${JSON.stringify(value)} is not an ISO-8601 date such as 2024-05-01T10:00:00Z`);
	}
	// Batch stores dates in UTC; a string already in UTC is sent as given so its fingerprint is stable.
	return ISO_UTC_DATETIME.test(value) ? value : new Date(value).toISOString();
}

function toUrl(field: string, value: unknown): string {
	if (typeof value !== 'string' || !URL_SHAPE.test(value)) {
		throw new AttributeProblem(field, `${JSON.stringify(value)} is not a URL of the form scheme://host/path`);
	}
	if (value.length > MAX_URL_LENGTH) {
		throw new AttributeProblem(field, `the URL is ${value.length} characters long; Batch accepts at most ${MAX_URL_LENGTH}`);
	}
	return value;
}

/** One custom attribute's key (with its type wrapper) and value, checked against reference §4.3. */
export function customAttribute(
	field: string,
	name: string,
	value: unknown,
	type: 'date' | 'url' | undefined,
	detectDates: boolean,
): [string, IDataObject[string]] {
	if (value === null) return [name, null];
	if (type === 'date') return [`date(${name})`, toDate(field, value)];
	if (type === 'url') return [`url(${name})`, toUrl(field, value)];
	if (value instanceof Date) return [`date(${name})`, toDate(field, value)];
	if (typeof value === 'string') {
		if (detectDates && ISO_UTC_DATETIME.test(value) && !Number.isNaN(Date.parse(value))) return [`date(${name})`, value];
		return [name, checkString(field, value)];
	}
	if (typeof value === 'number') {
		if (!Number.isFinite(value)) throw new AttributeProblem(field, `${value} is not a finite number`);
		return [name, value];
	}
	if (typeof value === 'boolean') return [name, value];
	if (Array.isArray(value)) return [name, checkStringArray(field, value, 'the array')];
	if (typeof value === 'object') {
		// Partial array edit (reference §4.3): {"$add": [...], "$remove": [...]}.
		const keys = Object.keys(value as object);
		if (keys.length > 0 && keys.every((key) => key === '$add' || key === '$remove')) {
			const edit: IDataObject = {};
			for (const key of keys) {
				const items = (value as IDataObject)[key];
				if (!Array.isArray(items)) throw new AttributeProblem(field, `${key} must be an array of strings`);
				edit[key] = checkStringArray(field, items, key);
			}
			return [name, edit];
		}
		throw new AttributeProblem(
			field,
			'objects are not allowed as profile attributes (only {"$add": [...], "$remove": [...]} array edits); flatten it into separate fields',
		);
	}
	throw new AttributeProblem(field, `${describe(value)} cannot be sent as an attribute`);
}

/** Checks and converts a native attribute (reference §4.1). `null` deletes it or resets a subscription. */
export function nativeAttribute(field: string, key: string, value: unknown): string | null {
	if (value === null) return null;
	const text = typeof value === 'string' ? value.trim() : value;
	if (typeof text !== 'string') throw new AttributeProblem(field, `${describe(value)} is not a valid ${key}; expected a string`);
	switch (key) {
		case '$email_address':
			if (!EMAIL.test(text) || text.length > MAX_EMAIL_LENGTH) {
				throw new AttributeProblem(field, `"${text}" is not a valid email address`);
			}
			return text;
		case '$phone_number':
			if (!E164.test(text)) {
				throw new AttributeProblem(field, `"${text}" is not an E.164 phone number (+ then 1 to ${MAX_PHONE_DIGITS} digits, e.g. +33600000000)`);
			}
			return text;
		case '$email_marketing':
		case '$sms_marketing':
			if (text === 'subscribed' || text === 'unsubscribed') return text;
			throw new AttributeProblem(field, `"${text}" is not a subscription state; use subscribed, unsubscribed or null`);
		case '$language': {
			// Locales such as fr-FR keep their language part, as Batch's own integration does.
			const language = text.split(/[-_]/)[0].toLowerCase();
			if (!/^[a-z]{2}$/.test(language)) throw new AttributeProblem(field, `"${text}" is not a two-letter ISO 639-1 language code`);
			return language;
		}
		case '$region': {
			const region = text.toUpperCase();
			if (!/^[A-Z]{2}$/.test(region)) throw new AttributeProblem(field, `"${text}" is not a two-letter ISO 3166-1 region code`);
			return region;
		}
		case '$timezone':
			if (!isTimezone(text)) throw new AttributeProblem(field, `"${text}" is not an IANA time zone such as Europe/Paris`);
			return text;
		default:
			throw new AttributeProblem(field, `${key} is not a native attribute this node can set`);
	}
}

/** The type an attribute has in Batch, as far as keeping one column's type across items goes. */
export type ColumnType = 'string' | 'number' | 'boolean' | 'date' | 'url' | 'array';

/** The first item that gave each attribute its type in this run ("Convert Text Values"). */
export type ColumnTypes = Map<string, { type: ColumnType; itemIndex: number }>;

/** Decimal text a CSV cell holds for a number; a leading zero (zip codes, phone numbers) keeps it text. */
const NUMERIC_TEXT = /^-?(0|[1-9]\d*)(\.\d+)?$/;
/** ISO-8601 dates a CSV cell may hold: a day, or a date and time with Z or an offset. */
const DATE_TEXT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/;

/** What a text cell holds, for "Convert Text Values". */
export type TextKind = 'number' | 'boolean' | 'date' | 'text';

export function textKind(value: string, detectDates: boolean): TextKind {
	const text = value.trim();
	if (NUMERIC_TEXT.test(text) && Number.isSafeInteger(Math.trunc(Number(text)))) return 'number';
	if (/^(true|false)$/i.test(text)) return 'boolean';
	if (detectDates && DATE_TEXT.test(text) && !Number.isNaN(Date.parse(text))) return 'date';
	return 'text';
}

/**
 * The kind of each input field's text cells across the whole run: a field is numeric, true/false or a
 * date only when every non-empty text cell of it is, so a column such as zip codes ("01234", "75003")
 * stays text on every item instead of turning into a number on some.
 */
export function textColumns(rows: IDataObject[], detectDates: boolean): Map<string, TextKind> {
	const kinds = new Map<string, TextKind>();
	for (const row of rows) {
		for (const [field, value] of Object.entries(row)) {
			if (typeof value !== 'string' || value.trim() === '') continue;
			const kind = textKind(value, detectDates);
			const previous = kinds.get(field);
			kinds.set(field, previous === undefined || previous === kind ? kind : 'text');
		}
	}
	return kinds;
}

/**
 * "Convert Text Values": the value a text cell stands for in a column of the given kind. Numbers and
 * true/false become JSON numbers and booleans; an ISO-8601 date (with Z or an offset) becomes a Date, sent
 * in UTC. Text in a text column, and every non-text value, is kept as it is.
 */
export function convertText(value: unknown, kind: TextKind | undefined): unknown {
	if (typeof value !== 'string' || kind === undefined || kind === 'text') return value;
	const text = value.trim();
	if (kind === 'number') return Number(text);
	if (kind === 'boolean') return text.toLowerCase() === 'true';
	return new Date(text);
}

function columnTypeOf(key: string, value: unknown): ColumnType | undefined {
	if (value === null) return undefined;
	const wrapped = TYPE_WRAPPER.exec(key);
	if (wrapped) return wrapped[1] as ColumnType;
	if (Array.isArray(value) || typeof value === 'object') return 'array';
	return typeof value as ColumnType;
}

/**
 * Builds a profile's `attributes` object from mapped source fields (custom attributes, or native ones
 * given by their `$` key) and the native attribute parameters. Two source fields that end up as one
 * attribute are an error, never a silent merge. With `columns`, text values are converted first and each
 * custom attribute must keep the type it got from the first item that had it.
 */
export function buildAttributes(
	fields: IDataObject,
	natives: IDataObject,
	options: AttributeOptions,
	columns?: { types: ColumnTypes; itemIndex: number; textKinds: Map<string, TextKind> },
): IDataObject {
	const attributes: IDataObject = {};
	const sourceOf = new Map<string, string>();
	const claim = (name: string, source: string) => {
		const previous = sourceOf.get(name);
		if (previous !== undefined) {
			throw new AttributeProblem(source, `maps to the attribute "${name}", which field "${previous}" already maps to`);
		}
		sourceOf.set(name, source);
	};
	const typed: Array<[string, ColumnType]> = [];
	for (const [source, raw] of Object.entries(fields)) {
		const value = columns ? convertText(raw, columns.textKinds.get(source)) : raw;
		if (source.startsWith('$')) {
			if (!NATIVE_KEYS.has(source)) {
				throw new AttributeProblem(source, `"$" starts only Batch's native attributes (${[...NATIVE_KEYS].join(', ')})`);
			}
			claim(source, source);
			attributes[source] = nativeAttribute(source, source, raw);
			continue;
		}
		const wrapped = TYPE_WRAPPER.exec(source);
		let name = wrapped ? wrapped[2] : source;
		if (options.normalizeNames) name = normalizeAttributeName(name);
		if (!ATTRIBUTE_NAME.test(name)) {
			throw new AttributeProblem(
				source,
				`"${name}" is not a valid attribute name: use 1 to ${MAX_ATTRIBUTE_NAME_LENGTH} characters of a-z, 0-9 and _ (or turn on "Normalize Attribute Names")`,
			);
		}
		claim(name, source);
		const type =
			(wrapped?.[1] as 'date' | 'url' | undefined) ??
			(options.dateAttributes.has(name) ? 'date' : options.urlAttributes.has(name) ? 'url' : undefined);
		// A listed date or URL attribute is converted from its text, never to a number first.
		const input = columns && type !== undefined ? raw : value;
		const [key, converted] = customAttribute(source, name, input, type, options.detectDates);
		if (columns) {
			const columnType = columnTypeOf(key, converted);
			const first = columnType ? columns.types.get(name) : undefined;
			if (columnType && first && first.type !== columnType) {
				throw new AttributeProblem(
					source,
					`${JSON.stringify(raw)} is ${columnType === 'array' ? 'an array' : `a ${columnType}`}, but the attribute "${name}" is ${first.type === 'array' ? 'an array' : `a ${first.type}`} from item ${first.itemIndex} on; one attribute keeps one type across items`,
				);
			}
			if (columnType && !first) typed.push([name, columnType]);
		}
		attributes[key] = converted;
	}
	for (const [parameter, key] of Object.entries(NATIVE_ATTRIBUTES)) {
		const value = natives[parameter];
		if (value === undefined || value === '') continue;
		claim(key, parameter);
		attributes[key] = nativeAttribute(parameter, key, value === 'reset' ? null : value);
	}
	const count = Object.keys(attributes).length;
	if (count > MAX_ATTRIBUTES_PER_PROFILE) {
		throw new AttributeProblem(
			[...sourceOf.values()].pop() ?? 'attributes',
			`the profile has ${count} attributes (native and custom together); Batch accepts at most ${MAX_ATTRIBUTES_PER_PROFILE}`,
		);
	}
	// Recorded only for an item that is sent, so a refused item never sets a column's type.
	if (columns) for (const [name, type] of typed) if (!columns.types.has(name)) columns.types.set(name, { type, itemIndex: columns.itemIndex });
	return attributes;
}

/** The Custom ID of one item, checked against reference §3.1. */
export function customIdOf(field: string, value: unknown): string {
	if (typeof value === 'number' && Number.isFinite(value)) value = String(value);
	if (value === undefined || value === null) {
		throw new AttributeProblem(field, 'the Custom ID is missing; expected a non-empty string');
	}
	if (typeof value !== 'string') {
		throw new AttributeProblem(field, `the Custom ID is ${describe(value)}; expected a non-empty string`);
	}
	// Padding from spreadsheets or CSV files is never part of an ID (the other nodes trim identifiers too).
	const id = value.trim();
	if (id === '') throw new AttributeProblem(field, 'the Custom ID is empty; expected a non-empty string');
	if (id.length > MAX_CUSTOM_ID_LENGTH) {
		throw new AttributeProblem(field, `the Custom ID is ${id.length} characters long; at most ${MAX_CUSTOM_ID_LENGTH} are accepted`);
	}
	if (RESERVED_CUSTOM_IDS.includes(id.toLowerCase())) {
		throw new AttributeProblem(field, `"${id}" is not accepted as a Custom ID: it looks like a conversion bug`);
	}
	return id;
}

function parseJson(text: string): unknown {
	try {
		return JSON.parse(text) as unknown;
	} catch {
		return undefined;
	}
}

/** Events of one profile operation (reference §4.5). */
export function buildEvents(field: string, value: unknown): IDataObject[] | undefined {
	if (value === undefined || value === null || value === '') return undefined;
	const parsed = typeof value === 'string' ? parseJson(value) : value;
	if (parsed === undefined) throw new AttributeProblem(field, 'is not valid JSON');
	const list = Array.isArray(parsed) ? parsed : [parsed];
	if (list.length > MAX_EVENTS_PER_PROFILE) {
		throw new AttributeProblem(field, `${list.length} events in one profile operation; at most ${MAX_EVENTS_PER_PROFILE} are accepted`);
	}
	return list.map((event, position) => {
		if (!event || typeof event !== 'object' || Array.isArray(event)) {
			throw new AttributeProblem(field, `event ${position} must be an object with a "name"`);
		}
		const { name, time, attributes } = event as IDataObject;
		if (typeof name !== 'string' || !EVENT_NAME.test(name)) {
			throw new AttributeProblem(field, `event ${position} name ${JSON.stringify(name)} must be 1 to ${MAX_EVENT_NAME_LENGTH} characters of a-z, 0-9 and _`);
		}
		const out: IDataObject = { name };
		if (time !== undefined && time !== null && time !== '') out.time = toDate(field, time);
		if (attributes !== undefined && attributes !== null) {
			if (typeof attributes !== 'object' || Array.isArray(attributes)) {
				throw new AttributeProblem(field, `event ${position} attributes must be an object`);
			}
			out.attributes = attributes;
		}
		return out;
	});
}

/** `a, b ,c` (or a list) → {a, b, c}, normalized like attribute names when asked. */
export function nameSet(list: unknown, normalize: boolean): Set<string> {
	return new Set(textList(list).map((name) => (normalize ? normalizeAttributeName(name) : name)));
}
