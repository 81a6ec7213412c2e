import type { IExecuteFunctions, INode } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';
import { mock } from 'vitest-mock-extended';

import { runBulk } from '../../../nodes/shared/bulk';

function context(continueOnFail = true): IExecuteFunctions {
	const ctx = mock<IExecuteFunctions>();
	ctx.getNode.mockReturnValue({ name: 'Test', type: 'test', typeVersion: 1, position: [0, 0], parameters: {} } as INode);
	ctx.continueOnFail.mockReturnValue(continueOnFail);
	ctx.getExecutionCancelSignal.mockReturnValue(undefined);
	return ctx;
}

describe('runBulk settle', () => {
	it('settles entries without sending them and sends the rest, keeping one outcome per item in order', async () => {
		const sent: number[][] = [];
		const run = await runBulk(context(), 6, {
			prepare: (i) => ({ id: i }),
			settle: (payload) => (payload.id % 2 === 0 ? { id: payload.id, status: 'skipped' } : undefined),
			limits: { maxUnits: 2 },
			send: async (batch) => {
				sent.push(batch.map((entry) => entry.payload.id));
				return batch.map((entry) => ({ json: { id: entry.payload.id, status: 'sent' } }));
			},
		});
		expect(sent).toEqual([[1, 3], [5]]);
		expect(run.requests).toBe(2);
		expect(run.results.output()[0].map((item) => item.json)).toEqual([
			{ id: 0, status: 'skipped' },
			{ id: 1, status: 'sent' },
			{ id: 2, status: 'skipped' },
			{ id: 3, status: 'sent' },
			{ id: 4, status: 'skipped' },
			{ id: 5, status: 'sent' },
		]);
	});

	it('sends nothing when every entry is settled', async () => {
		let calls = 0;
		const run = await runBulk(context(), 3, {
			prepare: (i) => i,
			settle: () => ({ status: 'skipped' }),
			limits: { maxUnits: 10 },
			send: async () => {
				calls++;
				return [];
			},
		});
		expect(calls).toBe(0);
		expect(run.requests).toBe(0);
		expect(run.results.output()[0]).toHaveLength(3);
	});
});
