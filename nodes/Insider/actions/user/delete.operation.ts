import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { runEach } from '../../../shared/bulk';
import { concurrencyOption, readConcurrency } from '../../helpers/concurrency';
import { count } from '../../helpers/limitTexts';
import type { UserAddress } from '../../helpers/user';
import { addressKeys } from '../../helpers/user';
import { addressProperties, readAddress } from '../../helpers/userFields';
import type { InsiderApi } from '../../transport';
import { USER_DELETE_PATH, USER_DELETE_REQUESTS_PER_MINUTE } from '../../transport';

const properties: INodeProperties[] = [
	{
		displayName: `Deletes the user and all of their data for good. One user per request, paced under the ${count(USER_DELETE_REQUESTS_PER_MINUTE)} requests a minute Insider allows.`,
		name: 'deleteNotice',
		type: 'notice',
		default: '',
	},
	...addressProperties(),
	{
		displayName:
			'Insider documents this endpoint with identifiers only. Deleting by Insider ID sends {"insider_id": …} alone, which Insider\'s own n8n node does but the API reference does not describe: prefer an identifier.',
		name: 'deleteByIdNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { addressBy: ['insiderId'] } },
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [concurrencyOption],
	},
];

export const description = updateDisplayOptions({ show: { resource: ['user'], operation: ['delete'] } }, properties);

/** One delete request per user. */
export async function execute(this: IExecuteFunctions, api: InsiderApi): Promise<INodeExecutionData[][]> {
	return await runEach<UserAddress>(this, {
		prepare: (itemIndex) => readAddress(this, itemIndex),
		keys: addressKeys,
		concurrency: readConcurrency(this),
		requestName: 'The delete request',
		send: async (address) => {
			await api.transport.request({ method: 'POST', path: USER_DELETE_PATH, body: address, limiter: api.limiters.userDelete });
			return { deleted: true, ...address };
		},
	});
}
