import { describe, expect, it } from 'vitest';

import type { AttributeOptions } from '../../../nodes/Batch/helpers/attributes';
import {
	AttributeProblem,
	buildAttributes,
	buildEvents,
	customIdOf,
	MAX_ARRAY_ITEMS,
	MAX_ATTRIBUTES_PER_PROFILE,
	convertText,
	textColumns,
	textKind,
	MAX_STRING_LENGTH,
	normalizeAttributeName,
} from '../../../nodes/Batch/helpers/attributes';

const plain: AttributeOptions = { normalizeNames: false, detectDates: true, dateAttributes: new Set(), urlAttributes: new Set() };
const normalizing: AttributeOptions = { ...plain, normalizeNames: true };

function problem(run: () => unknown): AttributeProblem {
	try {
		run();
	} catch (error) {
		if (error instanceof AttributeProblem) return error;
		throw error;
	}
	throw new Error('expected an AttributeProblem');
}

describe('attribute naming rules', () => {
	it('accepts [a-z0-9_] names of 1 to 30 characters', () => {
		const name30 = 'a'.repeat(30);
		expect(buildAttributes({ plan: 'gold', [name30]: 1, is_vip_2: true }, {}, plain)).toEqual({ plan: 'gold', [name30]: 1, is_vip_2: true });
	});

	it.each([
		['Plan', 'uppercase'],
		['first name', 'space'],
		['a'.repeat(31), 'too long'],
		['prix-€', 'other characters'],
	])('refuses %s (%s) and names the field', (name) => {
		const found = problem(() => buildAttributes({ [name]: 'x' }, {}, plain));
		expect(found.field).toBe(name);
		expect(found.message).toMatch(/not a valid attribute name/);
	});

	it('normalizes: lowercase, other characters to _, cut to 30', () => {
		expect(normalizeAttributeName('First Name')).toBe('first_name');
		expect(normalizeAttributeName('Prix-€ TTC')).toBe('prix___ttc');
		expect(normalizeAttributeName('X'.repeat(40))).toBe('x'.repeat(30));
		expect(buildAttributes({ 'Last Login': 3, 'Loyalty-Tier': 'gold' }, {}, normalizing)).toEqual({ last_login: 3, loyalty_tier: 'gold' });
	});

	it('reports a collision of two source fields instead of merging them', () => {
		const found = problem(() => buildAttributes({ 'First Name': 'Ann', first_name: 'Anne' }, {}, normalizing));
		expect(found.field).toBe('first_name');
		expect(found.message).toContain('"first_name"');
		expect(found.message).toContain('"First Name"');
		// Cut to 30 characters, two long names can collide too.
		const long = 'a'.repeat(30);
		expect(problem(() => buildAttributes({ [`${long}_x`]: 1, [`${long}_y`]: 2 }, {}, normalizing)).field).toBe(`${long}_y`);
		// A typed key and a plain key of the same name are one attribute.
		expect(problem(() => buildAttributes({ 'date(seen)': '2024-01-01T00:00:00Z', seen: 'x' }, {}, plain)).field).toBe('seen');
	});

	it(`refuses more than ${MAX_ATTRIBUTES_PER_PROFILE} attributes`, () => {
		const fields = Object.fromEntries(Array.from({ length: MAX_ATTRIBUTES_PER_PROFILE + 1 }, (_, i) => [`a${i}`, i]));
		expect(problem(() => buildAttributes(fields, {}, plain)).message).toMatch(/51 attributes/);
		delete fields[`a${MAX_ATTRIBUTES_PER_PROFILE}`];
		expect(Object.keys(buildAttributes(fields, {}, plain))).toHaveLength(MAX_ATTRIBUTES_PER_PROFILE);
	});

	it('counts native and custom attributes together against the cap (#14)', () => {
		// 45 custom attributes, 2 natives among the input fields and 4 native parameters: 51 in all.
		const fields: Record<string, unknown> = Object.fromEntries(Array.from({ length: 45 }, (_, i) => [`a${i}`, i]));
		fields.$email_address = 'ann@example.com';
		fields.$language = 'fr';
		const natives = { phoneNumber: '+33600000000', region: 'FR', timezone: 'Europe/Paris', smsMarketing: 'subscribed' };
		expect(problem(() => buildAttributes(fields as never, natives, plain)).message).toMatch(/51 attributes \(native and custom together\).*at most 50/);
		delete fields.a0;
		expect(Object.keys(buildAttributes(fields as never, natives, plain))).toHaveLength(50);
	});
});

