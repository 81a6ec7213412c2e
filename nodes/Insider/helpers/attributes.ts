import type { IDataObject, INode } from 'n8n-workflow';

import type { EmptyValues, EmptyValuesRule } from '../../shared/emptyValues';
import { applyEmptyValues } from '../../shared/emptyValues';
import { invalidField } from '../../shared/errors';
import { isPlainObject, RFC3339_PATTERN } from './user';

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

/** Birthdays must be RFC 3339 in UTC, ending in `Z` (§4.3). */
export const BIRTHDAY_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/**
 * Insider stores `''`, `0` and `false` as given, so only null is empty: left out, the stored value stays;
 * sent, it replaces it (what null does is not in the reference: inferred). Nodes before version 3 saved the
 * choice as Null Values (`nullValues`): Leave Out (`omit`) or Send as Null (`send`).
 */
export const EMPTY_VALUES_NODE_VERSION = 3;

export const EMPTY_VALUES: EmptyValuesRule = {
	empty: 'null',
	choices: ['skip', 'null'],
	default: 'skip',
	note: 'Empty text, 0 and false are always sent as given.',
	legacy: { name: 'nullValues', values: { omit: 'skip', send: 'null' } },
};

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
	nulls: EmptyValues,
	customInput?: IDataObject,
	catalogue?: AttributeCatalogue,
): IDataObject | undefined {
	const attributes: IDataObject = {};
	const custom: IDataObject = {};
	const sent = (values: IDataObject) => applyEmptyValues(values, nulls, EMPTY_VALUES.empty);
	for (const [key, value] of Object.entries(sent(fields))) {
		if (key === 'custom' && isPlainObject(value)) {
			Object.assign(custom, sent(value));
		} else {
			const placed = classifyAttribute(key, catalogue);
			(placed.custom ? custom : attributes)[placed.key] = value;
		}
	}
	Object.assign(custom, sent(customInput ?? {}));
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
