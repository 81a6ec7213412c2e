import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import type { SyneriseApi } from '../../transport';
import { pathValue } from '../../helpers/profile';
import { PROFILE_PATHS, runPerItem } from './common';

const properties: INodeProperties[] = [
	{
		displayName: 'Delete By',
		name: 'identifierType',
		type: 'options',
		options: [
			{ name: 'Client ID', value: 'clientId', description: 'The numeric ID Synerise gave the profile' },
			{ name: 'Custom ID', value: 'customId' },
		],
		default: 'clientId',
		description: 'Which identifier finds the profile to delete (Synerise has delete routes for these two)',
	},
	{
		displayName: 'Value',
		name: 'identifierValue',
		type: 'string',
		required: true,
		default: '',
		description: 'The client ID or custom ID of the profile to delete. Deletion is permanent.',
	},
];

export const description = updateDisplayOptions({ show: { resource: ['profile'], operation: ['delete'] } }, properties);

export async function execute(this: IExecuteFunctions, api: SyneriseApi): Promise<INodeExecutionData[][]> {
	return await runPerItem(
		this,
		api,
		(itemIndex) => {
			const type = this.getNodeParameter('identifierType', itemIndex) as string;
			const raw = String(this.getNodeParameter('identifierValue', itemIndex) ?? '').trim();
			const value = pathValue(this.getNode(), itemIndex, type, raw);
			const path = type === 'clientId' ? PROFILE_PATHS.byId(value) : `/v4/clients/${PROFILE_PATHS.deleteBy[type]}/${value}`;
			return {
				keys: [`${type}:${raw.toLowerCase()}`],
				send: async (api) => {
					const response = await api.request({ method: 'DELETE', path });
					return { deleted: true, statusCode: response.statusCode, [type]: raw };
				},
			};
		},
		'The delete request',
	);
}
