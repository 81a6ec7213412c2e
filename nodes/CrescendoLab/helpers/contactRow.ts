import type { IDataObject, IExecuteFunctions, INode } from 'n8n-workflow';

import type { EmptyValues, EmptyValuesRule } from '../../shared/emptyValues';
import { applyEmptyValues } from '../../shared/emptyValues';
import { invalidField } from '../../shared/errors';
import { textList } from '../../shared/lists';
import { mappedFields } from '../../shared/mapping';
import {
	BIRTHDAY_PATTERN,
	CUSTOM_FIELD_PREFIX,
	EMAIL_FIELDS,
	EMAIL_PATTERN,
	GENDERS,
	isKnownField,
	LINE_UID_PATTERN,
	LOCAL_MOBILE_COUNTRY_CODE,
	MAAC_FIELDS,
	MAX_FIELD_LENGTHS,
	MAX_TAG_LENGTH,
	normalisePhone,
	PHONE_FIELDS,
	PROFILE_API_FIELDS,
	type Surface,
} from '../transport';

/**
 * The Profile API clears a field sent as null; MAAC v1 ignores empty values, so there every empty field is
 * left out (reference §1).
 */
export const EMPTY_VALUES: EmptyValuesRule = {
	empty: 'textOrNull',
	choices: ['skip', 'null'],
	default: 'skip',
	choiceNotes: { null: 'Profile API only; MAAC v1 ignores empty values' },
};
/** "Unknown Fields": fail the item, or send it without the field. */
export type UnknownFieldPolicy = 'refuse' | 'omit';

/** One contact as the import sends it. */
export interface ContactRow {
	row: IDataObject;
	keyValue: string;
	/** Fields left out because the import does not know them ("Unknown Fields: Leave the Field Out"). */
	omitted: string[];
}

/** Tags as a list, each checked against the vendor's length cap (reference §4.2). */
export function tagsOf(node: INode, itemIndex: number, field: string, value: unknown): string[] {
	const tags = textList(value);
	const long = tags.find((tag) => tag.length > MAX_TAG_LENGTH);
	if (long) throw invalidField(node, itemIndex, field, `tag "${long}" is longer than ${MAX_TAG_LENGTH} characters`);
	return tags;
}

/**
 * Checks a field the vendor validates row by row: one bad row fails the whole task (every contact in it),
 * so a bad value is refused for its own item before anything is sent.
 */
function checkFieldValue(node: INode, itemIndex: number, field: string, value: unknown): void {
	const text = String(value);
	const max = MAX_FIELD_LENGTHS[field];
	if (max !== undefined && text.length > max) {
		throw invalidField(node, itemIndex, field, `is ${text.length} characters long; at most ${max} are allowed`);
	}
	if (EMAIL_FIELDS.includes(field) && !EMAIL_PATTERN.test(text)) {
		throw invalidField(node, itemIndex, field, 'is not an email address');
	}
}

function unknownFieldMessage(surface: Surface): string {
	const known =
		surface === 'maacApi'
			? `MAAC v1 import has no such field; it accepts ${MAAC_FIELDS.join(', ')}`
			: `the Profile API import has no such field; it accepts ${PROFILE_API_FIELDS.join(', ')} and custom fields named ${CUSTOM_FIELD_PREFIX}<key>`;
	return `${known}. Remove or rename the field, or set Unknown Fields to "Leave the Field Out"`;
}

const NOT_E164 = `is not a phone number in E.164 form: "+", the country code and the number are expected, e.g. ${LOCAL_MOBILE_COUNTRY_CODE}912345678 (a local Taiwan mobile number 09xxxxxxxx is converted to ${LOCAL_MOBILE_COUNTRY_CODE}9xxxxxxxx)`;

/** The contact row one item sends, validated the way the vendor validates it (reference §9.9). */
export function buildContactRow(
	ctx: IExecuteFunctions,
	itemIndex: number,
	surface: Surface,
	importKey: string,
	policy: EmptyValues,
	unknownFields: UnknownFieldPolicy = 'refuse',
): ContactRow {
	const node = ctx.getNode();
	const known: IDataObject = {};
	const omitted: string[] = [];
	for (const [field, value] of Object.entries(mappedFields(ctx, itemIndex))) {
		if (value === undefined) continue;
		if (isKnownField(surface, field)) known[field] = value;
		else if (unknownFields === 'omit') omitted.push(field);
		else throw invalidField(node, itemIndex, field, unknownFieldMessage(surface));
	}
	const row: IDataObject = {};
	// An import key sent as null is refused below with the other empty keys.
	for (const [field, value] of Object.entries(applyEmptyValues(known, surface === 'maacApi' ? 'skip' : policy, EMPTY_VALUES.empty))) {
		if (value === null) {
			row[field] = null;
			continue;
		}
		if (field === 'tags') {
			const tags = tagsOf(node, itemIndex, field, value);
			if (tags.length > 0) row.tags = tags;
			continue;
		}
		if (typeof value === 'object') {
			throw invalidField(node, itemIndex, field, 'must be text, a number or true/false, not an object or a list');
		}
		row[field] = typeof value === 'string' ? value.trim() : value;
		checkFieldValue(node, itemIndex, field, row[field]);
		if (PHONE_FIELDS.includes(field)) {
			// The number that is checked is the number that is sent: the E.164 form (reference §0).
			const e164 = normalisePhone(String(row[field]));
			if (e164 === undefined) throw invalidField(node, itemIndex, field, NOT_E164);
			row[field] = e164;
		}
	}

	const key = row[importKey];
	if (key === undefined || key === null || String(key).trim() === '') {
		throw invalidField(node, itemIndex, importKey, 'is empty; every contact needs a value for the import key');
	}
	const keyValue = String(key);
	row[importKey] = keyValue;
	if (row.line_uid !== undefined && row.line_uid !== null && !LINE_UID_PATTERN.test(String(row.line_uid))) {
		throw invalidField(node, itemIndex, 'line_uid', 'must be "U" followed by 32 hexadecimal characters');
	}
	if (typeof row.gender === 'string') {
		const gender = row.gender.toLowerCase();
		if (!GENDERS[surface].includes(gender)) {
			throw invalidField(node, itemIndex, 'gender', `must be one of ${GENDERS[surface].join(', ')}`);
		}
		row.gender = gender;
	}
	if (row.birthday !== undefined && row.birthday !== null) {
		const text = String(row.birthday);
		if (!BIRTHDAY_PATTERN.test(text) || Number.isNaN(Date.parse(`${text}T00:00:00Z`))) {
			throw invalidField(node, itemIndex, 'birthday', 'must be a date written YYYY-MM-DD');
		}
	}
	return { row, keyValue, omitted };
}
