import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { runEach } from '../../../shared/bulk';
import { concurrencyOption, readConcurrency } from '../../helpers/concurrency';
import { count } from '../../helpers/limitTexts';
import type { UserAddress } from '../../helpers/user';
import { addressKeys } from '../../helpers/user';
import { addressProperties, readAddress } from '../../helpers/userFields';
import type { InsiderApi } from '../../transport';
import { ANONYMIZE_BY_IDENTIFIER_PATH, ANONYMIZE_BY_INSIDER_ID_PATH, ANONYMIZE_REQUESTS_PER_MINUTE } from '../../transport';

const properties: INodeProperties[] = [
	{
		displayName: `Removes every personal attribute and the email and phone identifiers for good; the profile, its events and other attributes stay. One user per request, paced under ${count(ANONYMIZE_REQUESTS_PER_MINUTE)} requests a minute.`,
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

/** One anonymise request per user, on the path that takes how the user is addressed. */
export async function execute(this: IExecuteFunctions, api: InsiderApi): Promise<INodeExecutionData[][]> {
	return await runEach<UserAddress>(this, {
		prepare: (itemIndex) => readAddress(this, itemIndex),
		keys: addressKeys,
		concurrency: readConcurrency(this),
		requestName: 'The anonymise request',
		send: async (address) => {
			const byId = address.insider_id !== undefined;
			await api.transport.request({
				method: 'POST',
				path: byId ? ANONYMIZE_BY_INSIDER_ID_PATH : ANONYMIZE_BY_IDENTIFIER_PATH,
				body: byId ? { insider_id: address.insider_id } : { identifiers: address.identifiers },
				limiter: api.limiters.anonymize,
			});
			return { anonymized: true, ...address };
		},
	});
}
