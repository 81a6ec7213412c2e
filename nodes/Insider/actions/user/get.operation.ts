import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { runEach } from '../../../shared/bulk';
import { concurrencyOption, readConcurrency } from '../../helpers/concurrency';
import { count, inWords } from '../../helpers/limitTexts';
import { readSelection, selectionProperties } from '../../helpers/selection';
import type { UserAddress } from '../../helpers/user';
import { addressProperties, readAddress } from '../../helpers/userFields';
import type { InsiderApi } from '../../transport';
import {
	PROFILE_PATH,
	PROFILE_QUOTA_UNITS_PER_MINUTE,
	PROFILE_READ_BASE_UNITS,
	PROFILE_READ_UNITS_PER_EVENT_TYPE,
	profileReadCost,
	PUBLISHED_READ_COST,
} from '../../transport';

const properties: INodeProperties[] = [
	{
		displayName: `Reads are paced by what they cost against Insider's quota of ${count(PROFILE_QUOTA_UNITS_PER_MINUTE)} units a minute: ${PROFILE_READ_BASE_UNITS} unit a read plus ${PROFILE_READ_UNITS_PER_EVENT_TYPE} per event type asked for (Insider publishes only ${PUBLISHED_READ_COST.units} units for ${inWords(PUBLISHED_READ_COST.eventTypes)} event types; the rest is an estimate). A 429 holds reads back for the wait Insider asks for, then they are retried. Every input item gets its own profile or error.`,
		name: 'readNotice',
		type: 'notice',
		default: '',
	},
	...addressProperties(),
	...selectionProperties('return'),
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			concurrencyOption,
			{
				displayName: 'Include Quota',
				name: 'quota',
				type: 'boolean',
				default: false,
				description: `Whether to include how much of the ${count(PROFILE_QUOTA_UNITS_PER_MINUTE)} units a minute read quota was used`,
			},
		],
	},
];

export const description = updateDisplayOptions({ show: { resource: ['user'], operation: ['get'] } }, properties);

interface ProfileRequest {
	address: UserAddress;
	body: IDataObject;
}

/** One profile read per item, paced by its quota cost; the output is the address with Insider's answer. */
export async function execute(this: IExecuteFunctions, api: InsiderApi): Promise<INodeExecutionData[][]> {
	return await runEach<ProfileRequest>(this, {
		prepare: (itemIndex) => {
			const address = readAddress(this, itemIndex);
			const body: IDataObject = { ...address, ...readSelection(this, itemIndex) };
			if (this.getNodeParameter('options.quota', itemIndex, false) === true) body.quota = true;
			return { address, body };
		},
		concurrency: readConcurrency(this),
		requestName: 'The profile request',
		send: async ({ address, body }) => {
			const response = await api.transport.request<IDataObject>({
				method: 'POST',
				path: PROFILE_PATH,
				body,
				limiter: api.limiters.profile,
				records: profileReadCost(body),
			});
			return { ...address, ...(response.body ?? {}) };
		},
	});
}
