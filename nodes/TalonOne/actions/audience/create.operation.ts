import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties, JsonObject } from 'n8n-workflow';
import { NodeApiError, updateDisplayOptions } from 'n8n-workflow';

import { requestFailed } from '../../../shared/errors';
import { VendorHttpError } from '../../../shared/transport';
import { perItem } from '../../helpers';
import type { TalonOneApi } from '../../transport';
import type { AudienceBody } from './shared';
import { audienceBody, audienceIdField, audienceNameField, audiencePath } from './shared';

const properties: INodeProperties[] = [
	audienceIdField,
	audienceNameField,
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Return Existing Audience',
				name: 'returnExisting',
				type: 'boolean',
				default: false,
				description:
					'Whether to return the audience instead of failing when an audience with this ID already exists. The CDP API has no read route, so the node then updates the existing audience with the name given here and returns it.',
			},
		],
	},
];

export const description = updateDisplayOptions({ show: { resource: ['audience'], operation: ['create'] } }, properties);

export async function execute(this: IExecuteFunctions, api: TalonOneApi): Promise<INodeExecutionData[][]> {
	return await perItem<AudienceBody & { returnExisting: boolean }>(this, {
		requestName: 'Creating the audience',
		prepare: (itemIndex) => ({
			...audienceBody(this, itemIndex),
			returnExisting: this.getNodeParameter('options.returnExisting', itemIndex, false) as boolean,
		}),
		key: (payload) => payload.audienceId,
		send: async ({ returnExisting, ...body }, itemIndex) => {
			try {
				const response = await api.transport.request<IDataObject>({
					method: 'POST',
					path: '/cdp/audiences',
					body,
					limiter: api.limiter,
				});
				return { ...response.body, alreadyExisted: false };
			} catch (error) {
				if (!(error instanceof VendorHttpError) || error.statusCode !== 409) {
					throw requestFailed(this.getNode(), error, itemIndex, 'Creating the audience');
				}
				if (!returnExisting) {
					throw new NodeApiError(this.getNode(), { message: error.message, httpCode: '409' } as JsonObject, {
						message: `Item ${itemIndex}: the audience "${body.audienceId}" already exists`,
						description:
							'Turn on the "Return Existing Audience" option to get the existing audience instead, or use Audience → Update.',
						httpCode: '409',
						itemIndex,
					});
				}
				const existing = await api.transport.request<IDataObject>({
					method: 'PUT',
					path: audiencePath(body.audienceId),
					body,
					limiter: api.limiter,
				});
				return { ...existing.body, alreadyExisted: true };
			}
		},
	});
}
