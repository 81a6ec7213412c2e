import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { runEach } from '../../../shared/bulk';
import { audienceBody, audienceIdField, audienceNameField } from '../../helpers/audienceFields';
import type { TalonOneApi } from '../../transport';
import { audiencePath, CONCURRENT_REQUESTS, MAX_AUDIENCE_NAME_LENGTH } from '../../transport';

const properties: INodeProperties[] = [
	{ ...audienceIdField, description: `${audienceIdField.description} The audience must have been created through a CDP integration.` },
	{ ...audienceNameField, displayName: 'New Audience Name', description: `The name the audience gets, 1–${MAX_AUDIENCE_NAME_LENGTH} characters` },
];

export const description = updateDisplayOptions({ show: { resource: ['audience'], operation: ['update'] } }, properties);

export async function execute(this: IExecuteFunctions, api: TalonOneApi): Promise<INodeExecutionData[][]> {
	return await runEach(this, {
		requestName: 'Updating the audience',
		concurrency: CONCURRENT_REQUESTS,
		prepare: (itemIndex) => audienceBody(this, itemIndex),
		keys: (body) => [body.audienceId],
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
