import type { IExecuteFunctions } from 'n8n-workflow';

import { invalidField } from '../../shared/errors';

/** A required ID or name: a non-empty string of at most `maxLength` characters (numbers are accepted as text). */
export function requiredText(
	ctx: IExecuteFunctions,
	itemIndex: number,
	field: string,
	value: unknown,
	maxLength: number,
): string {
	if (typeof value === 'number' && Number.isFinite(value)) value = String(value);
	// An expression such as {{ $json.id }} gives undefined when the input item has no such field.
	if (value === undefined || value === null) throw invalidField(ctx.getNode(), itemIndex, field, 'is missing; every item needs a value');
	if (typeof value !== 'string') throw invalidField(ctx.getNode(), itemIndex, field, `must be text, got ${describe(value)}`);
	const text = value.trim();
	if (text === '') throw invalidField(ctx.getNode(), itemIndex, field, 'must not be empty');
	if (text.length > maxLength) {
		throw invalidField(ctx.getNode(), itemIndex, field, `is ${text.length} characters long; at most ${maxLength} are allowed`);
	}
	return text;
}

function describe(value: unknown): string {
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'a list';
	return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}
