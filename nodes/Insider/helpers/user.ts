import type { IDataObject, INode } from 'n8n-workflow';

import { invalidField } from '../../shared/errors';

// Server-side rules of the Unified Customer Database (reference §4.2, §4.4), checked before sending so a
// bad item fails on its own, with the field named, instead of costing a request.
export const EMAIL_PATTERN = /^.+@.+\..+$/;
export const PHONE_PATTERN = /^\+[1-9]\d{6,14}$/;
export const EVENT_NAME_PATTERN = /^[a-z0-9][a-zA-Z0-9._-]*$/;
export const RFC3339_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
/** Birthdays must be RFC 3339 in UTC, ending in `Z` (§4.3). */
export const BIRTHDAY_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
/** Event parameters the service requires on its two commerce events (§4.4). */
export const REQUIRED_EVENT_PARAMS: Record<string, string[]> = {
	purchase: ['event_group_id', 'unit_sale_price', 'currency', 'quantity'],
	cart_page_view: ['event_group_id', 'currency', 'unit_sale_price'],
};

/** Identifier keys allowed at the root of `identifiers` (§4.2); anything else goes under `custom`. */
export const DEFAULT_IDENTIFIER_KEYS = ['email', 'phone_number', 'uuid'] as const;

/**
 * Attribute keys that live at the root of `attributes`, never under `custom` (§0, §4.3): the upsert and
 * attribute-delete parameter tables of Insider's Postman collection ("Insider One APIs", User Data APIs),
 * the standard fields of Insider's own n8n node (`nodes/InsiderOne/resources/userData/GUIDE.md`) and the
 * root keys of Insider's own samples (`app_version` in the attribute-delete sample, `list_id` in older
 * samples). `email`, `phone_number` and `uuid` are attributes as well as identifiers.
 */
export const DEFAULT_ATTRIBUTE_KEYS = new Set([
	'age',
	'app_version',
	'birthday',
	'city',
	'country',
	'email',
	'email_optin',
	'gdpr_optin',
	'gender',
	'language',
	'list_id',
	'lo',
	'name',
	'phone_number',
	'sms_optin',
	'static_segment_id',
	'surname',
	'uuid',
	'whatsapp_optin',
]);

/**
 * What the account's metadata (§5.9) says about attribute names: listed with the `c_` prefix = custom,
 * listed without = a default attribute of that account. Names it does not list are new custom attributes.
 */
export interface AttributeCatalogue {
	defaults: Set<string>;
	custom: Set<string>;
}

/** Whether `name` (without a `c_` prefix) is a root attribute: a known default, or the account says so. */
export function isDefaultAttribute(name: string, catalogue?: AttributeCatalogue): boolean {
	if (DEFAULT_ATTRIBUTE_KEYS.has(name)) return true;
	if (!catalogue || catalogue.custom.has(name)) return false;
	return catalogue.defaults.has(name);
}

/** Splits an attribute name into where it goes: `c_name` is the custom attribute `name` (§4.3). */
export function classifyAttribute(name: string, catalogue?: AttributeCatalogue): { custom: boolean; key: string } {
	if (name.startsWith(CUSTOM_PREFIX) && name.length > CUSTOM_PREFIX.length && !isDefaultAttribute(name, catalogue)) {
		return { custom: true, key: name.slice(CUSTOM_PREFIX.length) };
	}
	return { custom: !isDefaultAttribute(name, catalogue), key: name };
}

/** Default attributes the service types strictly (§4.3): a wrong type fails the user at the service. */
export const NUMBER_ATTRIBUTES = ['age'];
export const BOOLEAN_ATTRIBUTES = ['email_optin', 'gdpr_optin', 'sms_optin', 'whatsapp_optin'];

/** Prefix the service uses for custom attribute names in reads, exports and metadata (§4.3). */
export const CUSTOM_PREFIX = 'c_';

export interface Identifiers extends IDataObject {
	email?: string;
	phone_number?: string;
	uuid?: string;
	custom?: IDataObject;
}

/** How one user is addressed: by profile ID or by identifiers (§4.1). */
export interface UserAddress extends IDataObject {
	insider_id?: string;
	identifiers?: Identifiers;
}

export interface InsiderEvent extends IDataObject {
	event_name: string;
	timestamp: string;
	event_params?: IDataObject;
}

export interface UpsertUser extends UserAddress {
	attributes?: IDataObject;
	events?: InsiderEvent[];
	not_append?: boolean;
}

