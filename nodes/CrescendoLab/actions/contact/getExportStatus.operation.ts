import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { requireProfileApi } from '../../helpers/surface';
import { eachTaskStatus, isFinished, statusOptions } from '../../helpers/tasks';
import type { CrescendoApi } from '../../transport';

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
	statusOptions,
];

export const description = updateDisplayOptions({ show: { resource: ['contact'], operation: ['getExportStatus'] } }, properties);

/** Status of an export task, with its download link (valid for EXPORT_LINK_VALID_DAYS days) once it is ready (§5A A4). */
export async function execute(this: IExecuteFunctions, api: CrescendoApi): Promise<INodeExecutionData[][]> {
	requireProfileApi(this.getNode(), api, 'Get Export Status');
	return await eachTaskStatus(this, api, api.paths.exportStatus, (status, taskId) => ({
		...status,
		taskId,
		finished: isFinished(status),
		downloadUrl: (status.download_url as string | undefined) ?? null,
	}));
}
