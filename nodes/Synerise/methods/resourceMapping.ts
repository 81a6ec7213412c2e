import type { ILoadOptionsFunctions, ResourceMapperFields } from 'n8n-workflow';

import { AGREEMENT_FIELDS, IDENTIFIER_FIELDS, NATIVE_FIELDS, SEX_VALUES } from '../helpers/profile';

/** The profile fields Synerise takes on create and update (reference §5.2); custom attributes go beside. */
export async function getProfileFields(this: ILoadOptionsFunctions): Promise<ResourceMapperFields> {
	const fields: ResourceMapperFields['fields'] = NATIVE_FIELDS.map((field) => ({
		id: field.id,
		displayName: field.displayName,
		type: field.type,
		required: false,
		defaultMatch: false,
		canBeUsedToMatch: (IDENTIFIER_FIELDS as readonly string[]).includes(field.id),
		display: true,
		...(field.id === 'sex' ? { options: SEX_VALUES.map((value) => ({ name: value, value })) } : {}),
	}));
	for (const name of AGREEMENT_FIELDS) {
		fields.push({
			id: `agreements.${name}`,
			displayName: `Agreement: ${name}`,
			type: 'boolean',
			required: false,
			defaultMatch: false,
			display: true,
			removed: true,
		});
	}
	return { fields };
}
