import type { IDataObject, IExecuteFunctions, INode } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { ChangeGranularity } from '../../shared/changes';
import { invalidField, isParameterError, parameterFailed } from '../../shared/errors';
import type { EmptyValuePolicy } from '../../shared/mapping';
import { applyEmptyPolicy } from '../../shared/mapping';
import type { AttributeOptions, ColumnTypes } from './attributes';
import { AttributeProblem, buildAttributes, buildEvents, customIdOf, nameSet, textColumns } from './attributes';

/** One item's profile operation as the node built it from the item and the parameters. */
export interface Profile {
	customId: string;
	attributes: IDataObject;
	events?: IDataObject[];
}

/** Create or Update's options, read once for the run. */
export interface ProfileSettings {
	onlySendChanges: boolean;
	granularity: ChangeGranularity;
	attributes: AttributeOptions;
	emptyValues: EmptyValuePolicy;
	convertTextValues: boolean;
	route: string;
	profilesPerSecond: number;
}

export function profileSettings(options: IDataObject): ProfileSettings {
	const normalizeNames = options.normalizeNames === true;
	return {
		onlySendChanges: options.onlySendChanges !== false,
		granularity: options.changedAttributesOnly === true ? 'attribute' : 'record',
		attributes: {
			normalizeNames,
			detectDates: options.detectDates !== false,
			dateAttributes: nameSet(options.dateAttributes, normalizeNames),
			urlAttributes: nameSet(options.urlAttributes, normalizeNames),
		},
		emptyValues: (options.emptyValues as EmptyValuePolicy | undefined) ?? 'skip',
		convertTextValues: options.convertTextValues === true,
		route: (options.route as string | undefined) ?? 'auto',
		profilesPerSecond: Number(options.profilesPerSecond ?? 0),
	};
}

/** Reads `a.b.c` from an item without mutating it. */
function pathValue(json: IDataObject, path: string): unknown {
	if (path in json) return json[path];
	let current: unknown = json;
	for (const part of path.split('.')) {
		if (current === null || typeof current !== 'object') return undefined;
		current = (current as IDataObject)[part];
	}
	return current;
}

/** The input fields of one item that become custom attributes ("Attributes to Send"). */
function sourceFields(ctx: IExecuteFunctions, itemIndex: number, customIdField: string): IDataObject {
	const mode = ctx.getNodeParameter('attributesToSend', itemIndex) as string;
	const json = ctx.getInputData()[itemIndex].json;
	if (mode === 'none') return {};
	if (mode === 'selectedFields') {
		const out: IDataObject = {};
		for (const name of nameSet(ctx.getNodeParameter('fieldsToInclude', itemIndex, ''), false)) {
			const value = pathValue(json, name);
			if (value !== undefined) out[name] = value as IDataObject[string];
		}
		return out;
	}
	const excluded = nameSet(ctx.getNodeParameter('fieldsToExclude', itemIndex, ''), false);
	excluded.add(customIdField);
	const out: IDataObject = {};
	for (const [key, value] of Object.entries(json)) if (!excluded.has(key)) out[key] = value;
	return out;
}

/** Why one item cannot be sent, as an error naming the item and the field or parameter. */
function itemProblem(node: INode, itemIndex: number, error: unknown): NodeOperationError {
	if (error instanceof AttributeProblem) return invalidField(node, itemIndex, error.field, error.message);
	if (isParameterError(error)) return parameterFailed(node, itemIndex, error);
	const text = error instanceof Error ? error.message : String(error);
	const message = /^Item \d+\b/.test(text) ? text : `Item ${itemIndex}: ${text}`;
	return new NodeOperationError(node, message, { itemIndex, description: (error as { description?: string })?.description ?? undefined });
}

/**
 * Every item read and checked, in input order: its profile, or the error that fails it before anything is
 * sent. The fields of every item are read first, so "Convert Text Values" can type each column from all of
 * its cells.
 */
export function readProfiles(ctx: IExecuteFunctions, settings: ProfileSettings): Array<Profile | Error> {
	const items = ctx.getInputData();
	const node = ctx.getNode();
	const read: Array<Profile | Error> = new Array(items.length);
	const sources = new Map<number, { customIdField: string; fields: IDataObject }>();
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const customIdField = ctx.getNodeParameter('customIdField', itemIndex) as string;
			const fields = applyEmptyPolicy(sourceFields(ctx, itemIndex, customIdField), settings.emptyValues === 'null' ? 'null' : 'skip');
			sources.set(itemIndex, { customIdField, fields });
		} catch (error) {
			read[itemIndex] = itemProblem(node, itemIndex, error);
		}
	}
	const types: ColumnTypes = new Map();
	const textKinds = settings.convertTextValues
		? textColumns([...sources.values()].map((source) => source.fields), settings.attributes.detectDates)
		: undefined;
	for (const [itemIndex, { customIdField, fields }] of sources) {
		try {
			const customId = customIdOf(customIdField, pathValue(items[itemIndex].json, customIdField));
			const natives = ctx.getNodeParameter('nativeAttributes', itemIndex, {}) as IDataObject;
			const additional = ctx.getNodeParameter('additionalFields', itemIndex, {}) as IDataObject;
			const events = buildEvents('events', additional.events);
			const attributes = buildAttributes(fields, natives, settings.attributes, textKinds && { types, itemIndex, textKinds });
			if (Object.keys(attributes).length === 0 && !events) {
				throw new AttributeProblem(customIdField, 'the profile has no attributes and no events to send');
			}
			read[itemIndex] = { customId, attributes, events: events as IDataObject[] | undefined };
		} catch (error) {
			read[itemIndex] = itemProblem(node, itemIndex, error);
		}
	}
	return read;
}

export interface CustomIdGroup {
	items: number[];
	/** The attributes Batch holds once every item of the group is applied, later items winning. */
	final: { customId: string; attributes: IDataObject };
	hasEvents: boolean;
}

/** The items of each Custom ID, in input order; failed items are left out. */
export function groupByCustomId(profiles: Array<Profile | Error>): Map<string, CustomIdGroup> {
	const groups = new Map<string, CustomIdGroup>();
	profiles.forEach((profile, itemIndex) => {
		if (profile instanceof Error) return;
		const { customId, attributes, events } = profile;
		const group = groups.get(customId);
		if (!group) {
			groups.set(customId, { items: [itemIndex], final: { customId, attributes }, hasEvents: events !== undefined });
			return;
		}
		group.items.push(itemIndex);
		group.final = { customId, attributes: { ...group.final.attributes, ...attributes } };
		group.hasEvents ||= events !== undefined;
	});
	return groups;
}
