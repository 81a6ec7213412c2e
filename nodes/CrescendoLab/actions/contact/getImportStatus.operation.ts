import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { invalidField } from '../../../shared/errors';
import { ItemResults } from '../../../shared/results';
import { crescendoConnection, crescendoLimiter, DEFAULT_REQUESTS_PER_MINUTE } from '../../transport';
import { isFinished, readTiming, surfaceOf, type TaskStatus } from '../common';

const properties: INodeProperties[] = [
	{
		displayName: 'Task ID',
		name: 'taskId',
		type: 'string',
		required: true,
		default: '',
		placeholder: '999',
		description: 'The ID of the import task, as returned by the Import operation (field "taskId")',
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

export const description = updateDisplayOptions({ show: { resource: ['contact'], operation: ['getImportStatus'] } }, properties);

/** One status lookup per item; the task's own outcome is in the body, not in the HTTP status (§5B B2). */
export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const surface = surfaceOf(this);
	const { transport, paths } = await crescendoConnection(this, surface);
	const limiter = crescendoLimiter(readTiming(this, 0).requestsPerMinute, transport);
	const results = new ItemResults(this, items.length);
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const taskId = String(this.getNodeParameter('taskId', itemIndex, '')).trim();
			if (taskId === '') throw invalidField(this.getNode(), itemIndex, 'Task ID', 'is empty');
			const response = await transport.request<TaskStatus>({ method: 'GET', path: paths.importStatus(taskId), limiter });
			const body = (response.body ?? {}) as IDataObject;
			results.succeed(itemIndex, { ...body, taskId, finished: isFinished(body) });
		} catch (error) {
			results.fail(itemIndex, error, 'The status request');
		}
	}
	return results.output();
}