export function isPlainObject(value: unknown): value is IDataObject {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An identifier value, or undefined when the item has none (missing, null or an empty string). */
function identifierValue(node: INode, itemIndex: number, field: string, value: unknown): string | undefined {
	if (value === undefined || value === null) return undefined;
	if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
	// Numeric IDs from spreadsheets are identifiers too; the service wants them as strings.
	if (typeof value === 'number' && Number.isFinite(value)) return String(value);
	throw invalidField(node, itemIndex, field, `must be a string, got ${JSON.stringify(value)}`);
}

/**
 * Builds and checks a user address from loose input: an `insider_id` and/or identifiers. Empty identifier
 * values count as absent; at least one identifier or a profile ID must remain.
 */
export function buildAddress(
	node: INode,
	itemIndex: number,
	input: { insiderId?: unknown; identifiers?: IDataObject; custom?: IDataObject },
): UserAddress {
	const address: UserAddress = {};
	const insiderId = identifierValue(node, itemIndex, 'insider_id', input.insiderId);
	if (insiderId !== undefined) address.insider_id = insiderId;

	const identifiers: Identifiers = {};
	for (const [key, raw] of Object.entries(input.identifiers ?? {})) {
		if (key === 'custom') continue;
		if (!(DEFAULT_IDENTIFIER_KEYS as readonly string[]).includes(key)) {
			throw invalidField(
				node,
				itemIndex,
				`identifiers.${key}`,
				'only email, phone_number and uuid are default identifiers; put other identifiers under "custom"',
			);
		}
		const value = identifierValue(node, itemIndex, `identifiers.${key}`, raw);
		if (value !== undefined) identifiers[key] = value;
	}
	const customInput = { ...(isPlainObject(input.identifiers?.custom) ? input.identifiers.custom : {}), ...input.custom };
	const custom: IDataObject = {};
	for (const [key, raw] of Object.entries(customInput)) {
		const value = identifierValue(node, itemIndex, `identifiers.custom.${key}`, raw);
		if (value !== undefined) custom[key] = value;
	}
	if (Object.keys(custom).length > 0) identifiers.custom = custom;

	if (identifiers.email !== undefined && !EMAIL_PATTERN.test(identifiers.email)) {
		throw invalidField(node, itemIndex, 'identifiers.email', `not a valid email address: ${identifiers.email}`);
	}
	if (identifiers.phone_number !== undefined && !PHONE_PATTERN.test(identifiers.phone_number)) {
		throw invalidField(
			node,
			itemIndex,
			'identifiers.phone_number',
			`not an E.164 phone number (e.g. +6598765432): ${identifiers.phone_number}`,
		);
	}
	if (Object.keys(identifiers).length > 0) address.identifiers = identifiers;
	if (address.insider_id === undefined && address.identifiers === undefined) {
		throw invalidField(
			node,
			itemIndex,
			'identifiers',
			'no identifier: give an Insider ID, an email, a phone number, a UUID or a custom identifier',
		);
	}
	return address;
}

/** Checks events against the service's rules and returns them in its shape. */
export function buildEvents(node: INode, itemIndex: number, input: unknown, field = 'events'): InsiderEvent[] {
	if (input === undefined || input === null) return [];
	if (!Array.isArray(input)) throw invalidField(node, itemIndex, field, 'must be a list of events');
	return input.map((raw, position) => {
		const at = `${field}.${position}`;
		if (!isPlainObject(raw)) throw invalidField(node, itemIndex, at, 'must be an object with event_name and timestamp');
		const name = raw.event_name;
		if (typeof name !== 'string' || !EVENT_NAME_PATTERN.test(name)) {
			throw invalidField(
				node,
				itemIndex,
				`${at}.event_name`,
				`invalid event name ${JSON.stringify(name)}: it must start with a lowercase letter or digit and contain only letters, digits, ".", "_" and "-"`,
			);
		}
		const timestamp = raw.timestamp;
		if (typeof timestamp !== 'string' || !RFC3339_PATTERN.test(timestamp)) {
			throw invalidField(
				node,
				itemIndex,
				`${at}.timestamp`,
				`must be an RFC 3339 date-time such as 2024-01-10T21:35:20Z, got ${JSON.stringify(timestamp)}`,
			);
		}
		const params = raw.event_params;
		if (params !== undefined && params !== null && !isPlainObject(params)) {
			throw invalidField(node, itemIndex, `${at}.event_params`, 'must be an object');
		}
		for (const required of REQUIRED_EVENT_PARAMS[name] ?? []) {
			const value = (params as IDataObject | undefined)?.[required];
			if (value === undefined || value === null || value === '') {
				throw invalidField(node, itemIndex, `${at}.event_params.${required}`, `${required} is required on ${name} events`);
			}
		}
		const event: InsiderEvent = { ...raw, event_name: name, timestamp };
		if (params === null) delete event.event_params;
		return event;
	});
}

export type NullPolicy = 'omit' | 'send';

/** A birthday as Insider wants it: RFC 3339 in UTC ending in `Z` (§4.3). */
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const ZERO_OFFSET = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?)(?:[+-]00:00|z)$/;

