import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { eachTaskStatus, isFinished, statusOptions } from '../../helpers/tasks';
import type { CrescendoApi } from '../../transport';

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
	statusOptions,
];

export const description = updateDisplayOptions({ show: { resource: ['contact'], operation: ['getImportStatus'] } }, properties);

/** One status lookup per item; the task's own outcome is in the body, not in the HTTP status (§5B B2). */
export async function execute(this: IExecuteFunctions, api: CrescendoApi): Promise<INodeExecutionData[][]> {
	return await eachTaskStatus(this, api, api.paths.importStatus, (status, taskId) => ({ ...status, taskId, finished: isFinished(status) }));
}
