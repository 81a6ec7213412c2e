import type { FieldType, ILoadOptionsFunctions, ResourceMapperField, ResourceMapperFields } from 'n8n-workflow';

import { GENDERS } from '../transport';

interface FieldSpec {
	id: string;
	name: string;
	type?: FieldType;
	options?: string[];
}

/** Profile fields the import sends (reference §4.1, §4.2); custom fields go through "Map Automatically". */
const PROFILE_FIELDS: FieldSpec[] = [
	{ id: 'line_uid', name: 'LINE UID' },
	{ id: 'display_email', name: 'Display Email' },
	{ id: 'display_mobile', name: 'Display Mobile' },
	{ id: 'connect_id', name: 'Connect ID' },
	{ id: 'customer_id', name: 'Customer ID' },
	{ id: 'display_name', name: 'Display Name' },
	{ id: 'full_name', name: 'Full Name' },
	{ id: 'gender', name: 'Gender', type: 'options', options: GENDERS.profileApi },
	{ id: 'birthday', name: 'Birthday (YYYY-MM-DD)' },
	{ id: 'region', name: 'Region (Country Code)' },
	{ id: 'city', name: 'City' },
	{ id: 'address', name: 'Address' },
	{ id: 'company', name: 'Company' },
	{ id: 'member_level', name: 'Member Level' },
	{ id: 'note', name: 'Note' },
	{ id: 'tags', name: 'Tags (Comma-Separated)' },
];

/** Columns of the MAAC v1 import (reference §5B B1). */
const MAAC_FIELDS: FieldSpec[] = [
	{ id: 'line_uid', name: 'LINE UID' },
	{ id: 'line_display_name', name: 'LINE Display Name' },
	{ id: 'email', name: 'Email' },
	{ id: 'mobile', name: 'Mobile' },
	{ id: 'customer_id', name: 'Customer ID' },
	{ id: 'gender', name: 'Gender', type: 'options', options: GENDERS.maacApi },
	{ id: 'birthday', name: 'Birthday (YYYY-MM-DD)' },
	{ id: 'tags', name: 'Tags (Comma-Separated)' },
];

export async function getContactFields(this: ILoadOptionsFunctions): Promise<ResourceMapperFields> {
	const surface = this.getNodeParameter('authentication', 'profileApi') as string;
	const specs = surface === 'maacApi' ? MAAC_FIELDS : PROFILE_FIELDS;
	const fields: ResourceMapperField[] = specs.map((spec) => ({
		id: spec.id,
		displayName: spec.name,
		required: false,
		defaultMatch: false,
		canBeUsedToMatch: false,
		display: true,
		type: spec.type ?? 'string',
		...(spec.options ? { options: spec.options.map((value) => ({ name: value, value })) } : {}),
	}));
	return { fields };
}
