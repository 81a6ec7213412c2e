import type { FieldType, IDataObject, IExecuteFunctions, INode } from 'n8n-workflow';

import { invalidField } from '../../shared/errors';
import { listOf } from '../../shared/lists';
import type { EmptyValues } from '../../shared/emptyValues';
import { applyEmptyValues, readEmptyValues } from '../../shared/emptyValues';
import { mappedFields, parseJsonParameter } from '../../shared/mapping';
import { MAX_PHONE_LENGTH, MIN_PHONE_LENGTH } from '../transport';
import { EMPTY_VALUES } from './fields';

/** Unique identifiers a profile can be created and matched by (reference §1, §5.2). */
export const IDENTIFIER_FIELDS = ['email', 'phone', 'uuid', 'customId'] as const;

export const SEX_VALUES = ['FEMALE', 'MALE', 'NOT_SPECIFIED', 'OTHER'];
export const AGREEMENT_FIELDS = ['email', 'sms', 'push', 'webPush', 'bluetooth', 'rfid', 'wifi'];

/** Native profile fields as sent (reference §5.2), with the type the mapper shows. */
export const NATIVE_FIELDS: Array<{ id: string; displayName: string; type: FieldType; description?: string }> = [
	{ id: 'email', displayName: 'Email', type: 'string' },
	{ id: 'phone', displayName: 'Phone', type: 'string' },
	{ id: 'customId', displayName: 'Custom ID', type: 'string' },
	{ id: 'uuid', displayName: 'UUID', type: 'string' },
	{ id: 'firstName', displayName: 'First Name', type: 'string' },
	{ id: 'lastName', displayName: 'Last Name', type: 'string' },
	{ id: 'displayName', displayName: 'Display Name', type: 'string' },
	{ id: 'company', displayName: 'Company', type: 'string' },
	{ id: 'address', displayName: 'Address', type: 'string' },
	{ id: 'city', displayName: 'City', type: 'string' },
	{ id: 'province', displayName: 'Province', type: 'string' },
	{ id: 'zipCode', displayName: 'Zip Code', type: 'string' },
	{ id: 'countryCode', displayName: 'Country Code', type: 'string' },
	{ id: 'birthDate', displayName: 'Birth Date (YYYY-MM-DD)', type: 'string' },
	{ id: 'sex', displayName: 'Sex', type: 'options' },
	{ id: 'avatarUrl', displayName: 'Avatar URL', type: 'string' },
	{ id: 'tags', displayName: 'Tags', type: 'array' },
];

const NATIVE_IDS = new Set(NATIVE_FIELDS.map((field) => field.id));

/** Fields Synerise sets itself; they are never sent, even when an input item carries them (reference §5.2). */
export const READ_ONLY_FIELDS = new Set(['clientId', 'anonymous', 'lastActivityDate', 'previousClients']);

/**
 * Attribute names Synerise ignores without an error (reference §5.2). The node refuses them instead, so a
 * value is never dropped unseen.
 */
export const RESERVED_ATTRIBUTE_NAMES = new Set([
	...NATIVE_IDS,
	'agreements',
	'attributes',
	...READ_ONLY_FIELDS,
	'clientId',
	'businessProfileId',
	'time',
	'ip',
	'source',
	'newsletter_agreement',
	'custom_identify',
	'firstname',
	'lastname',
	'created',
	'updated',
	'last_activity_date',
	'birthdate',
	'external_avatar_url',
	'displayname',
	'receive_smses',
	'receive_push_messages',
	'receive_webpush_messages',
	'receive_btooth_messages',
	'receive_rfid_messages',
	'receive_wifi_messages',
	'confirmation_hash',
	'ownerId',
	'anonymous_type',
	'country_id',
	'club_card_id',
	'type',
	'confirmed',
	'facebookId',
	'status',
]);
const RESERVED_ATTRIBUTE_PREFIX = 'geo_loc_';

