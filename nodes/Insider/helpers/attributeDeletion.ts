import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { invalidField } from '../../shared/errors';
import { textList } from '../../shared/lists';
import { parseJsonParameter } from '../../shared/mapping';
import type { AttributeCatalogue } from './attributes';
import { classifyAttribute } from './attributes';
import type { UserAddress } from './user';
import { readAddress } from './userFields';

export interface AttributeDeletion extends UserAddress {
	whole?: string[];
	partial?: IDataObject;
	custom?: { whole?: string[]; partial?: IDataObject };
}

/**
 * The deletion of whole attributes of one user (§5.4): default ones under `whole`, custom ones (named
 * without `c_`) under `custom.whole`.
 */
export function wholeDeletion(address: UserAddress, names: Array<{ custom: boolean; key: string }>): AttributeDeletion {
	const deletion: AttributeDeletion = { ...address };
	const whole = names.filter((name) => !name.custom).map((name) => name.key);
	const customWhole = names.filter((name) => name.custom).map((name) => name.key);
	if (whole.length > 0) deletion.whole = whole;
	if (customWhole.length > 0) deletion.custom = { whole: customWhole };
	return deletion;
}

/** The values to remove from an array attribute: a JSON list, or comma-separated text. */
function readValues(ctx: IExecuteFunctions, itemIndex: number): unknown[] {
	const raw = ctx.getNodeParameter('values', itemIndex, '') as unknown;
	if (Array.isArray(raw)) return raw;
	const text = String(raw ?? '').trim();
	if (text.startsWith('[')) {
		let parsed: unknown;
		try {
			parsed = parseJsonParameter(text);
		} catch (error) {
			throw invalidField(ctx.getNode(), itemIndex, 'values', `is not a valid JSON list: ${(error as Error).message}`);
		}
		if (Array.isArray(parsed)) return parsed;
	}
	const values = textList(text);
	if (values.length === 0) throw invalidField(ctx.getNode(), itemIndex, 'values', 'give at least one value to remove');
	return values;
}

/** What one item deletes for its user, each name placed as a default or a custom attribute. */
export function readDeletion(ctx: IExecuteFunctions, itemIndex: number, catalogue?: AttributeCatalogue): AttributeDeletion {
	const address = readAddress(ctx, itemIndex);
	const mode = ctx.getNodeParameter('mode', itemIndex) as string;
	if (mode === 'partial') {
		const deletion: AttributeDeletion = { ...address };
		const name = String(ctx.getNodeParameter('attributeName', itemIndex, '')).trim();
		if (!name) throw invalidField(ctx.getNode(), itemIndex, 'attributeName', 'choose the array attribute');
		const { custom, key } = classifyAttribute(name, catalogue);
		const values = readValues(ctx, itemIndex);
		if (custom) deletion.custom = { partial: { [key]: values } };
		else deletion.partial = { [key]: values };
		return deletion;
	}
	const names = textList(ctx.getNodeParameter('attributeNames', itemIndex, []));
	if (names.length === 0) throw invalidField(ctx.getNode(), itemIndex, 'attributeNames', 'choose at least one attribute');
	return wholeDeletion(address, names.map((name) => classifyAttribute(name, catalogue)));
}
