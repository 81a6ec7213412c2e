import type { ILoadOptionsFunctions, INodePropertyOptions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { ATTRIBUTE_TABLE, EVENT_TABLE } from '../helpers/metadata';
import { connect, METADATA_PATH } from '../transport';

interface Column {
	key?: unknown;
	display_name?: unknown;
	type?: unknown;
}

async function columns(ctx: ILoadOptionsFunctions, table: string): Promise<INodePropertyOptions[]> {
	const { transport } = await connect(ctx);
	try {
		const response = await transport.request<Column[]>({
			method: 'POST',
			path: METADATA_PATH,
			body: { table },
		});
		const list = Array.isArray(response.body) ? response.body : [];
		return list
			.filter((column) => typeof column.key === 'string' && column.key !== '')
			.map((column) => {
				const key = column.key as string;
				const label = typeof column.display_name === 'string' && column.display_name ? column.display_name : key;
				const type = typeof column.type === 'string' ? ` (${column.type})` : '';
				return { name: `${label} — ${key}`, value: key, description: `${key}${type}` };
			})
			.sort((a, b) => a.name.localeCompare(b.name));
	} catch (error) {
		throw new NodeOperationError(ctx.getNode(), `Could not load the ${table} list: ${(error as Error).message}`);
	}
}

export async function getAttributes(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	return await columns(this, ATTRIBUTE_TABLE);
}

export async function getEvents(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	return await columns(this, EVENT_TABLE);
}
