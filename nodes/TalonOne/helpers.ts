import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { runBulk } from '../shared/bulk';
import { invalidField } from '../shared/errors';
import type { TalonOneApi } from './transport';
import { CONCURRENT_REQUESTS } from './transport';

/** A required ID or name: a non-empty string of at most `maxLength` characters (numbers are accepted as text). */
export function requiredText(
	ctx: IExecuteFunctions,
	itemIndex: number,
	field: string,
	value: unknown,
	maxLength: number,
): string {
	if (typeof value === 'number' && Number.isFinite(value)) value = String(value);
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

/** A list given as an array or as comma-separated text; empty entries of the text form are ignored. */
function listOf(value: unknown): unknown[] {
	if (value === undefined || value === null || value === '') return [];
	if (Array.isArray(value)) return value;
	if (typeof value === 'string') {
		return value
			.split(',')
			.map((part) => part.trim())
			.filter((part) => part !== '');
	}
	return [value];
}

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

export interface SingleCall<P> {
	/** Builds and validates one item's request input; throws `invalidField` for bad input. */
	prepare: (itemIndex: number) => P;
	/** Calls that share a key are sent one after another, in item order. */
	key: (payload: P) => string;
	send: (payload: P, itemIndex: number) => Promise<IDataObject>;
	requestName: string;
}

/** Operations with one request per item: a bulk run of batches of one, so validation and results stay shared. */
export async function perItem<P>(ctx: IExecuteFunctions, call: SingleCall<P>): Promise<INodeExecutionData[][]> {
	const { results } = await runBulk<P>(ctx, ctx.getInputData().length, {
		prepare: call.prepare,
		limits: { maxUnits: 1 },
		keys: (payload) => [call.key(payload)],
		concurrency: CONCURRENT_REQUESTS,
		requestName: call.requestName,
		send: async ([entry]) => [{ json: await call.send(entry.payload, entry.itemIndex) }],
	});
	return results.output();
}

export type OperationExecute = (this: IExecuteFunctions, api: TalonOneApi) => Promise<INodeExecutionData[][]>;
