// #16.6: an export too large to keep as items fails its item with a clear error instead of letting n8n die
// serialising the run data. The limit is shrunk here so a small store crosses it; the e2e test uses the real one.
import { describe, expect, it, vi } from 'vitest';

import { generatedCsv } from '../../../sandbox/crescendoLab.mts';
import { readCsv } from '../../../nodes/shared/csv';
import { describeChars, itemChars } from '../../../nodes/shared/runData';
import { FAST, runNode, sandboxCall, useCrescendo } from './helpers.mts';


vi.mock('../../../nodes/shared/runData', async (original) => ({ ...(await original<object>()), MAX_RUN_DATA_CHARS: 200_000 }));

const sandbox = await useCrescendo();

const exportItems = (options: Record<string, unknown> = {}) => ({ operation: 'export', output: 'items', options: { ...FAST, ...options } });

describe('run data estimate', () => {
	it('is within 5 % of the JSON n8n writes for each item of an export', async () => {
		let estimated = 0;
		let written = 0;
		for await (const row of readCsv(generatedCsv({ rows: 300, columns: 100 }, false) as never, {})) {
			estimated += itemChars(row);
			written += JSON.stringify({ json: row, pairedItem: { item: 0 } }).length;
		}
		expect(Math.abs(estimated - written) / written).toBeLessThan(0.05);
		expect(describeChars(3.5 * 1024 * 1024)).toBe('4 MB');
	});
});

describe('Crescendo Lab export above the run data limit', () => {
	it('fails the item with the size reached and the ways out, and outputs none of its rows', async () => {
		await sandboxCall(sandbox, 'POST', '/__sandbox/config', { knobs: { generatedExport: { rows: 1_000, columns: 100 } } });
		const run = await runNode(sandbox, { items: [{}], parameters: exportItems({ limit: 1_000 }), continueOnFail: true });
		expect(run.error).toBeUndefined();
		const [item] = run.output![0];
		expect(run.output![0]).toHaveLength(1);
		expect(item.json.error).toMatch(/^Item 0: export task \d+ is too large to output as items: after \d[\d,]* rows the items already hold about 0 MB of run data, more than n8n can save/);
		expect(String((item.json as { details?: { description?: string } }).details?.description ?? JSON.stringify(item.json))).toMatch(/CSV File \(Binary\).*Max Rows/);
	});

	it('without Continue On Fail stops the node with that error', async () => {
		await sandboxCall(sandbox, 'POST', '/__sandbox/config', { knobs: { generatedExport: { rows: 1_000, columns: 100 } } });
		const run = await runNode(sandbox, { items: [{}], parameters: exportItems({ limit: 1_000 }) });
		expect(run.error?.message).toMatch(/too large to output as items/);
	});

	it('lets an export under the limit through, and Max Rows keeps a large one under it', async () => {
		await sandboxCall(sandbox, 'POST', '/__sandbox/config', { knobs: { generatedExport: { rows: 1_000, columns: 100 } } });
		const run = await runNode(sandbox, { items: [{}], parameters: exportItems({ limit: 20 }) });
		expect(run.error).toBeUndefined();
		expect(run.output![0]).toHaveLength(20);
	});
});
