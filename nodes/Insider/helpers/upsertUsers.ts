import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { BulkEntry } from '../../shared/bulk';
import type { EmptyValues } from '../../shared/emptyValues';
import { readEmptyValues } from '../../shared/emptyValues';
import { invalidField } from '../../shared/errors';
import { textList } from '../../shared/lists';
import { parseJsonParameter } from '../../shared/mapping';
import type { AttributeCatalogue } from './attributes';
import { buildAttributes, EMPTY_VALUES } from './attributes';
import type { UpsertUser } from './user';
import { buildAddress, buildEvents, DEFAULT_IDENTIFIER_KEYS, isPlainObject } from './user';

// The users of Create or Update (§5.1): built from each item's own fields or from the field-by-field
// parameters, the request envelope around them, and what each accepted user outputs.

/** How Map Automatically reads an item's fields. */
export interface AutoMapSettings {
	customIdentifierFields: string[];
	ignoreFields: string[];
	nulls: EmptyValues;
	catalogue?: AttributeCatalogue;
}

/** Default plus custom attributes sent for one user. */
function countAttributes(attributes: IDataObject | undefined): number {
	if (!attributes) return 0;
	const custom = isPlainObject(attributes.custom) ? Object.keys(attributes.custom).length : 0;
	return Object.keys(attributes).filter((key) => key !== 'custom').length + custom;
}

/** Builds one user from an item's own fields (Map Automatically). */
function userFromItem(
	ctx: IExecuteFunctions,
	itemIndex: number,
	json: IDataObject,
	settings: AutoMapSettings,
): UpsertUser {
	const node = ctx.getNode();
	const identifiers: IDataObject = isPlainObject(json.identifiers) ? { ...json.identifiers } : {};
	const custom: IDataObject = {};
	const attributeFields: IDataObject = isPlainObject(json.attributes) ? { ...json.attributes } : {};
	for (const [key, value] of Object.entries(json)) {
		if (settings.ignoreFields.includes(key)) continue;
		if (['identifiers', 'attributes', 'events', 'insider_id', 'not_append', 'append'].includes(key)) continue;
		if ((DEFAULT_IDENTIFIER_KEYS as readonly string[]).includes(key)) {
			if (identifiers[key] === undefined) identifiers[key] = value;
		} else if (settings.customIdentifierFields.includes(key)) {
			custom[key] = value;
		} else {
			attributeFields[key] = value;
		}
	}
	const address = buildAddress(node, itemIndex, { insiderId: json.insider_id, identifiers, custom });
	const user: UpsertUser = { ...address };
	const attributes = buildAttributes(node, itemIndex, attributeFields, settings.nulls, undefined, settings.catalogue);
	if (attributes) user.attributes = attributes;
	const events = buildEvents(node, itemIndex, json.events);
	if (events.length > 0) user.events = events;
	if (typeof json.not_append === 'boolean') user.not_append = json.not_append;
	if (typeof json.append === 'boolean') user.not_append = !json.append;
	return user;
}

/** Builds one user from the field-by-field parameters (Define Below). */
function userFromParameters(ctx: IExecuteFunctions, itemIndex: number, nulls: EmptyValues, catalogue?: AttributeCatalogue): UpsertUser {
	const node = ctx.getNode();
	const identifiers = ctx.getNodeParameter('identifiers', itemIndex, {}) as IDataObject;
	const customList = (ctx.getNodeParameter('customIdentifiers.identifier', itemIndex, []) as IDataObject[]) ?? [];
	const custom: IDataObject = {};
	customList.forEach((entry, position) => {
		const name = String(entry.name ?? '').trim();
		if (!name) throw invalidField(node, itemIndex, `customIdentifiers.${position}.name`, 'is empty');
		custom[name] = entry.value;
	});
	const address = buildAddress(node, itemIndex, {
		insiderId: ctx.getNodeParameter('insiderId', itemIndex, ''),
		identifiers,
		custom,
	});
	const attributeList = (ctx.getNodeParameter('attributes.attribute', itemIndex, []) as IDataObject[]) ?? [];
	const fields: IDataObject = {};
	attributeList.forEach((entry, position) => {
		const name = String(entry.name ?? '').trim();
		if (!name) throw invalidField(node, itemIndex, `attributes.${position}.name`, 'is empty');
		fields[name] = entry.value;
	});
	const eventList = (ctx.getNodeParameter('events.event', itemIndex, []) as IDataObject[]) ?? [];
	const rawEvents = eventList.map((entry, position) => {
		let params: unknown;
		try {
			params = parseJsonParameter(entry.params);
		} catch (error) {
			throw invalidField(node, itemIndex, `events.${position}.event_params`, `is not valid JSON: ${(error as Error).message}`);
		}
		const event: IDataObject = { event_name: entry.name, timestamp: entry.timestamp };
		if (params !== undefined) event.event_params = params as IDataObject;
		return event;
	});
	const user: UpsertUser = { ...address };
	const attributes = buildAttributes(node, itemIndex, fields, nulls, undefined, catalogue);
	if (attributes) user.attributes = attributes;
	const events = buildEvents(node, itemIndex, rawEvents);
	if (events.length > 0) user.events = events;
	return user;
}

/**
 * Reads the run-wide options once and returns the reader of one item's user, in the chosen mapping mode,
 * with its checks: something to send, and Replace Array Attributes applied.
 */
export function userReader(
	ctx: IExecuteFunctions,
	options: IDataObject,
	catalogue?: AttributeCatalogue,
): (itemIndex: number) => UpsertUser {
	const items = ctx.getInputData();
	const mode = ctx.getNodeParameter('mappingMode', 0) as string;
	const nulls = readEmptyValues(options, EMPTY_VALUES);
	const settings: AutoMapSettings = {
		customIdentifierFields: textList(options.customIdentifierFields),
		ignoreFields: textList(options.ignoreFields),
		nulls,
		catalogue,
	};
	return (itemIndex) => {
		const user =
			mode === 'defineBelow'
				? userFromParameters(ctx, itemIndex, nulls, catalogue)
				: userFromItem(ctx, itemIndex, items[itemIndex].json, settings);
		if (!user.attributes && !user.events) {
			throw invalidField(ctx.getNode(), itemIndex, 'attributes', 'the user has no attributes and no events to send');
		}
		if (options.replaceArrays === true) user.not_append = true;
		return user;
	};
}

/** The request body around the users: `users` plus the run-wide flags that are set. */
export function upsertEnvelope(options: IDataObject): IDataObject {
	const envelope: IDataObject = { users: [] };
	if (options.skipHook === true) envelope.skip_hook = true;
	const callback = String(options.errorCallbackUrl ?? '').trim();
	if (callback) envelope.error_callback_endpoint = callback;
	return envelope;
}

/** What an accepted user outputs: how it was addressed and how much was sent for it. */
export function acceptedUser(entry: BulkEntry<UpsertUser>): IDataObject {
	return {
		status: 'accepted',
		...(entry.payload.insider_id ? { insider_id: entry.payload.insider_id } : {}),
		...(entry.payload.identifiers ? { identifiers: entry.payload.identifiers } : {}),
		attributes: countAttributes(entry.payload.attributes),
		events: entry.payload.events?.length ?? 0,
	};
}
