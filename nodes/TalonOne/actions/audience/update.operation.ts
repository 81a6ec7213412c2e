import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { perItem } from '../../helpers';
import type { TalonOneApi } from '../../transport';
import { audienceBody, audienceIdField, audienceNameField, audiencePath } from './shared';

const properties: INodeProperties[] = [
	{ ...audienceIdField, description: `${audienceIdField.description} The audience must have been created through a CDP integration.` },
	{ ...audienceNameField, displayName: 'New Audience Name', description: 'The name the audience gets, 1–1000 characters' },
];

export const description = updateDisplayOptions({ show: { resource: ['audience'], operation: ['update'] } }, properties);

export async function execute(this: IExecuteFunctions, api: TalonOneApi): Promise<INodeExecutionData[][]> {
	return await perItem(this, {
		requestName: 'Updating the audience',
		prepare: (itemIndex) => audienceBody(this, itemIndex),
		key: (body) => body.audienceId,
		send: async (body) => {
			const response = await api.transport.request<IDataObject>({
				method: 'PUT',
				path: audiencePath(body.audienceId),
				body,
				limiter: api.limiter,
			});
			return response.body;
		},
	});
}
