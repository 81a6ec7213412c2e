import { describe, expect, it } from 'vitest';

import { holdsExpression, ItemParameters, withFixedParameters } from '../../../nodes/shared/parameters';
import { fakeContext } from '../../helpers/fakeContext.mts';

function counted(parameters: Record<string, unknown>, resolve: (name: string, itemIndex: number) => unknown) {
	const reads: string[] = [];
	const ctx = fakeContext({
		items: Array.from({ length: 100 }, (_, i) => ({ id: i })),
		node: { parameters: parameters as never },
		params: (name, itemIndex) => {
			reads.push(name);
			return resolve(name, itemIndex);
		},
	});
	return { ctx, reads };
}

describe('ItemParameters', () => {
	it('reads a parameter without an expression once, and one with an expression for every item', () => {
		const { ctx, reads } = counted(
			{ customIdField: 'custom_id', nativeAttributes: { emailAddress: '={{ $json.email }}' }, options: { onlySendChanges: true } },
			(name, itemIndex) => (name === 'nativeAttributes' ? { emailAddress: `user${itemIndex}@example.com` } : name === 'customIdField' ? 'custom_id' : undefined),
		);
		const params = new ItemParameters(ctx);
		const seen: unknown[] = [];
		for (let i = 0; i < 100; i++) {
			expect(params.get('customIdField', i)).toBe('custom_id');
			seen.push(params.get<{ emailAddress: string }>('nativeAttributes', i, { emailAddress: '' }).emailAddress);
			// Absent from the node: n8n fills in the default, the same for every item.
			expect(params.get('additionalFields', i, {})).toEqual({});
		}
		expect(reads.filter((name) => name === 'customIdField')).toHaveLength(1);
		expect(reads.filter((name) => name === 'additionalFields')).toHaveLength(1);
		expect(reads.filter((name) => name === 'nativeAttributes')).toHaveLength(100);
		expect(seen[0]).toBe('user0@example.com');
		expect(seen[99]).toBe('user99@example.com');
	});

	it('finds expressions inside collections and lists, and in dotted paths', () => {
		expect(holdsExpression('={{ 1 }}')).toBe(true);
		expect(holdsExpression('plain')).toBe(false);
		expect(holdsExpression({ a: [{ b: 'x' }, { c: '={{ $json.c }}' }] })).toBe(true);
		expect(holdsExpression({ a: [1, true, null, 'x'] })).toBe(false);
		const { ctx, reads } = counted({ columns: { mappingMode: 'autoMapInputData', value: { city: '={{ $json.town }}' } } }, (name, i) =>
			name === 'columns.mappingMode' ? 'autoMapInputData' : { city: `town ${i}` },
		);
		const params = new ItemParameters(ctx);
		for (let i = 0; i < 10; i++) {
			params.get('columns.mappingMode', i);
			expect(params.get('columns.value', i)).toEqual({ city: `town ${i}` });
		}
		expect(reads.filter((name) => name === 'columns.mappingMode')).toHaveLength(1);
		expect(reads.filter((name) => name === 'columns.value')).toHaveLength(10);
	});

	it('gives helpers a context whose parameter reads are cached and whose other methods are the real ones', () => {
		const { ctx, reads } = counted({ options: { emptyValues: 'skip' } }, (name) => (name === 'options' ? { emptyValues: 'skip' } : undefined));
		const fixed = withFixedParameters(ctx);
		for (let i = 0; i < 50; i++) expect(fixed.getNodeParameter('options', i, {})).toEqual({ emptyValues: 'skip' });
		expect(reads).toEqual(['options']);
		expect(fixed.getInputData()).toHaveLength(100);
		expect(fixed.getNode().name).toBe(ctx.getNode().name);
		expect(fixed.helpers).toBe(ctx.helpers);
	});
});
