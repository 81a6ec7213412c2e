// The fields Create, Create or Update and Update share: what a profile is made of, and how to send it.
import type { INodeProperties } from 'n8n-workflow';

import type { EmptyValuesRule } from '../../shared/emptyValues';
import { emptyValuesOption } from '../../shared/emptyValues';

/** Synerise refuses empty strings; null resets a profile field or deletes a custom attribute (reference §5.2). */
export const EMPTY_VALUES: EmptyValuesRule = {
	empty: 'text',
	choices: ['skip', 'null'],
	default: 'skip',
	note: 'Synerise refuses empty strings.',
};

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

export const additionalFields: INodeProperties = {
	displayName: 'Additional Fields',
	name: 'additionalFields',
	type: 'collection',
	placeholder: 'Add Field',
	default: {},
	options: [
		{
			displayName: 'Custom Attributes (JSON)',
			name: 'customAttributes',
			type: 'json',
			default: '{}',
			description:
				'Custom attributes as a JSON object, e.g. {"loyaltyTier": "gold", "hasDog": true}. A null value deletes the attribute from the profile.',
		},
	],
};

export function profileOptions(extra: INodeProperties[] = []): INodeProperties {
	return {
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			emptyValuesOption(EMPTY_VALUES),
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
