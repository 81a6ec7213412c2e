import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import type { Operations } from '../../shared/router';
import { route } from '../../shared/router';
import type { CrescendoApi } from '../transport';
import { connect } from '../transport';
import * as exportContacts from './contact/export.operation';
import * as getExportStatus from './contact/getExportStatus.operation';
import * as getImportStatus from './contact/getImportStatus.operation';
import * as importContacts from './contact/import.operation';
import * as resetSyncState from './contact/resetSyncState.operation';

export const operations: Operations<CrescendoApi> = {
	contact: {
		import: importContacts,
		getImportStatus,
		export: exportContacts,
		getExportStatus,
		resetSyncState,
	},
};

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	return await route(this, operations, connect);
}
