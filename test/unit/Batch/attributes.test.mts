import { describe, expect, it } from 'vitest';

import type { AttributeOptions } from '../../../nodes/Batch/helpers/attributes';
import {
	AttributeProblem,
	buildAttributes,
	buildEvents,
	customIdOf,
	MAX_ARRAY_ITEMS,
	MAX_CUSTOM_ATTRIBUTES,
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

	it(`refuses more than ${MAX_CUSTOM_ATTRIBUTES} custom attributes`, () => {
		const fields = Object.fromEntries(Array.from({ length: MAX_CUSTOM_ATTRIBUTES + 1 }, (_, i) => [`a${i}`, i]));
		expect(problem(() => buildAttributes(fields, {}, plain)).message).toMatch(/51 custom attributes/);
		delete fields[`a${MAX_CUSTOM_ATTRIBUTES}`];
		expect(Object.keys(buildAttributes(fields, {}, plain))).toHaveLength(MAX_CUSTOM_ATTRIBUTES);
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
