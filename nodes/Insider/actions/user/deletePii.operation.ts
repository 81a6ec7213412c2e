import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import type { InsiderEnv } from '../common';
import { addressKeys, addressProperties, concurrencyOption, readAddress, runSingleRequests } from '../common';

// Two endpoints with one effect (§5.8): by profile ID on the contact path, by identifier on the user path.
const ANONYMIZE_BY_INSIDER_ID_PATH = '/api/contact/v1/anonymize';
const ANONYMIZE_BY_IDENTIFIER_PATH = '/api/user/v1/anonymize';

const properties: INodeProperties[] = [
	{
		displayName:
			'Removes every personal attribute and the email and phone identifiers for good; the profile, its events and other attributes stay. One user per request, paced under 500 requests a minute.',
		name: 'deletePiiNotice',
		type: 'notice',
		default: '',
	},
	// The by-identifier endpoint takes email, phone number or UUID only.
	...addressProperties(false),
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [concurrencyOption],
	},
];

export const description = updateDisplayOptions({ show: { resource: ['user'], operation: ['deletePii'] } }, properties);

export async function execute(this: IExecuteFunctions, env: InsiderEnv): Promise<INodeExecutionData[][]> {
	return await runSingleRequests(this, env, env.limiters.anonymize, 'The anonymise request', (itemIndex) => {
		const address = readAddress(this, itemIndex);
		const byId = address.insider_id !== undefined;
		return {
			method: 'POST',
			path: byId ? ANONYMIZE_BY_INSIDER_ID_PATH : ANONYMIZE_BY_IDENTIFIER_PATH,
			body: byId ? { insider_id: address.insider_id } : { identifiers: address.identifiers },
			keys: addressKeys(address),
			result: { anonymized: true, ...address },
		};
	});
}
