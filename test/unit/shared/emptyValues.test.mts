import { describe, expect, it } from 'vitest';

import { EMPTY_VALUES as BATCH } from '../../../nodes/Batch/helpers/profiles.ts';
import { EMPTY_VALUES as CRESCENDO } from '../../../nodes/CrescendoLab/helpers/contactRow.ts';
import { EMPTY_VALUES as INSIDER } from '../../../nodes/Insider/helpers/attributes.ts';
import { applyEmptyValues, emptyValuesOption, isEmptyValue, readEmptyValues } from '../../../nodes/shared/emptyValues.ts';

const FIELDS = { blank: '', spaces: '  ', gone: null, absent: undefined, zero: 0, no: false, list: [], text: ' a ' };

describe('empty values', () => {
	it('counts blank text, null or both as empty, as the vendor says; 0, false and [] never', () => {
		expect(Object.keys(FIELDS).filter((key) => isEmptyValue(FIELDS[key as keyof typeof FIELDS], 'text'))).toEqual(['blank', 'spaces']);
		expect(Object.keys(FIELDS).filter((key) => isEmptyValue(FIELDS[key as keyof typeof FIELDS], 'null'))).toEqual(['gone']);
		expect(Object.keys(FIELDS).filter((key) => isEmptyValue(FIELDS[key as keyof typeof FIELDS], 'textOrNull'))).toEqual(['blank', 'spaces', 'gone']);
	});

	it('skips, nulls or keeps the empty fields, and never sends an absent one', () => {
		const rest = { zero: 0, no: false, list: [], text: ' a ' };
		expect(applyEmptyValues(FIELDS, 'skip', 'text')).toEqual({ gone: null, ...rest });
		expect(applyEmptyValues(FIELDS, 'null', 'text')).toEqual({ blank: null, spaces: null, gone: null, ...rest });
		expect(applyEmptyValues(FIELDS, 'keep', 'text')).toEqual({ blank: '', spaces: '  ', gone: null, ...rest });
		expect(applyEmptyValues(FIELDS, 'skip', 'null')).toEqual({ blank: '', spaces: '  ', ...rest });
		expect(applyEmptyValues(FIELDS, 'skip', 'textOrNull')).toEqual(rest);
		expect(applyEmptyValues(FIELDS, 'null', 'textOrNull')).toEqual({ blank: null, spaces: null, gone: null, ...rest });
		expect('absent' in applyEmptyValues(FIELDS, 'keep', 'textOrNull')).toBe(false);
	});

	it('reads a saved value the node offers, maps older saved values, and runs anything else as the default', () => {
		expect(readEmptyValues({ emptyValues: 'null' }, BATCH)).toBe('null');
		expect(readEmptyValues({ emptyValues: 'keep' }, BATCH)).toBe('skip');
		expect(readEmptyValues({}, CRESCENDO)).toBe('skip');
		expect(readEmptyValues({ nullValues: 'send' }, INSIDER)).toBe('null');
		expect(readEmptyValues({ nullValues: 'omit' }, INSIDER)).toBe('skip');
		expect(readEmptyValues({ nullValues: 'toString' }, INSIDER)).toBe('skip');
		expect(readEmptyValues({ emptyValues: 'null', nullValues: 'omit' }, INSIDER)).toBe('null');
	});

	it('shows one option everywhere: same name, same value names, in one order, with the vendor subset', () => {
		const all = emptyValuesOption({ empty: 'text', choices: ['keep', 'null', 'skip'], default: 'keep' });
		expect(all).toMatchObject({ displayName: 'Empty Values', name: 'emptyValues', type: 'options', default: 'keep' });
		expect(all.options?.map((option) => (option as { value: string }).value)).toEqual(['skip', 'null', 'keep']);
		const crescendo = emptyValuesOption(CRESCENDO);
		expect(crescendo.options?.map((option) => (option as { value: string }).value)).toEqual(['skip', 'null']);
		expect((crescendo.options?.[1] as { description: string }).description).toMatch(/MAAC v1 ignores empty values/);
		expect(crescendo.description).toMatch(/empty text .* or null$/);
		expect(emptyValuesOption(INSIDER).description).toMatch(/^What to do with fields whose value is null\./);
	});
});
