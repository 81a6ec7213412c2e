import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import type { InsiderEnv } from '../common';
import { addressKeys, addressProperties, concurrencyOption, readAddress, runSingleRequests } from '../common';

const properties: INodeProperties[] = [
	{
		displayName:
			'Deletes the user and all of their data for good. One user per request, paced under the 10,000 requests a minute Insider allows.',
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

export async function execute(this: IExecuteFunctions, env: InsiderEnv): Promise<INodeExecutionData[][]> {
	return await runSingleRequests(this, env, env.limiters.userDelete, 'The delete request', (itemIndex) => {
		const address = readAddress(this, itemIndex);
		return {
			method: 'POST',
			path: '/api/user/v1/delete',
			body: address,
			keys: addressKeys(address),
			result: { deleted: true, ...address },
		};
	});
}
