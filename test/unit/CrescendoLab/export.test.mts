// Export and the two status operations through the real node `execute`, against the sandbox.
import { beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';

import { exportColumns, exportRow } from '../../../sandbox/crescendoLab.mts';
import { FAST, resetSandbox, runNode, sandboxCall, sandboxState, useCrescendo } from './helpers.mts';

const sandbox = await useCrescendo();

const SEED = [
	{ customer_id: 'c1', display_name: '王小明, "Ming"', note: 'line one\nline two\r\nline three', cl_custom_points: '12', tags: ['vip'] },
	{ customer_id: 'c2', display_name: '山田太郎', city: 'กรุงเทพมหานคร', cl_custom_tier: 'gold' },
	{ customer_id: 'c3', display_email: 'plain@example.com', tags: ['a', 'b'] },
	...Array.from({ length: 400 }, (_, i) => ({ customer_id: `bulk${i}`, note: `row ${i}, with a comma`.repeat(20) })),
];

async function storeRows(): Promise<Array<Record<string, string>>> {
	const { contacts } = await sandboxState(sandbox);
	const columns = exportColumns(contacts);
	return contacts.map((contact: any) => exportRow(contact, columns));
}

beforeEach(async () => {
	await sandboxCall(sandbox, 'POST', '/__sandbox/config', { knobs: { contacts: SEED } });
});

describe('Crescendo Lab export', () => {
	it('outputs one item per contact, equal to the store row for row, with the exact CSV column names', async () => {
		const run = await runNode(sandbox, { items: [{}], parameters: { operation: 'export', output: 'items', options: FAST } });
		expect(run.error).toBeUndefined();
		const rows = run.output![0].map((item) => item.json);
		expect(rows).toEqual(await storeRows());
		expect(rows[0]).toMatchObject({ display_name: '王小明, "Ming"', note: 'line one\nline two\r\nline three', cl_custom_points: '12', tags: 'vip' });
		expect(rows[1]).toMatchObject({ city: 'กรุงเทพมหานคร', cl_custom_tier: 'gold' });
		expect(run.output![0].every((item) => (item.pairedItem as { item: number }).item === 0)).toBe(true);
		const { downloadsWithCredential, tasks } = await sandboxState(sandbox);
		expect(downloadsWithCredential).toBe(0);
		expect(tasks).toMatchObject([{ kind: 'export', status: 'done' }]);
	});

	it('strips the custom field prefix and stops at the row limit when asked', async () => {
		const run = await runNode(sandbox, {
			items: [{}],
			parameters: { operation: 'export', output: 'items', options: { ...FAST, stripCustomPrefix: true, limit: 2 } },
		});
		const rows = run.output![0].map((item) => item.json);
		expect(rows).toHaveLength(2);
		expect(rows[0]).toMatchObject({ points: '12', tier: '' });
		expect(Object.keys(rows[0]).some((key) => key.startsWith('cl_custom_'))).toBe(false);
	});

	it('streams the CSV into a binary file that parses to the same rows', async () => {
		const run = await runNode(sandbox, {
			items: [{}],
			parameters: { operation: 'export', output: 'binary', binaryPropertyName: 'file', options: { ...FAST, fileName: 'contacts.csv' } },
		});
		expect(run.error).toBeUndefined();
		const [item] = run.output![0];
		expect(item.json).toMatchObject({ taskId: '1001', status: 'done', fileName: 'contacts.csv', expiresAt: expect.stringMatching(/\+08:00$/) });
		expect(run.fake.binaries).toEqual([{ wasStream: true, fileName: 'contacts.csv', size: expect.any(Number) }]);
		const text = Buffer.from(item.binary!.file.data, 'base64').toString('utf8');
		expect(parse(text, { bom: true, columns: true })).toEqual(await storeRows());
	});

	it('waits out a running export, sends the date filter, and refuses the MAAC surface', async () => {
		await resetSandbox(sandbox, { busyStatus: 409 });
		await sandboxCall(sandbox, 'POST', '/__sandbox/config', { knobs: { contacts: SEED } });
		// Someone else's export is running (400 rows → 10 ms pending + 4 ms at this scale, padded by a slow fake).
		await sandboxCall(sandbox, 'POST', '/__sandbox/config', { knobs: { processingMsPer1000: 50_000 } });
		const other = await runNode(sandbox, { items: [{}], parameters: { operation: 'export', output: 'binary', options: { ...FAST, maxWaitSeconds: 0.001 } }, continueOnFail: true });
		expect(other.output![0][0].json.error).toMatch(/still running/);
		const run = await runNode(sandbox, {
			items: [{}],
			parameters: { operation: 'export', output: 'items', options: { ...FAST, updatedSince: '2020-01-01T10:00:00Z' } },
		});
		expect(run.error).toBeUndefined();
		expect(run.fake.sent[0].body).toEqual({ updated_at_min: '2020-01-01' });
		expect(run.output![0]).toHaveLength(SEED.length);
		const stats = await sandboxCall(sandbox, 'GET', '/__sandbox/stats');
		expect(stats.byStatus['409']).toBeGreaterThanOrEqual(1);

		const maac = await runNode(sandbox, { items: [{}], parameters: { authentication: 'maacApi', operation: 'export', output: 'items', options: FAST } });
		expect(maac.error?.message).toBe('Export needs the Profile API');
	});

	it('reports export and import status by task ID, with the download link once ready, and errors per item', async () => {
		const exported = await runNode(sandbox, { items: [{}], parameters: { operation: 'export', output: 'binary', options: FAST } });
		const taskId = exported.output![0][0].json.taskId;
		const status = await runNode(sandbox, {
			items: [{ id: taskId }, { id: '999999' }, { id: '' }],
			parameters: { operation: 'getExportStatus', taskId: (i: number) => [taskId, '999999', ''][i], options: { maxRequestsPerMinute: FAST.maxRequestsPerMinute } },
			continueOnFail: true,
		});
		const out = status.output![0].map((item) => item.json);
		expect(out[0]).toMatchObject({ taskId: String(taskId), status: 'done', finished: true, downloadUrl: expect.stringContaining('/files/') });
		expect(out[1].error).toMatch(/^Item 1: The status request failed\. The service answered 404: Not Found/);
		expect(out[2].error).toBe('Item 2, field "Task ID": is empty');

		const imported = await runNode(sandbox, {
			items: [{ customer_id: 'new' }],
			parameters: { authentication: 'maacApi', operation: 'import', importKey: 'customer_id', columns: { mappingMode: 'autoMapInputData' }, options: FAST },
		});
		const importTask = imported.output![0][0].json.taskId as string;
		const importStatus = await runNode(sandbox, { items: [{}], parameters: { authentication: 'maacApi', operation: 'getImportStatus', taskId: importTask, options: { maxRequestsPerMinute: FAST.maxRequestsPerMinute } } });
		expect(importStatus.output![0][0].json).toMatchObject({
			taskId: importTask,
			category: 'import_member',
			status: 'done',
			finished: true,
			result: { success: true, mismatch_num: 1 },
		});
	});
});
