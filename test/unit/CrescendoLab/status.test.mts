// Get Import Status and Get Export Status on the engine's one-request-per-item path.
import { describe, expect, it } from 'vitest';

import { FAST, runNode, useCrescendo } from './helpers.mts';

const sandbox = await useCrescendo();

const budget = { maxRequestsPerMinute: FAST.maxRequestsPerMinute };

describe('Crescendo Lab status lookups', () => {
	for (const operation of ['getImportStatus', 'getExportStatus']) {
		it(`${operation}: checks every Task ID before the first lookup is sent`, async () => {
			const run = await runNode(sandbox, {
				items: [{}, {}],
				parameters: { operation, taskId: (i: number) => ['1001', ' '][i], options: budget },
			});
			expect(run.error?.message).toBe('Item 1, field "Task ID": is empty');
			expect(run.fake.sent).toHaveLength(0);
		});
	}

	it('gives one item per input item, in input order, paired with it', async () => {
		const ids = ['11', '12', '13', '14', '15', '16'];
		const run = await runNode(sandbox, {
			items: ids.map((id) => ({ id })),
			parameters: { operation: 'getImportStatus', taskId: (i: number) => ids[i], options: budget },
			continueOnFail: true,
		});
		const out = run.output![0];
		expect(out.map((item) => item.pairedItem)).toEqual(ids.map((_, item) => ({ item })));
		expect(out.map((item) => item.json.error)).toEqual(ids.map((_, i) => expect.stringMatching(new RegExp(`^Item ${i}: The status request failed`))));
		expect(run.fake.sent).toHaveLength(ids.length);
	});
});