const EMAIL = /^[^\s@]+@(?:(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}|\[\d{1,3}(?:\.\d{1,3}){3}\])$/;
/**
 * The published phone pattern may also allow `/` (reference §5.3, ambiguous). Refusing it here is the safe
 * reading: a phone the vendor drops during processing would otherwise be lost without an error.
 */
export const PHONE_ALLOWS_SLASH = false;
const PHONE_CHARS = PHONE_ALLOWS_SLASH ? '[0-9 ()\\-/]' : '[0-9 ()\\-]';
const PHONE = new RegExp(
	`^(?:\\+${PHONE_CHARS}{${MIN_PHONE_LENGTH},${MAX_PHONE_LENGTH - 1}}|${PHONE_CHARS}{${MIN_PHONE_LENGTH},${MAX_PHONE_LENGTH}})$`,
);
const BIRTH_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** ISO 3166 alpha-2 (reference §5.3 says "ISO 3166 code"; alpha-2 is inferred from the examples). */
const COUNTRY_CODE = /^[A-Za-z]{2}$/;
export const EARLIEST_BIRTH_DATE = '1900-01-01';

/** Characters identifiers must not contain (reference §5.3). */
function identifierProblem(value: string): string | undefined {
	for (let i = 0; i < value.length; i++) {
		const code = value.charCodeAt(i);
		if (code >= 0xd800 && code <= 0xdfff) return 'must not contain characters outside the Basic Multilingual Plane (such as emoji)';
		if (code === 0x0d || code === 0x0a || code === 0x2028 || code === 0x2029) return 'must not contain line breaks';
		if (code === 0x00ad) return 'must not contain a soft hyphen (U+00AD)';
		if (code >= 0xfe00 && code <= 0xfe0f) return 'must not contain variation selectors (U+FE00–U+FE0F)';
		if (code === 0) return 'must not contain the NUL character';
	}
	return undefined;
}

function attributeNameProblem(name: string): string | undefined {
	for (let i = 0; i < name.length; i++) {
		const code = name.charCodeAt(i);
		if (code === 0x0d || code === 0x0a || code === 0x2028 || code === 0x2029 || code === 0x00ad || code === 0 || (code >= 0xfe00 && code <= 0xfe0f)) {
			return 'is not a valid custom attribute name: it contains a line break, soft hyphen, NUL or variation selector';
		}
	}
	if (RESERVED_ATTRIBUTE_NAMES.has(name) || name.startsWith(RESERVED_ATTRIBUTE_PREFIX)) {
		return 'is a name Synerise reserves and silently ignores as a custom attribute; use the profile field or another name';
	}
	return undefined;
}

function textProblem(value: string): string | undefined {
	if (value.includes('\u0000')) return 'must not contain the NUL character';
	if (/^[\uFE00-\uFE0F]+$/.test(value)) return 'must not consist only of variation selectors';
	return undefined;
}

function validBirthDate(value: string): boolean {
	const match = BIRTH_DATE.exec(value);
	if (!match) return false;
	const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
	const date = new Date(Date.UTC(year, month - 1, day));
	const real = date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
	return real && value > EARLIEST_BIRTH_DATE;
}

/** Agreement values may be booleans, "true"/"false" (any case) or 1/0 (reference §5.2); sent as booleans. */
function agreementValue(value: unknown): boolean | null | undefined {
	if (value === null) return null;
	if (typeof value === 'boolean') return value;
	if (value === 1 || value === 0) return value === 1;
	if (typeof value === 'string') {
		const text = value.trim().toLowerCase();
		if (text === 'true' || text === '1') return true;
		if (text === 'false' || text === '0') return false;
	}
	return undefined;
}

export interface ProfileOptions {
	emptyValues: EmptyValues;
	/** Item fields that are not profile fields: sent as custom attributes, or left out. */
	otherFields: 'attributes' | 'ignore';
	/** Create and batch need an identifier in the body; update names the profile in the path. */
	requireIdentifier: boolean;
}

