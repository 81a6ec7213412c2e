import { describe, expect, it } from 'vitest';

import { assertSchema, violations, type Schema } from './schema.mts';

const profile: Schema = {
	type: 'object',
	required: ['id', 'tags'],
	additionalProperties: false,
	properties: {
		id: { type: 'string', minLength: 1 },
		host: { type: 'string', format: 'hostname' },
		age: { type: 'integer', minimum: 0 },
		tags: { type: 'array', maxItems: 2, items: { type: 'string', enum: ['a', 'b'] } },
		note: { type: 'string', nullable: true },
	},
};

describe('contract schema checker', () => {
	it('accepts a conforming value', () => {
		expect(violations(profile, { id: 'x', host: 'acme.europe-west1.talon.one', age: 3, tags: ['a'], note: null })).toEqual([]);
	});

	it('names every violation with its path', () => {
		const found = violations(profile, { host: 'https://acme.talon.one/', age: 1.5, tags: ['a', 'c', 'b'], extra: 1 });
		expect(found).toEqual([
			'$.id: required',
			'$.host: "https://acme.talon.one/" is not a hostname',
			'$.age: expected integer, got number 1.5',
			'$.tags: more than 2 items',
			'$.tags[1]: "c" is not one of ["a","b"]',
			'$.extra: not a documented field',
		]);
	});

	it('oneOf needs exactly one match, anyOf at least one', () => {
		const either: Schema = { oneOf: [{ type: 'string' }, { type: 'number' }] };
		expect(violations(either, 'x')).toEqual([]);
		expect(violations(either, true)).toHaveLength(1);
		expect(violations({ anyOf: [{ type: 'number' }, { type: 'integer' }] }, 2)).toEqual([]);
	});

	it('assertSchema cites the source in its message', () => {
		expect(() => assertSchema({ source: 'spec.json#/x', type: 'string' }, 1, 'body')).toThrow(/body breaks the vendor contract \(spec.json#\/x\)/);
	});
});
