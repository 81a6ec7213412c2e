import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { resetSyncState } from '../../helpers/syncState';

const properties: INodeProperties[] = [
	{
		displayName:
			'Forgets what "Only Send Changes" remembered for this node (in n8n\'s database and in the workflow\'s static data), so its next run sends every profile. The state belongs to this node of this workflow: put this operation in the same node (switch the operation, run once, switch back).',
		name: 'resetNotice',
		type: 'notice',
		default: '',
	},
];

export const description = updateDisplayOptions({ show: { resource: ['profile'], operation: ['resetSyncState'] } }, properties);

/** Needs no API: the state is n8n's. */
export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const forgotten = await resetSyncState(this);
	const items = this.getInputData();
	return [
		items.map((_, itemIndex) => ({
			json: { syncStateReset: true, forgottenProfiles: forgotten.profiles, forgottenDatabaseEntries: forgotten.databaseEntries },
			pairedItem: { item: itemIndex },
		})),
	];
}