export function readProfileOptions(ctx: IExecuteFunctions, itemIndex: number, requireIdentifier: boolean): ProfileOptions {
	const options = ctx.getNodeParameter('options', itemIndex, {}) as IDataObject;
	return {
		emptyValues: readEmptyValues(options, EMPTY_VALUES),
		otherFields: options.otherFields === 'ignore' ? 'ignore' : 'attributes',
		requireIdentifier,
	};
}

/**
 * The profile one item sends (reference §5.2): native fields, `agreements` and custom `attributes` from the
 * mapped fields plus the Custom Attributes option, with the field rules of §5.3 checked before anything is
 * sent. `null` is kept: on update it resets a native field or deletes a custom attribute.
 */
export function buildProfile(ctx: IExecuteFunctions, itemIndex: number, options: ProfileOptions): IDataObject {
	const node = ctx.getNode();
	const fields = mappedFields(ctx, itemIndex, 'columns');
	const native: IDataObject = {};
	const agreements: IDataObject = {};
	const attributes: IDataObject = {};

	for (const [key, value] of Object.entries(fields)) {
		if (value === undefined || READ_ONLY_FIELDS.has(key)) continue;
		if (key === 'attributes' || key === 'agreements') {
			if (value === null) continue;
			if (typeof value !== 'object' || Array.isArray(value)) {
				throw invalidField(node, itemIndex, key, 'must be an object of name → value');
			}
			Object.assign(key === 'attributes' ? attributes : agreements, value);
		} else if (key.startsWith('agreements.')) {
			agreements[key.slice('agreements.'.length)] = value;
		} else if (NATIVE_IDS.has(key)) {
			native[key] = value;
		} else if (options.otherFields === 'attributes') {
			attributes[key] = value;
		}
	}

	const extra = (ctx.getNodeParameter('additionalFields', itemIndex, {}) as IDataObject).customAttributes;
	if (extra !== undefined && extra !== '') {
		let parsed: unknown;
		try {
			parsed = parseJsonParameter(extra);
		} catch {
			throw invalidField(node, itemIndex, 'Custom Attributes (JSON)', 'is not valid JSON');
		}
		if (parsed !== undefined) {
			if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
				throw invalidField(node, itemIndex, 'Custom Attributes (JSON)', 'must be a JSON object such as {"loyaltyTier": "gold"}');
			}
			Object.assign(attributes, parsed);
		}
	}

	const profile = applyEmptyValues(native, options.emptyValues, EMPTY_VALUES.empty);
	for (const [key, value] of Object.entries(profile)) profile[key] = nativeValue(node, itemIndex, key, value) as IDataObject[keyof IDataObject];

	const cleanAgreements = applyEmptyValues(agreements, options.emptyValues, EMPTY_VALUES.empty);
	for (const [name, value] of Object.entries(cleanAgreements)) {
		if (!AGREEMENT_FIELDS.includes(name)) {
			throw invalidField(node, itemIndex, `agreements.${name}`, `is not an agreement; use one of ${AGREEMENT_FIELDS.join(', ')}`);
		}
		const flag = agreementValue(value);
		if (flag === undefined) throw invalidField(node, itemIndex, `agreements.${name}`, 'must be true or false');
		cleanAgreements[name] = flag;
	}
	if (Object.keys(cleanAgreements).length > 0) profile.agreements = cleanAgreements;

	const cleanAttributes = applyEmptyValues(attributes, options.emptyValues, EMPTY_VALUES.empty);
	for (const [name, value] of Object.entries(cleanAttributes)) {
		const problem = name.trim() === '' ? 'must not be empty' : attributeNameProblem(name);
		if (problem) throw invalidField(node, itemIndex, `attributes.${name}`, `the attribute name ${problem}`);
		if (typeof value === 'string') {
			const textIssue = textProblem(value);
			if (textIssue) throw invalidField(node, itemIndex, `attributes.${name}`, textIssue);
		}
	}
	if (Object.keys(cleanAttributes).length > 0) profile.attributes = cleanAttributes;

	if (options.requireIdentifier && !IDENTIFIER_FIELDS.some((id) => typeof profile[id] === 'string')) {
		throw invalidField(
			node,
			itemIndex,
			IDENTIFIER_FIELDS.join(' / '),
			'a profile needs at least one identifier: email, phone, UUID or custom ID',
		);
	}
	return profile;
}

