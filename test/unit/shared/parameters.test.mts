import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';

import { holdsExpression, withFixedParameters } from '../../../nodes/shared/parameters';
import { route } from '../../../nodes/shared/router';
import { fakeContext } from '../../helpers/fakeContext.mts';

/** n8n's lookup (lodash `get` paths) with its resolution: an expression `=x` gives `x#<item>`. */
function lookUp(parameters: IDataObject, path: string): unknown {
	if (path in parameters) return parameters[path];
	return path
		.replace(/\[(\d+)\]/g, '.$1')
		.split('.')
		.reduce<unknown>((value, key) => (value as IDataObject | undefined)?.[key], parameters);
}

function resolved(value: unknown, itemIndex: number): unknown {
	if (typeof value === 'string') return value.startsWith('=') ? `${value.slice(1)}#${itemIndex}` : value;
	if (Array.isArray(value)) return value.map((entry) => resolved(entry, itemIndex));
	if (value !== null && typeof value === 'object') {
		return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, resolved(entry, itemIndex)]));
	}
	return value;
}

/** A context whose stored parameters n8n resolves as above, counting each read by name. */
function counted(parameters: IDataObject) {
	const reads: string[] = [];
	const ctx = fakeContext({ items: Array.from({ length: 100 }, (_, i) => ({ id: i })), node: { parameters: parameters as never } });
	(ctx as { getNodeParameter: unknown }).getNodeParameter = (name: string, itemIndex: number, fallback?: unknown) => {
		reads.push(name);
		const value = lookUp(parameters, name) ?? fallback;
		if (value === undefined) throw new Error(`Could not get parameter "${name}" for item ${itemIndex}`);
		return resolved(value, itemIndex);
	};
	const count = (name: string) => reads.filter((read) => read === name).length;
	return { ctx, reads, count };
}

