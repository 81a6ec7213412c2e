import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { resetSyncState, resetSyncStateDescription } from '../../../shared/sync';
import { SYNC_STATE_KEY } from '../../helpers/sync';

export const description = resetSyncStateDescription({ show: { resource: ['customerProfile'], operation: ['resetSyncState'] } });

/** Needs no API: the state is n8n's. */
export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	return await resetSyncState(this, SYNC_STATE_KEY);
}