/** Checks and normalises one native field (reference §5.3); `null` passes (it resets the field). */
function nativeValue(node: INode, itemIndex: number, field: string, value: unknown): unknown {
	if (value === null) return null;
	if (field === 'tags') return tagsValue(node, itemIndex, value);
	if (typeof value === 'number' || typeof value === 'bigint') value = String(value);
	if (typeof value !== 'string') throw invalidField(node, itemIndex, field, 'must be text');
	const text = value.trim();
	const isIdentifier = (IDENTIFIER_FIELDS as readonly string[]).includes(field);
	const problem = isIdentifier ? identifierProblem(text) : textProblem(text);
	if (problem) throw invalidField(node, itemIndex, field, problem);
	switch (field) {
		case 'email':
			if (!EMAIL.test(text)) throw invalidField(node, itemIndex, field, `"${text}" is not a valid email address (expected local@domain.tld)`);
			break;
		case 'phone':
			if (!PHONE.test(text)) {
				throw invalidField(
					node,
					itemIndex,
					field,
					`"${text}" is not a valid phone number (digits, spaces, -, ( and ): ${MIN_PHONE_LENGTH}–${MAX_PHONE_LENGTH} of them, or + and ${MIN_PHONE_LENGTH}–${MAX_PHONE_LENGTH - 1})`,
				);
			}
			break;
		case 'birthDate':
			if (!validBirthDate(text)) {
				throw invalidField(node, itemIndex, field, `"${text}" is not a valid birth date (expected YYYY-MM-DD, after ${EARLIEST_BIRTH_DATE})`);
			}
			break;
		case 'sex': {
			const upper = text.toUpperCase();
			if (!SEX_VALUES.includes(upper)) throw invalidField(node, itemIndex, field, `must be one of ${SEX_VALUES.join(', ')}`);
			return upper;
		}
		case 'countryCode':
			if (!COUNTRY_CODE.test(text)) throw invalidField(node, itemIndex, field, `"${text}" is not a two-letter ISO 3166 country code`);
			return text.toUpperCase();
	}
	return text;
}

function tagsValue(node: INode, itemIndex: number, value: unknown): string[] {
	if (typeof value !== 'string' && !Array.isArray(value)) {
		throw invalidField(node, itemIndex, 'tags', 'must be a list of tags or a comma-separated text');
	}
	const tags = listOf(value).map((tag) => (typeof tag === 'number' ? String(tag) : tag));
	if (tags.some((tag) => typeof tag !== 'string')) throw invalidField(node, itemIndex, 'tags', 'every tag must be text');
	return (tags as string[]).map((tag) => tag.trim()).filter((tag) => tag !== '');
}

/** One identifier value for a URL path segment, checked and encoded (`@` → `%40`, `+` → `%2B`). */
export function pathValue(node: INode, itemIndex: number, field: string, value: unknown): string {
	if (typeof value === 'number') value = String(value);
	if (typeof value !== 'string' || value.trim() === '') throw invalidField(node, itemIndex, field, 'must not be empty');
	const text = value.trim();
	if (field === 'clientId' && !/^\d+$/.test(text)) throw invalidField(node, itemIndex, field, `"${text}" is not a numeric client ID`);
	if (field !== 'clientId') {
		const problem = identifierProblem(text);
		if (problem) throw invalidField(node, itemIndex, field, problem);
	}
	if (field === 'email' && !EMAIL.test(text)) throw invalidField(node, itemIndex, field, `"${text}" is not a valid email address`);
	return encodeURIComponent(text);
}
