import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { runEach } from '../../../shared/bulk';
import { invalidField } from '../../../shared/errors';
import { concurrencyOption, readConcurrency } from '../../helpers/concurrency';
import { count } from '../../helpers/limitTexts';
import type { UserAddress } from '../../helpers/user';
import { addressKeys, buildAddress } from '../../helpers/user';
import { identifierProperties, readIdentifier } from '../../helpers/userFields';
import type { InsiderApi } from '../../transport';
import { IDENTITY_PATH, IDENTITY_UPDATE_REQUESTS_PER_MINUTE } from '../../transport';

const properties: INodeProperties[] = [
	{
		displayName: `Changes one identifier of one user per request, paced under the ${count(IDENTITY_UPDATE_REQUESTS_PER_MINUTE)} requests a minute Insider allows. The new value must not belong to another user.`,
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

/** The identifier one side (`currentValue` or `newValue`) names, checked, with errors naming that parameter. */
function readSide(ctx: IExecuteFunctions, itemIndex: number, parameter: string): UserAddress {
	try {
		return buildAddress(ctx.getNode(), itemIndex, { identifiers: readIdentifier(ctx, itemIndex, '', parameter) });
	} catch (error) {
		const problem = String((error as Error).message).replace(/^Item \d+, field "[^"]*": /, '');
		throw invalidField(ctx.getNode(), itemIndex, parameter, problem);
	}
}

interface IdentifierChange {
	current: UserAddress;
	next: UserAddress;
}

/** One identity update per item; requests about either value wait for earlier ones. */
export async function execute(this: IExecuteFunctions, api: InsiderApi): Promise<INodeExecutionData[][]> {
	return await runEach<IdentifierChange>(this, {
		prepare: (itemIndex) => {
			const current = readSide(this, itemIndex, 'currentValue');
			const next = readSide(this, itemIndex, 'newValue');
			if (JSON.stringify(current.identifiers) === JSON.stringify(next.identifiers)) {
				throw invalidField(this.getNode(), itemIndex, 'newValue', 'is the same as the current value');
			}
			return { current, next };
		},
		keys: ({ current, next }) => [...addressKeys(current), ...addressKeys(next)],
		concurrency: readConcurrency(this),
		requestName: 'The identifier update request',
		send: async ({ current, next }) => {
			const body: IDataObject = { old_identifier: current.identifiers, new_identifier: next.identifiers };
			await api.transport.request({ method: 'PATCH', path: IDENTITY_PATH, body, limiter: api.limiters.identityUpdate });
			return { updated: true, ...body };
		},
	});
}
