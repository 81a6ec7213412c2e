import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { exportContacts, getExportStatus, getImportStatus, importContacts } from './contact/Contact.resource';

const operations: Record<string, (this: IExecuteFunctions) => Promise<INodeExecutionData[][]>> = {
	import: importContacts.execute,
	getImportStatus: getImportStatus.execute,
	export: exportContacts.execute,
	getExportStatus: getExportStatus.execute,
};

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const resource = this.getNodeParameter('resource', 0) as string;
	const operation = this.getNodeParameter('operation', 0) as string;
	const run = resource === 'contact' ? operations[operation] : undefined;
	if (!run) throw new NodeOperationError(this.getNode(), `The operation "${operation}" of "${resource}" is not supported`);
	return await run.call(this);
}
