import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { eachTaskStatus, isFinished } from '../../helpers/tasks';
import type { CrescendoApi } from '../../transport';
import { DEFAULT_REQUESTS_PER_MINUTE } from '../../transport';

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
export async function execute(this: IExecuteFunctions, api: CrescendoApi): Promise<INodeExecutionData[][]> {
	return await eachTaskStatus(this, api, api.paths.importStatus, (status, taskId) => ({ ...status, taskId, finished: isFinished(status) }));
}
