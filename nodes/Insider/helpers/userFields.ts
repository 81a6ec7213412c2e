import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { invalidField } from '../../shared/errors';
import type { UserAddress } from './user';
import { buildAddress } from './user';

// The parameters that name one user (or one identifier) in the user and identifier operations, and their
// reading per item.

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