describe('typed values and limits', () => {
	it('wraps dates and URLs in the key and converts dates to UTC', () => {
		const options = { ...plain, dateAttributes: new Set(['birthdate']), urlAttributes: new Set(['avatar']) };
		expect(
			buildAttributes(
				{
					birthdate: '1989-07-20',
					last_order_at: '2024-05-01T10:00:00Z',
					'date(signup)': '2024-05-01T12:00:00+02:00',
					avatar: 'https://cdn.example.com/a.png',
					'url(site)': 'https://example.com',
					logins: 5,
					ltv: 129.9,
					vip: false,
					old_field: null,
				},
				{},
				options,
			),
		).toEqual({
			'date(birthdate)': '1989-07-20T00:00:00.000Z',
			'date(last_order_at)': '2024-05-01T10:00:00Z',
			'date(signup)': '2024-05-01T10:00:00.000Z',
			'url(avatar)': 'https://cdn.example.com/a.png',
			'url(site)': 'https://example.com',
			logins: 5,
			ltv: 129.9,
			vip: false,
			old_field: null,
		});
	});

	it('leaves date-shaped strings alone when date detection is off', () => {
		expect(buildAttributes({ at: '2024-05-01T10:00:00Z' }, {}, { ...plain, detectDates: false })).toEqual({ at: '2024-05-01T10:00:00Z' });
	});

	it('refuses bad dates, URLs, strings and numbers with the field named', () => {
		expect(problem(() => buildAttributes({ 'date(x)': 'yesterday' }, {}, plain)).message).toMatch(/ISO-8601/);
		expect(problem(() => buildAttributes({ 'url(x)': 'example.com/a' }, {}, plain)).message).toMatch(/scheme/);
		expect(problem(() => buildAttributes({ 'url(x)': `https://e.com/${'a'.repeat(2040)}` }, {}, plain)).message).toMatch(/2048/);
		expect(buildAttributes({ s: 'x'.repeat(MAX_STRING_LENGTH) }, {}, plain).s).toHaveLength(MAX_STRING_LENGTH);
		expect(problem(() => buildAttributes({ s: 'x'.repeat(MAX_STRING_LENGTH + 1) }, {}, plain)).message).toMatch(/301 characters/);
		expect(problem(() => buildAttributes({ s: '' }, {}, plain)).message).toMatch(/empty/);
		expect(problem(() => buildAttributes({ n: Number.NaN }, {}, plain)).field).toBe('n');
		expect(problem(() => buildAttributes({ o: { city: 'Paris' } }, {}, plain)).message).toMatch(/objects are not allowed/);
	});

	it('checks string arrays: 1 to 25 strings', () => {
		const full = Array.from({ length: MAX_ARRAY_ITEMS }, (_, i) => `t${i}`);
		expect(buildAttributes({ tags: full }, {}, plain)).toEqual({ tags: full });
		expect(problem(() => buildAttributes({ tags: [...full, 'x'] }, {}, plain)).message).toMatch(/26 items/);
		expect(problem(() => buildAttributes({ tags: [] }, {}, plain)).message).toMatch(/0 items/);
		expect(problem(() => buildAttributes({ tags: ['a', 2] }, {}, plain)).message).toMatch(/item 1/);
	});

	it('passes array edits through and checks their items', () => {
		expect(buildAttributes({ programs: { $add: ['premium'], $remove: ['trial'] } }, {}, plain)).toEqual({
			programs: { $add: ['premium'], $remove: ['trial'] },
		});
		expect(problem(() => buildAttributes({ programs: { $add: 'premium' } }, {}, plain)).message).toMatch(/\$add must be an array/);
		expect(problem(() => buildAttributes({ programs: { $add: ['a'], other: 1 } }, {}, plain)).message).toMatch(/objects/);
	});
});

describe('native attributes', () => {
	it('sets natives from parameters and from $ keys, and checks them', () => {
		expect(
			buildAttributes(
				{ $email_address: 'jane@example.com' },
				{ phoneNumber: '+33600000000', language: 'fr-FR', region: 'fr', timezone: 'Europe/Paris', smsMarketing: 'reset', emailMarketing: 'subscribed' },
				plain,
			),
		).toEqual({
			$email_address: 'jane@example.com',
			$phone_number: '+33600000000',
			$language: 'fr',
			$region: 'FR',
			$timezone: 'Europe/Paris',
			$sms_marketing: null,
			$email_marketing: 'subscribed',
		});
	});

	it.each([
		['phoneNumber', '0600000000', /E\.164/],
		['phoneNumber', '+1234567890123456', /E\.164/],
		['emailAddress', 'not-an-email', /email/],
		['timezone', 'Mars/Olympus', /time zone/],
		['region', 'FRA', /region/],
	])('refuses %s = %s', (parameter, value, message) => {
		const found = problem(() => buildAttributes({}, { [parameter]: value }, plain));
		expect(found.field).toBe(parameter);
		expect(found.message).toMatch(message);
	});

	it('refuses an unknown $ key and a native set twice', () => {
		expect(problem(() => buildAttributes({ $birthday: 'x' }, {}, plain)).field).toBe('$birthday');
		expect(problem(() => buildAttributes({ $email_address: 'a@b.co' }, { emailAddress: 'c@d.co' }, plain)).field).toBe('emailAddress');
	});
});

