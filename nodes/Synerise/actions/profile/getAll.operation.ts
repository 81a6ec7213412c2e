import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { invalidField, requestFailed } from '../../../shared/errors';
import { errorItem } from '../../../shared/results';
import type { SyneriseApi } from '../../transport';
import { LIST_WINDOW, MAX_PAGE_SIZE, PROFILES_PATH } from '../../transport';

const limitField: INodeProperties = {
	displayName: 'Limit',
	name: 'limit',
	type: 'number',
	typeOptions: { minValue: 1 },
	default: 50,
	description: 'Max number of results to return',
	displayOptions: { show: { returnAll: [false] } },
};

const properties: INodeProperties[] = [
	{
		displayName: 'Return All',
		name: 'returnAll',
		type: 'boolean',
		default: false,
		description: 'Whether to return all results or only up to a given limit',
	},
	limitField,
	{
		displayName: `Synerise lists at most ${LIST_WINDOW.toLocaleString('en-US')} profiles per query; the node reads them ${MAX_PAGE_SIZE} at a time. Narrow the filters to reach others.`,
		name: 'listNotice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		options: [
			{ displayName: 'Anonymous Only', name: 'anonymous', type: 'boolean', default: true, description: 'Whether to list only anonymous profiles' },
			{ displayName: 'Email', name: 'email', type: 'string', placeholder: 'name@email.com', default: '', description: 'Only profiles with this email address' },
			{ displayName: 'First Name', name: 'firstName', type: 'string', default: '', description: 'Only profiles with this first name' },
			{ displayName: 'Last Name', name: 'lastName', type: 'string', default: '', description: 'Only profiles with this last name' },
			{ displayName: 'Phone', name: 'phone', type: 'string', default: '', description: 'Only profiles with this phone number' },
		],
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Sort By',
				name: 'sortBy',
				type: 'options',
				options: [
					{ name: 'City', value: 'city' },
					{ name: 'Email', value: 'email' },
					{ name: 'First Name', value: 'firstName' },
					{ name: 'Last Activity Date', value: 'lastActivityDate' },
					{ name: 'Last Name', value: 'lastName' },
					{ name: 'Phone', value: 'phone' },
				],
				default: 'email',
				description: 'Field to sort the profiles by',
			},
			{
				displayName: 'Sort Order',
				name: 'sortOrder',
				type: 'options',
				options: [
					{ name: 'Ascending', value: 'ASC' },
					{ name: 'Descending', value: 'DESC' },
				],
				default: 'ASC',
			},
		],
	},
];

export const description = updateDisplayOptions({ show: { resource: ['profile'], operation: ['getAll'] } }, properties);

/** Query of one list call: filters go as `filters[name]` (reference §6.4). */
function listQuery(filters: IDataObject, options: IDataObject): IDataObject {
	const qs: IDataObject = {};
	for (const [name, value] of Object.entries(filters)) {
		// Text filters are trimmed like identifiers elsewhere: an exact match on " jane@example.com" finds nobody.
		const text = typeof value === 'string' ? value.trim() : value;
		if (text === '' || text === undefined || text === null) continue;
		if (name === 'anonymous' && value !== true) continue;
		qs[`filters[${name}]`] = text;
	}
	if (options.sortBy) qs.sortBy = options.sortBy;
	if (options.sortOrder) qs.sortOrder = options.sortOrder;
	return qs;
}

/** Pages through `GET /v4/clients` (1-based pages, a bare array each) until a short page or the window. */
async function listProfiles(api: SyneriseApi, qs: IDataObject, wanted: number): Promise<{ profiles: IDataObject[]; windowReached: boolean }> {
	const max = Math.min(wanted, LIST_WINDOW);
	const profiles: IDataObject[] = [];
	// Every page of one query has the same size, so page N starts where page N-1 ended.
	const size = Math.min(MAX_PAGE_SIZE, max);
	for (let pageIndex = 1; profiles.length < max; pageIndex++) {
		const response = await api.request<IDataObject[]>({
			method: 'GET',
			path: PROFILES_PATH,
			qs: { ...qs, pageIndex, pageSize: size },
		});
		const page = Array.isArray(response.body) ? response.body : [];
		profiles.push(...page.slice(0, max - profiles.length));
		if (page.length < size || pageIndex * size >= LIST_WINDOW) break;
	}
	const windowReached = wanted > LIST_WINDOW && profiles.length >= LIST_WINDOW;
	return { profiles, windowReached };
}

/**
 * Its own loop rather than the engine's `runEach`, which gives each input item exactly one result: here one
 * item gives as many profiles as match, none included. Items run one after another, each with its own
 * pages; a failed item becomes the engine's error item (Continue On Fail) or stops the node.
 */
export async function execute(this: IExecuteFunctions, api: SyneriseApi): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const out: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const returnAll = this.getNodeParameter('returnAll', itemIndex, false) as boolean;
			const limit = returnAll ? Number.POSITIVE_INFINITY : Number(this.getNodeParameter('limit', itemIndex, limitField.default));
			if (!returnAll && (!Number.isInteger(limit) || limit < 1)) {
				throw invalidField(this.getNode(), itemIndex, 'Limit', 'must be a whole number of at least 1');
			}
			const qs = listQuery(
				this.getNodeParameter('filters', itemIndex, {}) as IDataObject,
				this.getNodeParameter('options', itemIndex, {}) as IDataObject,
			);
			const { profiles, windowReached } = await listProfiles(api, qs, limit);
			if (windowReached) {
				this.addExecutionHints({
					message: `Item ${itemIndex}: Synerise lists at most ${LIST_WINDOW} profiles per query and more may match; narrow the filters to reach the rest.`,
					location: 'outputPane',
				});
			}
			for (const profile of profiles) out.push({ json: profile, pairedItem: { item: itemIndex } });
		} catch (error) {
			const failure = requestFailed(this.getNode(), error, itemIndex, 'The list request');
			if (!this.continueOnFail()) throw failure;
			out.push(errorItem(failure, itemIndex));
		}
	}
	return [out];
}
