import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import type { SyneriseApi } from '../../transport';
import { pathValue } from '../../helpers/profile';
import { PROFILE_PATHS, runPerItem } from './common';

const properties: INodeProperties[] = [
	{
		displayName: 'Get By',
		name: 'identifierType',
		type: 'options',
		options: [
			{ name: 'Client ID', value: 'clientId', description: 'The numeric ID Synerise gave the profile' },
			{ name: 'Custom ID', value: 'customId' },
			{ name: 'Email', value: 'email' },
			{ name: 'Phone', value: 'phone' },
			{ name: 'UUID', value: 'uuid' },
		],
		default: 'email',
		description: 'Which identifier finds the profile',
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
	return await runPerItem(
		this,
		api,
		(itemIndex) => {
			const type = this.getNodeParameter('identifierType', itemIndex) as string;
			const value = pathValue(this.getNode(), itemIndex, type, this.getNodeParameter('identifierValue', itemIndex));
			const path = type === 'clientId' ? PROFILE_PATHS.byId(value) : `/v4/clients/${PROFILE_PATHS.getBy[type]}/${value}`;
			return {
				keys: [],
				send: async (api) =>
					(await api.request<IDataObject>({ method: 'GET', path })).body,
			};
		},
		'The get request',
	);
}
