import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { resetSyncState, resetSyncStateDescription } from '../../../shared/sync';
import { forgetMirror } from '../../helpers/audienceMirror';
import { SYNC_STATE_KEY } from '../../helpers/sync';

export const description = resetSyncStateDescription({ show: { resource: ['customerProfile'], operation: ['resetSyncState'] } });

/** Needs no API: the state is n8n's. Also forgets the member lists of Update Audiences' Mirror mode. */
export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const forgottenMirroredAudiences = forgetMirror(this.getWorkflowStaticData('node'));
	const [items] = await resetSyncState(this, SYNC_STATE_KEY);
	return [items.map((item) => ({ ...item, json: { ...item.json, forgottenMirroredAudiences } }))];
}
