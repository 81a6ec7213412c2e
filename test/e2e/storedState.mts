// What n8n's SQLite database holds for a workflow after its executions: its deduplication entries (the Sync
// state of production runs) and its static data, read with the sqlite3 command line.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export interface StoredState {
	/** Every deduplication entry of the workflow, over all its nodes. */
	entries: number;
	/** The workflow's static data as n8n saved it (JSON text, '' when none). */
	staticData: string;
}

export function storedState(userFolder: string, workflowId: string): StoredState {
	const database = join(userFolder, '.n8n', 'database.sqlite');
	const query = (sql: string) => execFileSync('sqlite3', [database, sql], { encoding: 'utf8' }).trim();
	const rows = query(`SELECT value FROM processed_data WHERE workflowId = '${workflowId}'`);
	const parse = (text: string): { data: unknown[] } => (typeof JSON.parse(text) === 'string' ? JSON.parse(JSON.parse(text)) : JSON.parse(text));
	const entries = rows === '' ? 0 : rows.split('\n').reduce((sum, row) => sum + parse(row).data.length, 0);
	return { entries, staticData: query(`SELECT coalesce(staticData, '') FROM workflow_entity WHERE id = '${workflowId}'`) };
}

/** How many input hints (nodes/shared/syncShortcut.ts) a node's static data holds, over its sync state keys. */
export function inputHintCount(state: StoredState, nodeName: string): number {
	if (state.staticData === '') return 0;
	const node = (JSON.parse(state.staticData) as Record<string, Record<string, { hints?: string }>>)[`node:${nodeName}`] ?? {};
	return Object.entries(node)
		.filter(([key]) => key.endsWith('Inputs'))
		.reduce((sum, [, value]) => sum + Object.keys(JSON.parse(value.hints ?? '{}') as object).length, 0);
}
