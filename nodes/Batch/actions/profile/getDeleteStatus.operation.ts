import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { runEach } from '../../../shared/bulk';
import { invalidField } from '../../../shared/errors';
import type { BatchApi } from '../../transport';
import { gdprLimiter, legacyPrefixOf } from '../../transport';

const properties: INodeProperties[] = [
	{
		displayName: 'Request ID',
		name: 'requestId',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. 6c256bd1-485a-47d1-8c36-7e3d5be013aa',
		description: 'The ID of a GDPR request, as in the requests[].requestId output of Delete',
	},
	{
		displayName: 'App',
		name: 'app',
		type: 'number',
		default: 1,
		typeOptions: { minValue: 1 },
		description:
			'Which App API Key of the credential the request was made with: its position in the list, as in the requests[].app output of Delete. GDPR requests belong to one app.',
	},
];

export const description = updateDisplayOptions({ show: { resource: ['profile'], operation: ['getDeleteStatus'] } }, properties);

/** GET /1.0/{app API key}/gdpr/request/{request id} (doc.batch.com /api/gdpr/get-status). */
export async function execute(this: IExecuteFunctions, api: BatchApi): Promise<INodeExecutionData[][]> {
	const node = this.getNode();
	const { transport, appApiKeys } = api;
	if (appApiKeys.length === 0) {
		throw new NodeOperationError(node, 'Reading a GDPR request needs the App API Key it was made with in the Batch API credential');
	}
	const limiter = gdprLimiter(api);

	return await runEach(this, {
		prepare: (itemIndex) => {
			const requestId = String(this.getNodeParameter('requestId', itemIndex) ?? '').trim();
			if (requestId === '') throw invalidField(node, itemIndex, 'requestId', 'the Request ID is empty');
			const app = Number(this.getNodeParameter('app', itemIndex, 1));
			if (!Number.isInteger(app) || app < 1 || app > appApiKeys.length) {
				throw invalidField(node, itemIndex, 'app', `app ${app} does not exist: the credential has ${appApiKeys.length} App API Key(s)`);
			}
			return { requestId, app };
		},
		concurrency: 1,
		send: async ({ requestId, app }) => {
			const response = await transport.request<IDataObject>({
				method: 'GET',
				path: `${legacyPrefixOf(appApiKeys[app - 1])}/gdpr/request/${encodeURIComponent(requestId)}`,
				limiter,
			});
			const answer = response.body && typeof response.body === 'object' ? response.body : {};
			return { app, ...answer };
		},
		requestName: 'The GDPR status request',
	});
}
