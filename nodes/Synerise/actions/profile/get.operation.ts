import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { runEach } from '../../../shared/bulk';
import { VendorHttpError } from '../../../shared/transport';
import { pathValue } from '../../helpers/profile';
import type { SyneriseApi } from '../../transport';
import { PROFILE_PATHS, SINGLE_CONCURRENCY } from '../../transport';

const properties: INodeProperties[] = [
	{
		displayName: 'Get By',
		name: 'identifierType',
		type: 'options',
		options: [
			{ name: 'Client ID', value: 'clientId', description: 'The numeric ID Synerise gave the profile' },
			{
				name: 'Custom ID',
				value: 'customId',
				description: 'Route not shown in Synerise\'s public reference (by-customId is inferred)',
			},
			{ name: 'Email', value: 'email' },
			{
				name: 'Phone',
				value: 'phone',
				description:
					'Route not shown in Synerise\'s public reference (by-phone is inferred). A phone number may match several profiles: each becomes its own output item.',
			},
			{ name: 'UUID', value: 'uuid' },
		],
		default: 'email',
		description: 'Which identifier finds the profile',
	},
	{
		displayName:
			'Synerise\'s public reference does not show the phone and custom ID lookups: the node uses inferred routes (by-phone, by-customId). A phone number can match several profiles; each one becomes an output item.',
		name: 'inferredRouteNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { identifierType: ['phone', 'customId'] } },
	},
	{
		displayName: 'Value',
		name: 'identifierValue',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'jane@example.com',
		description: 'The value of the chosen identifier, e.g. the email address or client ID of the profile',
	},
];

export const description = updateDisplayOptions({ show: { resource: ['profile'], operation: ['get'] } }, properties);

export async function execute(this: IExecuteFunctions, api: SyneriseApi): Promise<INodeExecutionData[][]> {
	// A lookup that answers a list (a phone number shared by several profiles) gives one item per profile;
	// the first travels as the item's result, the others are added right after it.
	const more = new WeakMap<IDataObject, IDataObject[]>();
	const [items] = await runEach(this, {
		prepare: (itemIndex) => {
			const type = this.getNodeParameter('identifierType', itemIndex) as string;
			const value = pathValue(this.getNode(), itemIndex, type, this.getNodeParameter('identifierValue', itemIndex));
			return type === 'clientId' ? PROFILE_PATHS.byId(value) : PROFILE_PATHS.by(PROFILE_PATHS.getBy[type], value);
		},
		concurrency: SINGLE_CONCURRENCY,
		requestName: 'The get request',
		send: async (path) => {
			const { body } = await api.request<IDataObject | IDataObject[]>({ method: 'GET', path });
			if (!Array.isArray(body)) return body;
			const profiles = body.filter((entry): entry is IDataObject => !!entry && typeof entry === 'object' && !Array.isArray(entry));
			if (profiles.length === 0) throw new VendorHttpError(404, body, 'The service answered with an empty list: no profile matches');
			more.set(profiles[0], profiles.slice(1));
			return profiles[0];
		},
	});
	const out: INodeExecutionData[] = [];
	for (const item of items) {
		out.push(item);
		for (const json of more.get(item.json) ?? []) out.push({ json, pairedItem: item.pairedItem });
	}
	return [out];
}