/**
 * Converts a birthday to the form Insider accepts where that is safe, or says why it is not. A calendar
 * date `YYYY-MM-DD` becomes midnight UTC of that date (a birthday is a date, not an instant: UTC keeps the
 * same date in Insider's panel and exports); a date-time with a zero offset only changes its suffix. A
 * non-zero offset is refused, since converting it to UTC can move the date by a day.
 */
export function normalizeBirthday(value: string): { value: string } | { problem: string } {
	const text = value.trim();
	if (BIRTHDAY_PATTERN.test(text)) return { value: text };
	const date = DATE_ONLY.exec(text);
	if (date) {
		const [year, month, day] = [Number(date[1]), Number(date[2]), Number(date[3])];
		const parsed = new Date(Date.UTC(year, month - 1, day));
		if (parsed.getUTCFullYear() !== year || parsed.getUTCMonth() !== month - 1 || parsed.getUTCDate() !== day) {
			return { problem: `${JSON.stringify(value)} is not a calendar date` };
		}
		return { value: `${text}T00:00:00Z` };
	}
	const zero = ZERO_OFFSET.exec(text);
	if (zero) return { value: `${zero[1]}Z` };
	if (RFC3339_PATTERN.test(text)) {
		return {
			problem: `${JSON.stringify(value)} has a time-zone offset; Insider stores birthdays in UTC and converting could change the date: send the date as YYYY-MM-DD or YYYY-MM-DDT00:00:00Z`,
		};
	}
	return { problem: `must be a date as YYYY-MM-DD or an RFC 3339 date-time in UTC such as 1993-03-12T00:00:00Z, got ${JSON.stringify(value)}` };
}

/**
 * Splits attribute fields into default (root) and custom ones. `c_`-prefixed names (the metadata and read
 * form) are custom attributes without the prefix; names that are neither known defaults nor defaults of
 * the account (`catalogue`, from its metadata) are custom. `''`, `0` and `false` are sent as given; `null`
 * follows the policy.
 */
export function buildAttributes(
	node: INode,
	itemIndex: number,
	fields: IDataObject,
	nulls: NullPolicy,
	customInput?: IDataObject,
	catalogue?: AttributeCatalogue,
): IDataObject | undefined {
	const attributes: IDataObject = {};
	const custom: IDataObject = {};
	const put = (target: IDataObject, key: string, value: unknown) => {
		if (value === undefined) return;
		if (value === null && nulls === 'omit') return;
		target[key] = value as IDataObject[string];
	};
	for (const [key, value] of Object.entries(fields)) {
		if (key === 'custom' && isPlainObject(value)) {
			for (const [customKey, customValue] of Object.entries(value)) put(custom, customKey, customValue);
		} else {
			const placed = classifyAttribute(key, catalogue);
			put(placed.custom ? custom : attributes, placed.key, value);
		}
	}
	for (const [key, value] of Object.entries(customInput ?? {})) put(custom, key, value);
	for (const key of Object.keys(custom)) {
		if (key.trim() === '') throw invalidField(node, itemIndex, 'attributes.custom', 'a custom attribute has an empty name');
	}
	for (const key of NUMBER_ATTRIBUTES) {
		const value = attributes[key];
		if (value === undefined || value === null || typeof value === 'number') continue;
		// Spreadsheets give numbers as text; the service refuses anything but a JSON number (§4.3).
		const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
		if (!Number.isFinite(number)) throw invalidField(node, itemIndex, `attributes.${key}`, `must be a number, got ${JSON.stringify(value)}`);
		attributes[key] = number;
	}
	for (const key of BOOLEAN_ATTRIBUTES) {
		const value = attributes[key];
		if (value === undefined || value === null || typeof value === 'boolean') continue;
		const text = typeof value === 'string' ? value.trim().toLowerCase() : undefined;
		if (text !== 'true' && text !== 'false') {
			throw invalidField(node, itemIndex, `attributes.${key}`, `must be true or false, got ${JSON.stringify(value)}`);
		}
		attributes[key] = text === 'true';
	}
	const birthday = attributes.birthday;
	if (typeof birthday === 'string') {
		const normalized = normalizeBirthday(birthday);
		if ('problem' in normalized) throw invalidField(node, itemIndex, 'attributes.birthday', normalized.problem);
		attributes.birthday = normalized.value;
	}
	if (Object.keys(custom).length > 0) attributes.custom = custom;
	return Object.keys(attributes).length > 0 ? attributes : undefined;
}