describe('custom IDs and events', () => {
	it('accepts strings and numbers, refuses empty, reserved and over-long IDs', () => {
		expect(customIdOf('id', 'user-1')).toBe('user-1');
		expect(customIdOf('id', 42)).toBe('42');
		for (const bad of ['', '   ', null, undefined, 'null', 'Undefined', '[object Object]', 'x'.repeat(513), { a: 1 }]) {
			expect(() => customIdOf('id', bad)).toThrow(AttributeProblem);
		}
	});

	it('trims a padded Custom ID and names a missing one without "a undefined" (#18.6, #18.8)', () => {
		expect(customIdOf('id', '  user-1\t')).toBe('user-1');
		expect(problem(() => customIdOf('id', undefined)).message).toBe('the Custom ID is missing; expected a non-empty string');
		expect(problem(() => customIdOf('id', null)).message).toBe('the Custom ID is missing; expected a non-empty string');
		expect(problem(() => customIdOf('id', { a: 1 })).message).toBe('the Custom ID is an object; expected a non-empty string');
		expect(problem(() => customIdOf('id', true)).message).toBe('the Custom ID is a boolean; expected a non-empty string');
		expect(problem(() => customIdOf('id', '  ')).message).toBe('the Custom ID is empty; expected a non-empty string');
		expect(problem(() => buildAttributes({ x: undefined }, {}, plain)).message).not.toMatch(/\ba undefined\b/);
	});

	it('types CSV text per column: numbers, booleans and dates only when every cell of the column is one (#18.6)', () => {
		expect(textKind('42', true)).toBe('number');
		expect(textKind('-3.5', true)).toBe('number');
		expect(textKind('007', true)).toBe('text');
		expect(textKind('12345678901234567890', true)).toBe('text');
		expect(textKind('TRUE', true)).toBe('boolean');
		expect(textKind('2024-05-01T12:00:00+02:00', true)).toBe('date');
		expect(textKind('2024-05-01T12:00:00+02:00', false)).toBe('text');
		expect(convertText('2024-05-01T12:00:00+02:00', 'date')).toEqual(new Date('2024-05-01T10:00:00Z'));
		expect(convertText('FALSE', 'boolean')).toBe(false);
		expect(convertText('42', 'text')).toBe('42');
		const rows = [
			{ logins: '5', vip: 'true', seen: '2024-05-01T12:00:00+02:00', zip: '01234', plan: 'pro' },
			{ logins: '12', vip: 'False', seen: '2024-05-02T08:00:00Z', zip: '75003', plan: '' },
		];
		const kinds = textColumns(rows, true);
		expect(Object.fromEntries(kinds)).toEqual({ logins: 'number', vip: 'boolean', seen: 'date', zip: 'text', plan: 'text' });
		const types = new Map();
		const csv = (itemIndex: number, fields: Record<string, unknown>) =>
			buildAttributes(fields as never, {}, plain, { types, itemIndex, textKinds: kinds });
		expect(csv(0, rows[0])).toEqual({ logins: 5, vip: true, 'date(seen)': '2024-05-01T10:00:00.000Z', zip: '01234', plan: 'pro' });
		expect(csv(1, { zip: '75003' })).toEqual({ zip: '75003' });
		// A value that is not text (an expression's number, a JSON true) must fit the column too.
		const wrong = problem(() => csv(2, { zip: 75003, vip: false }));
		expect(wrong.field).toBe('zip');
		expect(wrong.message).toMatch(/75003 is a number, but the attribute "zip" is a string from item 0 on/);
		// The refused item set no type; a later good item still fits.
		expect(csv(3, { logins: 7 })).toEqual({ logins: 7 });
		// Without the option, values go as given.
		expect(buildAttributes({ logins: '5' }, {}, plain)).toEqual({ logins: '5' });
	});

	it('validates events', () => {
		expect(buildEvents('events', '[{"name":"purchase","time":"2024-05-01T10:00:00Z","attributes":{"amount":4}}]')).toEqual([
			{ name: 'purchase', time: '2024-05-01T10:00:00Z', attributes: { amount: 4 } },
		]);
		expect(buildEvents('events', '')).toBeUndefined();
		expect(problem(() => buildEvents('events', '[{"name":"Bad Name"}]')).message).toMatch(/name/);
		expect(problem(() => buildEvents('events', Array.from({ length: 16 }, () => ({ name: 'e' })))).message).toMatch(/16 events/);
		expect(problem(() => buildEvents('events', '{oops')).message).toMatch(/JSON/);
	});
});
