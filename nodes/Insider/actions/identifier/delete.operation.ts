import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { runEach } from '../../../shared/bulk';
import { concurrencyOption, readConcurrency } from '../../helpers/concurrency';
import { count } from '../../helpers/limitTexts';
import type { UserAddress } from '../../helpers/user';
import { addressKeys, buildAddress } from '../../helpers/user';
import { identifierProperties, readIdentifier } from '../../helpers/userFields';
import type { InsiderApi } from '../../transport';
import { IDENTITY_DELETE_REQUESTS_PER_MINUTE, IDENTITY_PATH } from '../../transport';

const properties: INodeProperties[] = [
	{
		displayName: `Removes one identifier value from its user for good. A user's only identifier cannot be removed. Paced under ${count(IDENTITY_DELETE_REQUESTS_PER_MINUTE)} requests a minute.`,
		name: 'deleteIdentifierNotice',
		type: 'notice',
		default: '',
	},
	...identifierProperties(),
	{
		displayName: 'Value',
		name: 'identifierValue',
		type: 'string',
		default: '',
		required: true,
		description: 'The identifier value to remove, e.g. the phone number in E.164 form',
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

export const description = updateDisplayOptions({ show: { resource: ['identifier'], operation: ['delete'] } }, properties);

/** One identity delete request per item, for the one identifier it names. */
export async function execute(this: IExecuteFunctions, api: InsiderApi): Promise<INodeExecutionData[][]> {
	return await runEach<UserAddress>(this, {
		prepare: (itemIndex) =>
			buildAddress(this.getNode(), itemIndex, { identifiers: readIdentifier(this, itemIndex, '', 'identifierValue') }),
		keys: addressKeys,
		concurrency: readConcurrency(this),
		requestName: 'The identifier delete request',
		send: async ({ identifiers }) => {
			await api.transport.request({ method: 'DELETE', path: IDENTITY_PATH, body: { identifiers }, limiter: api.limiters.identityDelete });
			return { deleted: true, identifiers };
		},
	});
}
