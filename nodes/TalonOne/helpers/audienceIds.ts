import type { IExecuteFunctions } from 'n8n-workflow';

import { invalidField } from '../../shared/errors';
import { listOf } from '../../shared/lists';

/** Internal audience IDs: positive integers (§4.1), given as numbers or numeric text. */
export function audienceNumbers(ctx: IExecuteFunctions, itemIndex: number, field: string, value: unknown): number[] {
	return listOf(value).map((entry, position) => {
		const id = typeof entry === 'string' && /^\d+$/.test(entry.trim()) ? Number(entry) : entry;
		if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1) {
			throw invalidField(
				ctx.getNode(),
				itemIndex,
				field,
				`entry ${position} (${JSON.stringify(entry)}) is not an audience ID: a whole number of at least 1 is expected`,
			);
		}
		return id;
	});
}

/** External audience IDs (integration IDs): non-empty text of at most `maxLength` characters (§5.2). */
export function audienceTexts(
	ctx: IExecuteFunctions,
	itemIndex: number,
	field: string,
	value: unknown,
	maxLength: number,
): string[] {
	return listOf(value).map((entry, position) => {
		const text = typeof entry === 'number' && Number.isFinite(entry) ? String(entry) : entry;
		if (typeof text !== 'string' || text.trim() === '' || text.length > maxLength) {
			throw invalidField(
				ctx.getNode(),
				itemIndex,
				field,
				`entry ${position} (${JSON.stringify(entry)}) is not an external audience ID: 1–${maxLength} characters of text are expected`,
			);
		}
		return text.trim();
	});
}