describe('withFixedParameters', () => {
	it('reads a parameter without an expression once, and one with an expression for every item', () => {
		const { ctx, count } = counted({ customIdField: 'custom_id', nativeAttributes: { emailAddress: '={{ $json.email }}', language: 'en' } });
		const fixed = withFixedParameters(ctx);
		for (let i = 0; i < 100; i++) {
			expect(fixed.getNodeParameter('customIdField', i)).toBe('custom_id');
			expect(fixed.getNodeParameter('nativeAttributes', i, {})).toEqual({ emailAddress: `{{ $json.email }}#${i}`, language: 'en' });
		}
		expect(count('customIdField')).toBe(1);
		expect(count('nativeAttributes')).toBe(100);
	});

	it('decides by the stored value at the path read: a collection with one expression sub-key', () => {
		const { ctx, count } = counted({ options: { emptyValues: '={{ $json.policy }}', route: 'transactional' } });
		const fixed = withFixedParameters(ctx);
		for (let i = 0; i < 10; i++) {
			expect(fixed.getNodeParameter('options.emptyValues', i, 'skip')).toBe(`{{ $json.policy }}#${i}`);
			expect(fixed.getNodeParameter('options.route', i, 'auto')).toBe('transactional');
			expect((fixed.getNodeParameter('options', i, {}) as IDataObject).emptyValues).toBe(`{{ $json.policy }}#${i}`);
		}
		expect(count('options.emptyValues')).toBe(10);
		expect(count('options.route')).toBe(1);
		expect(count('options')).toBe(10);
	});

	it('handles fixedCollection rows and indexed paths', () => {
		const rows = [
			{ name: 'city', value: '={{ $json.town }}' },
			{ name: 'tier', value: 'gold' },
		];
		const { ctx, count } = counted({ attributeValues: { attribute: rows }, columns: { mappingMode: 'defineBelow', value: { plan: 'pro' } } });
		const fixed = withFixedParameters(ctx);
		for (let i = 0; i < 10; i++) {
			expect(fixed.getNodeParameter('attributeValues.attribute', i, [])).toEqual([
				{ name: 'city', value: `{{ $json.town }}#${i}` },
				{ name: 'tier', value: 'gold' },
			]);
			expect(fixed.getNodeParameter('attributeValues.attribute[1].value', i)).toBe('gold');
			expect(fixed.getNodeParameter('attributeValues.attribute[0].value', i)).toBe(`{{ $json.town }}#${i}`);
			expect(fixed.getNodeParameter('columns.value', i, {})).toEqual({ plan: 'pro' });
		}
		expect(count('attributeValues.attribute')).toBe(10);
		expect(count('attributeValues.attribute[1].value')).toBe(1);
		expect(count('attributeValues.attribute[0].value')).toBe(10);
		expect(count('columns.value')).toBe(1);
	});

	it('gives each caller its own fallback for a parameter that is not stored', () => {
		const { ctx, count } = counted({ options: {} });
		const fixed = withFixedParameters(ctx);
		for (let i = 0; i < 10; i++) {
			expect(fixed.getNodeParameter('options.emptyValues', i, 'keep')).toBe('keep');
			expect(fixed.getNodeParameter('options.emptyValues', i, 'skip')).toBe('skip');
			expect(fixed.getNodeParameter('options.fields', i, [])).toEqual([]);
		}
		// Once per fallback, not once per item.
		expect(count('options.emptyValues')).toBe(2);
		expect(count('options.fields')).toBe(1);
	});

	it('leaves failed reads and reads with options to n8n every time', () => {
		const { ctx, count } = counted({ customId: 'abc' });
		const fixed = withFixedParameters(ctx);
		for (let i = 0; i < 3; i++) {
			expect(() => fixed.getNodeParameter('missing', i)).toThrow(`Could not get parameter "missing" for item ${i}`);
			expect(fixed.getNodeParameter('customId', i, '', { extractValue: true })).toBe('abc');
		}
		expect(count('missing')).toBe(3);
		expect(count('customId')).toBe(3);
	});

	it('freezes a kept value, so no item can change what the next one reads', () => {
		const { ctx } = counted({ options: { dateAttributes: ['signup'] } });
		const fixed = withFixedParameters(ctx);
		const options = fixed.getNodeParameter('options', 0, {}) as IDataObject;
		expect(() => (options.dateAttributes as string[]).push('birthday')).toThrow(TypeError);
		expect(fixed.getNodeParameter('options', 1, {})).toEqual({ dateAttributes: ['signup'] });
	});

	it('keeps the context’s other members, called on the context itself', () => {
		const { ctx } = counted({});
		const fixed = withFixedParameters(ctx);
		expect(fixed.getInputData()).toHaveLength(100);
		expect(fixed.getNode().name).toBe(ctx.getNode().name);
		expect(fixed.helpers).toBe(ctx.helpers);
		// n8n copies the node on every call; the wrapper asks once.
		let copies = 0;
		const original = ctx.getNode();
		(ctx as { getNode: unknown }).getNode = () => (copies++, structuredClone(original));
		const once = withFixedParameters(ctx);
		for (let i = 0; i < 10; i++) expect(once.getNode().name).toBe(original.name);
		expect(copies).toBe(1);
		const own = { marker: 'real', whoAmI(this: { marker: string }) { return this.marker; } };
		const wrapped = withFixedParameters(Object.assign(ctx, own) as unknown as IExecuteFunctions) as unknown as typeof own;
		expect(wrapped.whoAmI()).toBe('real');
		expect(wrapped.whoAmI).toBe(wrapped.whoAmI);
	});

	it('is what route() gives every operation', async () => {
		const { ctx, count } = counted({ resource: 'profile', operation: 'upsert', mode: 'auto' });
		let connected: IExecuteFunctions | undefined;
		const output = await route(
			ctx,
			{
				profile: {
					upsert: {
						async execute(this: IExecuteFunctions) {
							const items = this.getInputData().map((_, i) => ({ json: { mode: this.getNodeParameter('mode', i) as string } }));
							return [items];
						},
					},
				},
			},
			async (context) => {
				connected = context;
				return {};
			},
		);
		expect(output[0]).toHaveLength(100);
		expect(output[0][99].json.mode).toBe('auto');
		expect(count('mode')).toBe(1);
		// The API client is built on n8n's own context.
		expect(connected).toBe(ctx);
	});

	it('finds expressions inside collections and lists', () => {
		expect(holdsExpression('={{ 1 }}')).toBe(true);
		expect(holdsExpression('plain = text')).toBe(false);
		expect(holdsExpression({ a: [{ b: 'x' }, { c: '={{ $json.c }}' }] })).toBe(true);
		expect(holdsExpression({ a: [1, true, null, 'x'] })).toBe(false);
	});
});
