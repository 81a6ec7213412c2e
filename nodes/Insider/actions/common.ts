import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { runBulk } from '../../shared/bulk';
import type { Clock } from '../../shared/clock';
import { invalidField } from '../../shared/errors';
import type { Transport } from '../../shared/transport';
import type { UserAddress } from '../helpers/user';
import { buildAddress } from '../helpers/user';
import type { InsiderLimiters } from '../transport';
import { DEFAULT_CONCURRENCY } from '../transport';

/** What every operation gets from the router: one transport and one set of limiters per execution. */
export interface InsiderEnv {
	transport: Transport;
	limiters: InsiderLimiters;
	clock?: Clock;
}

export const identifierTypeOptions = [
	{ name: 'Email', value: 'email' },
	{ name: 'Phone Number', value: 'phone_number' },
	{ name: 'UUID', value: 'uuid' },
	{ name: 'Custom Identifier', value: 'custom' },
];

/** One identifier of one user: its type, the custom identifier's name when custom, and the value. */
export function identifierProperties(prefix = '', label = 'Identifier', withCustom = true): INodeProperties[] {
	return [
		{
			displayName: `${label} Type`,
			name: `${prefix}identifierType`,
			type: 'options',
			options: withCustom ? identifierTypeOptions : identifierTypeOptions.filter((option) => option.value !== 'custom'),
			default: 'email',
			description: 'Which kind of identifier the value is',
		},
		{
			displayName: 'Custom Identifier Name',
			name: `${prefix}customIdentifierName`,
			type: 'string',
			default: '',
			required: true,
			placeholder: 'user_loyalty_id',
			description: 'Name of the custom identifier as defined in Identity Resolution Management settings',
			displayOptions: { show: { [`${prefix}identifierType`]: ['custom'] } },
		},
	];
}

/** Fields that address one user either by Insider profile ID or by one identifier. */
export function addressProperties(withCustom = true): INodeProperties[] {
	return [
		{
			displayName: 'Find User By',
			name: 'addressBy',
			type: 'options',
			options: [
				{ name: 'Identifier', value: 'identifier', description: 'Email, phone number, UUID or a custom identifier' },
				{ name: 'Insider ID', value: 'insiderId', description: 'The profile ID shown in the Insider panel' },
			],
			default: 'identifier',
		},
		{
			displayName: 'Insider ID',
			name: 'insiderId',
			type: 'string',
			default: '',
			required: true,
			description: "Insider's profile ID of the user",
			displayOptions: { show: { addressBy: ['insiderId'] } },
		},
		...identifierProperties('', 'Identifier', withCustom).map((property) => ({
			...property,
			displayOptions: { show: { ...property.displayOptions?.show, addressBy: ['identifier'] } },
		})),
		{
			displayName: 'Identifier Value',
			name: 'identifierValue',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'name@example.com',
			description: 'The value of the identifier, e.g. the email address or the E.164 phone number',
			displayOptions: { show: { addressBy: ['identifier'] } },
		},
	];
}

/** Reads one identifier (`{ email: ... }` or `{ custom: { name: ... } }`) from the parameters of one item. */
export function readIdentifier(ctx: IExecuteFunctions, itemIndex: number, prefix: string, valueParameter: string): IDataObject {
	const type = ctx.getNodeParameter(`${prefix}identifierType`, itemIndex) as string;
	const value = ctx.getNodeParameter(valueParameter, itemIndex, '') as unknown;
	if (type === 'custom') {
		const name = String(ctx.getNodeParameter(`${prefix}customIdentifierName`, itemIndex, '')).trim();
		if (!name) throw invalidField(ctx.getNode(), itemIndex, `${prefix}customIdentifierName`, 'is required for a custom identifier');
		return { custom: { [name]: value } } as IDataObject;
	}
	return { [type]: value } as IDataObject;
}

/** The user one item addresses, validated. */
export function readAddress(ctx: IExecuteFunctions, itemIndex: number): UserAddress {
	const by = ctx.getNodeParameter('addressBy', itemIndex) as string;
	if (by === 'insiderId') {
		const insiderId = ctx.getNodeParameter('insiderId', itemIndex, '');
		if (insiderId === '' || insiderId === null || insiderId === undefined) {
			throw invalidField(ctx.getNode(), itemIndex, 'insiderId', 'is empty: give the Insider profile ID');
		}
		return buildAddress(ctx.getNode(), itemIndex, { insiderId });
	}
	const identifier = readIdentifier(ctx, itemIndex, '', 'identifierValue');
	return buildAddress(ctx.getNode(), itemIndex, { identifiers: identifier });
}

/** Keys that keep two requests about one user in order under concurrency. */
export function addressKeys(address: UserAddress): string[] {
	const keys: string[] = [];
	if (address.insider_id) keys.push(`iid:${address.insider_id}`);
	for (const [key, value] of Object.entries(address.identifiers ?? {})) {
		if (key === 'custom' && value && typeof value === 'object') {
			for (const [name, customValue] of Object.entries(value)) keys.push(`c.${name}:${String(customValue)}`);
		} else {
			keys.push(`${key}:${String(value)}`);
		}
	}
	return keys;
}

export const concurrencyOption: INodeProperties = {
	displayName: 'Requests in Parallel',
	name: 'concurrency',
	type: 'number',
	typeOptions: { minValue: 1, maxValue: 16 },
	default: DEFAULT_CONCURRENCY,
	description: 'How many requests may be in flight at once; the node still paces them under the documented per-minute limit',
};

export function readConcurrency(ctx: IExecuteFunctions): number {
	const value = Number(ctx.getNodeParameter('options.concurrency', 0, DEFAULT_CONCURRENCY));
	return Number.isFinite(value) && value >= 1 ? Math.min(16, Math.floor(value)) : DEFAULT_CONCURRENCY;
}

export interface SingleRequest {
	method: 'POST' | 'PATCH' | 'DELETE';
	path: string;
	body: IDataObject;
	/** Users the request is about, so requests for one user keep their order. */
	keys: string[];
	/** The item's output when the service accepts it. */
	result: IDataObject;
}

/**
 * Endpoints that take one user per request (identity, deletion, anonymisation): each item is its own
 * request, sent through the shared bulk path for validation up front, concurrency and per-item results.
 */
export async function runSingleRequests(
	ctx: IExecuteFunctions,
	env: InsiderEnv,
	limiter: InsiderLimiters[keyof InsiderLimiters],
	requestName: string,
	prepare: (itemIndex: number) => SingleRequest,
): Promise<INodeExecutionData[][]> {
	const { results } = await runBulk<SingleRequest>(ctx, ctx.getInputData().length, {
		prepare,
		limits: { maxUnits: 1 },
		concurrency: readConcurrency(ctx),
		keys: (payload) => payload.keys,
		requestName,
		send: async ([entry]) => {
			await env.transport.request({ method: entry.payload.method, path: entry.payload.path, body: entry.payload.body, limiter });
			return [{ json: entry.payload.result }];
		},
	});
	return results.output();
}
