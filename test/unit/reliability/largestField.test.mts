// The bulk engine names the field that makes an item too big for any request.
import { describe, expect, it } from 'vitest';

import { largestField } from '../../../nodes/shared/bulk';

describe('largestField', () => {
	it('descends into the largest value and returns the last property name on the way', () => {
		expect(largestField({ keyValue: 'k', row: { id: 'k', note: 'x'.repeat(100), city: 'Taipei' } })).toBe('note');
		expect(largestField({ attributes: { tags: ['a', 'b'.repeat(50)] }, id: 'p' })).toBe('tags');
		expect(largestField([{ email: 'a@b.c', bio: 'y'.repeat(40) }])).toBe('bio');
	});

	it('gives nothing for a payload without properties', () => {
		expect(largestField('text')).toBeUndefined();
		expect(largestField({})).toBeUndefined();
	});
});
