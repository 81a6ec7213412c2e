import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { invalidField } from '../../../shared/errors';
import { ItemResults } from '../../../shared/results';
import { crescendoConnection, crescendoLimiter, DEFAULT_REQUESTS_PER_MINUTE } from '../../transport';
import { isFinished, readTiming, requireProfileApi, type TaskStatus } from '../common';

const properties: INodeProperties[] = [
	{
		displayName: 'Task ID',
		name: 'taskId',
		type: 'string',
		required: true,
		default: '',
		placeholder: '1001',
		description: 'The ID of the export task (field "taskId" of the Export operation)',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Max Requests per Minute',
				name: 'maxRequestsPerMinute',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: DEFAULT_REQUESTS_PER_MINUTE,
				description: 'Request budget of the node across all items',
			},
		],
	},
];

export const description = updateDisplayOptions({ show: { resource: ['contact'], operation: ['getExportStatus'] } }, properties);

/** Status of an export task, with its download link (valid for 7 days) once it is ready (§5A A4). */
export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	requireProfileApi(this, 'Get Export Status');
	const items = this.getInputData();
	const { transport, paths } = await crescendoConnection(this, 'profileApi');
	const limiter = crescendoLimiter(readTiming(this, 0).requestsPerMinute, transport);
	const results = new ItemResults(this, items.length);
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const taskId = String(this.getNodeParameter('taskId', itemIndex, '')).trim();
			if (taskId === '') throw invalidField(this.getNode(), itemIndex, 'Task ID', 'is empty');
			const response = await transport.request<TaskStatus>({ method: 'GET', path: paths.exportStatus(taskId), limiter });
			const body = (response.body ?? {}) as IDataObject;
			results.succeed(itemIndex, {
				...body,
				taskId,
				finished: isFinished(body),
				downloadUrl: (body.download_url as string | undefined) ?? null,
			});
		} catch (error) {
			results.fail(itemIndex, error, 'The status request');
		}
	}
	return results.output();
}
