import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { invalidField } from '../../../shared/errors';
import { buildAddress } from '../../helpers/user';
import type { InsiderEnv } from '../common';
import { addressKeys, concurrencyOption, identifierProperties, readIdentifier, runSingleRequests } from '../common';

const properties: INodeProperties[] = [
	{
		displayName:
			'Changes one identifier of one user per request, paced under the 2,000 requests a minute Insider allows. The new value must not belong to another user.',
		name: 'updateIdentifierNotice',
		type: 'notice',
		default: '',
	},
	...identifierProperties(),
	{
		displayName: 'Current Value',
		name: 'currentValue',
		type: 'string',
		default: '',
		required: true,
		description: 'The value the user has now, e.g. the old email address',
	},
	{
		displayName: 'New Value',
		name: 'newValue',
		type: 'string',
		default: '',
		required: true,
		description: 'The value to replace it with; same identifier type',
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

export const description = updateDisplayOptions({ show: { resource: ['identifier'], operation: ['update'] } }, properties);

export async function execute(this: IExecuteFunctions, env: InsiderEnv): Promise<INodeExecutionData[][]> {
	return await runSingleRequests(this, env, env.limiters.identityUpdate, 'The identifier update request', (itemIndex) => {
		const node = this.getNode();
		// Checked like any identifier, but the error names the parameter the user filled in.
		const side = (parameter: string) => {
			try {
				return buildAddress(node, itemIndex, { identifiers: readIdentifier(this, itemIndex, '', parameter) });
			} catch (error) {
				const problem = String((error as Error).message).replace(/^Item \d+, field "[^"]*": /, '');
				throw invalidField(node, itemIndex, parameter, problem);
			}
		};
		const current = side('currentValue');
		const next = side('newValue');
		if (JSON.stringify(current.identifiers) === JSON.stringify(next.identifiers)) {
			throw invalidField(node, itemIndex, 'newValue', 'is the same as the current value');
		}
		const body: IDataObject = { old_identifier: current.identifiers, new_identifier: next.identifiers };
		return {
			method: 'PATCH',
			path: '/api/user/v1/identity',
			body,
			keys: [...addressKeys(current), ...addressKeys(next)],
			result: { updated: true, ...body },
		};
	});
}
