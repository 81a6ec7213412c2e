import type { INodeProperties } from 'n8n-workflow';

import { MAX_ID_LENGTH } from '../transport';

/** The fields both customer profile operations share: which profile, and which audiences to change. */
export const profileIdField: INodeProperties = {
	displayName: 'Customer Profile ID',
	name: 'customerProfileId',
	type: 'string',
	required: true,
	default: '',
	placeholder: 'e.g. {{ $json.customerId }}',
	description: `The profile's integration ID in Talon.One (at most ${MAX_ID_LENGTH} characters). A profile that does not exist yet is created.`,
};

export function audienceListField(name: string, displayName: string, verb: string): INodeProperties {
	return {
		displayName,
		name,
		type: 'string',
		default: '',
		placeholder: 'e.g. 12, 15 or {{ $json.audiences }}',
		description: `Audiences to ${verb}: a comma-separated list or an expression that returns an array`,
	};
}
