import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { BulkEntry, EntryOutcome } from '../../../shared/bulk';
import { runBulk } from '../../../shared/bulk';
import type { SyneriseApi } from '../../transport';
import { SINGLE_CONCURRENCY } from '../../transport';

/**
 * Get by phone: not shown in Synerise's public material (reference §0, inferred). The hub lists a
 * `batch/by-phone` lookup, so one phone number may match several profiles; the node accepts a list answer.
 */
export const GET_BY_PHONE_SEGMENT = 'by-phone';
/** Get by customId: not shown in public material either (reference §0, §6.5, inferred, also the casing). */
export const GET_BY_CUSTOM_ID_SEGMENT = 'by-customId';
/**
 * Delete by customId is spelled two ways in Synerise's own clients (reference §0): `by-customid` in the
 * php-sdk (2025, and on the update route in every client), `by-custom-id` in the hub reference and the
 * Magento client. Inferred: the php-sdk spelling first; on a 404 without an error body (no such route) the
 * node tries the other spelling once and keeps the one that worked for the rest of the execution.
 */
export const DELETE_BY_CUSTOM_ID_SEGMENT = 'by-customid';
export const DELETE_BY_CUSTOM_ID_OTHER_SEGMENT = 'by-custom-id';

/** Path segments of the identifier routes (reference §6.5–6.7). */
export const PROFILE_PATHS = {
	byId: (clientId: string) => `/v4/clients/${clientId}`,
	getBy: {
		email: 'by-email',
		uuid: 'by-uuid',
		phone: GET_BY_PHONE_SEGMENT,
		customId: GET_BY_CUSTOM_ID_SEGMENT,
	} as Record<string, string>,
	updateBy: { email: 'by-email', customId: 'by-customid' } as Record<string, string>,
};

/**
 * Version 2 reports a write as what Synerise's 202 means, `status: "queued"`: the change is applied later
 * and no source shows a per-item result (reference §0, §9). Version 1 keeps its `accepted: true` and
 * `deleted: true`, so saved workflows that read them keep working.
 */
export function queuedResult(ctx: IExecuteFunctions, legacy: IDataObject, fields: IDataObject): IDataObject {
	if (ctx.getNode().typeVersion < 2) return { ...legacy, ...fields };
	return { status: 'queued', ...fields };
}

export const profileFields: INodeProperties = {
	displayName: 'Profile Fields',
	name: 'columns',
	type: 'resourceMapper',
	noDataExpression: true,
	default: { mappingMode: 'autoMapInputData', value: null },
	required: true,
	typeOptions: {
		resourceMapper: {
			resourceMapperMethod: 'getProfileFields',
			mode: 'add',
			fieldWords: { singular: 'field', plural: 'fields' },
			addAllFields: false,
			multiKeyMatch: false,
			supportAutoMap: true,
		},
	},
	description:
		'Map Automatically sends every field of the input item: profile fields (email, phone, customId, uuid, firstName, city, birthDate, agreements, tags…) by name, any other field as a custom attribute. Map Each Field Below picks profile fields one by one.',
};

export const customAttributesField: INodeProperties = {
	displayName: 'Custom Attributes (JSON)',
	name: 'customAttributes',
	type: 'json',
	default: '{}',
	description:
		'Custom attributes as a JSON object, e.g. {"loyaltyTier": "gold", "hasDog": true}. A null value deletes the attribute from the profile.',
};

export function profileOptions(extra: INodeProperties[] = []): INodeProperties {
	return {
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Empty Values',
				name: 'emptyValues',
				type: 'options',
				options: [
					{ name: 'Skip the Field', value: 'skip', description: 'The profile keeps what it has' },
					{ name: 'Send Null to Clear It', value: 'null', description: 'Resets a profile field, deletes a custom attribute' },
				],
				default: 'skip',
				description: 'What to do with empty text: Synerise refuses empty strings, so they are never sent as they are',
			},
			{
				displayName: 'Other Item Fields',
				name: 'otherFields',
				type: 'options',
				options: [
					{ name: 'Send as Custom Attributes', value: 'attributes' },
					{ name: 'Ignore', value: 'ignore' },
				],
				default: 'attributes',
				description: 'With Map Automatically: what happens to item fields that are not profile fields',
			},
			...extra,
		],
	};
}

/** A single call's failure handed back rather than thrown (e.g. after trying a second route). */
export class Failed {
	constructor(readonly error: unknown) {}
}

export interface SingleRequest {
	/** Keys of the profile it touches, so calls on one profile run in input order. */
	keys: string[];
	send: (api: SyneriseApi) => Promise<IDataObject | Failed>;
}

/**
 * Single-profile operations: an item is a batch of one through the shared bulk path, so every item is
 * validated before any call, calls run a few at a time, and every item gets exactly one result.
 */
export async function runPerItem(
	ctx: IExecuteFunctions,
	api: SyneriseApi,
	prepare: (itemIndex: number) => SingleRequest,
	requestName: string,
) {
	const run = await runBulk<SingleRequest>(ctx, ctx.getInputData().length, {
		prepare,
		limits: { maxUnits: 1 },
		concurrency: SINGLE_CONCURRENCY,
		keys: (request) => request.keys,
		requestName,
		send: async (batch: Array<BulkEntry<SingleRequest>>): Promise<EntryOutcome[]> => {
			const result = await batch[0].payload.send(api);
			return [result instanceof Failed ? { error: result.error } : { json: result }];
		},
	});
	return run.results.output();
}
