import type { IDataObject, IExecuteFunctions, INode } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { ChangeGranularity } from '../../shared/changes';
import { invalidField, isParameterError, parameterFailed } from '../../shared/errors';
import type { EmptyValues, EmptyValuesRule } from '../../shared/emptyValues';
import { applyEmptyValues, readEmptyValues } from '../../shared/emptyValues';
import type { AttributeOptions, ColumnTypes } from './attributes';
import { AttributeProblem, buildAttributes, buildEvents, customIdOf, nameSet, textColumns } from './attributes';

/** One item's profile operation as the node built it from the item and the parameters. */
export interface Profile {
	customId: string;
	attributes: IDataObject;
	events?: IDataObject[];
}

/** Batch refuses empty strings and deletes an attribute sent as null (reference §4.3, §4.4). */
export const EMPTY_VALUES: EmptyValuesRule = {
	empty: 'text',
	choices: ['skip', 'null'],
	default: 'skip',
	note: 'Batch refuses empty strings.',
};

/** Create or Update's options, read once for the run. */
export interface ProfileSettings {
	onlySendChanges: boolean;
	granularity: ChangeGranularity;
	attributes: AttributeOptions;
	emptyValues: EmptyValues;
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
		emptyValues: readEmptyValues(options, EMPTY_VALUES),
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
 * Reads and checks one item at a time, in input order: its profile, or a thrown error that names the item
 * and the field. With "Convert Text Values" the fields of every item are read first, so each column is
 * typed from all of its cells; otherwise nothing is read ahead.
 */
export function profileReader(ctx: IExecuteFunctions, settings: ProfileSettings): (itemIndex: number) => Profile {
	const items = ctx.getInputData();
	const node = ctx.getNode();
	const readSource = (itemIndex: number) => {
		const customIdField = ctx.getNodeParameter('customIdField', itemIndex) as string;
		const fields = applyEmptyValues(sourceFields(ctx, itemIndex, customIdField), settings.emptyValues, EMPTY_VALUES.empty);
		return { customIdField, fields };
	};
	let surveyed: Map<number, ReturnType<typeof readSource> | { error: unknown }> | undefined;
	let textKinds: ReturnType<typeof textColumns> | undefined;
	if (settings.convertTextValues) {
		surveyed = new Map();
		for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
			try {
				surveyed.set(itemIndex, readSource(itemIndex));
			} catch (error) {
				surveyed.set(itemIndex, { error });
			}
		}
		const sources = [...surveyed.values()].filter((source) => 'fields' in source);
		textKinds = textColumns(sources.map((source) => source.fields), settings.attributes.detectDates);
	}
	const types: ColumnTypes = new Map();
	return (itemIndex) => {
		try {
			const source = surveyed ? surveyed.get(itemIndex)! : readSource(itemIndex);
			if ('error' in source) throw source.error;
			const { customIdField, fields } = source;
			const customId = customIdOf(customIdField, pathValue(items[itemIndex].json, customIdField));
			const natives = ctx.getNodeParameter('nativeAttributes', itemIndex, {}) as IDataObject;
			const additional = ctx.getNodeParameter('additionalFields', itemIndex, {}) as IDataObject;
			const events = buildEvents('events', additional.events);
			const attributes = buildAttributes(fields, natives, settings.attributes, textKinds && { types, itemIndex, textKinds });
			if (Object.keys(attributes).length === 0 && !events) {
				throw new AttributeProblem(customIdField, 'the profile has no attributes and no events to send');
			}
			return { customId, attributes, events: events as IDataObject[] | undefined };
		} catch (error) {
			throw itemProblem(node, itemIndex, error);
		}
	};
}

/** Every item read and checked, in input order: its profile, or the error that fails it before anything is sent. */
export function readProfiles(
	ctx: IExecuteFunctions,
	settings: ProfileSettings,
	read = profileReader(ctx, settings),
): Array<Profile | Error> {
	return ctx.getInputData().map((_, itemIndex) => {
		try {
			return read(itemIndex);
		} catch (error) {
			return error as Error;
		}
	});
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
