import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { buildAddress } from '../../helpers/user';
import type { InsiderEnv } from '../common';
import { addressKeys, concurrencyOption, identifierProperties, readIdentifier, runSingleRequests } from '../common';

const properties: INodeProperties[] = [
	{
		displayName:
			"Removes one identifier value from its user for good. A user's only identifier cannot be removed. Paced under 1,000 requests a minute.",
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

export async function execute(this: IExecuteFunctions, env: InsiderEnv): Promise<INodeExecutionData[][]> {
	return await runSingleRequests(this, env, env.limiters.identityDelete, 'The identifier delete request', (itemIndex) => {
		const address = buildAddress(this.getNode(), itemIndex, {
			identifiers: readIdentifier(this, itemIndex, '', 'identifierValue'),
		});
		return {
			// The service reads a JSON body on this DELETE (§5.6).
			method: 'DELETE',
			path: '/api/user/v1/identity',
			body: { identifiers: address.identifiers },
			keys: addressKeys(address),
			result: { deleted: true, identifiers: address.identifiers },
		};
	});
}
