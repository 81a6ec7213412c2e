import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { runEach } from '../../../shared/bulk';
import { audienceIdField } from '../../helpers/audienceFields';
import { requiredText } from '../../helpers/requiredText';
import type { TalonOneApi } from '../../transport';
import { audiencePath, CONCURRENT_REQUESTS, MAX_ID_LENGTH } from '../../transport';

const properties: INodeProperties[] = [
	{
		...audienceIdField,
		description: `${audienceIdField.description} Deleting an audience also removes every profile from it.`,
	},
];

export const description = updateDisplayOptions({ show: { resource: ['audience'], operation: ['delete'] } }, properties);

export async function execute(this: IExecuteFunctions, api: TalonOneApi): Promise<INodeExecutionData[][]> {
	return await runEach(this, {
		requestName: 'Deleting the audience',
		concurrency: CONCURRENT_REQUESTS,
		prepare: (itemIndex) =>
			requiredText(this, itemIndex, 'Audience ID', this.getNodeParameter('audienceId', itemIndex), MAX_ID_LENGTH),
		keys: (audienceId) => [audienceId],
		send: async (audienceId) => {
			await api.transport.request({ method: 'DELETE', path: audiencePath(audienceId), limiter: api.limiter });
			return { audienceId, deleted: true };
		},
	});
}
