import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { resetSyncStateDescription } from '../../../shared/sync';
import { resetSync, SYNC_NODE_VERSION } from '../../helpers/sync';
import { resetSyncState } from '../../helpers/syncState';

const properties: INodeProperties[] = [
	{
		displayName:
			'Forgets what "Only Send Changes" remembered for this node (in n8n\'s database and in the workflow\'s static data), so its next run sends every profile. The state belongs to this node of this workflow: put this operation in the same node (switch the operation, run once, switch back).',
		name: 'resetNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { '@version': [{ _cnd: { lt: SYNC_NODE_VERSION } }] } },
	},
	...resetSyncStateDescription({ show: { '@version': [{ _cnd: { gte: SYNC_NODE_VERSION } }] } }),
];

export const description = updateDisplayOptions({ show: { resource: ['profile'], operation: ['resetSyncState'] } }, properties);

/** Needs no API: the state is n8n's. Version 1 keeps its own output (`forgottenProfiles`). */
export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	if (this.getNode().typeVersion >= SYNC_NODE_VERSION) return await resetSync(this);
	const forgotten = await resetSyncState(this);
	const items = this.getInputData();
	return [
		items.map((_, itemIndex) => ({
			json: { syncStateReset: true, forgottenProfiles: forgotten.profiles, forgottenDatabaseEntries: forgotten.databaseEntries },
			pairedItem: { item: itemIndex },
		})),
	];
}
