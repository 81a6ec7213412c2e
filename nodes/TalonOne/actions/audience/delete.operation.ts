import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { perItem, requiredText } from '../../helpers';
import type { TalonOneApi } from '../../transport';
import { MAX_ID_LENGTH } from '../../transport';
import { audienceIdField, audiencePath } from './shared';

const properties: INodeProperties[] = [
	{
		...audienceIdField,
		description: `${audienceIdField.description} Deleting an audience also removes every profile from it.`,
	},
];

export const description = updateDisplayOptions({ show: { resource: ['audience'], operation: ['delete'] } }, properties);

export async function execute(this: IExecuteFunctions, api: TalonOneApi): Promise<INodeExecutionData[][]> {
	return await perItem(this, {
		requestName: 'Deleting the audience',
		prepare: (itemIndex) =>
			requiredText(this, itemIndex, 'Audience ID', this.getNodeParameter('audienceId', itemIndex), MAX_ID_LENGTH),
		key: (audienceId) => audienceId,
		send: async (audienceId) => {
			await api.transport.request({ method: 'DELETE', path: audiencePath(audienceId), limiter: api.limiter });
			return { audienceId, deleted: true };
		},
	});
}
