import type { IExecuteFunctions } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';

import { runBulk } from '../../../nodes/shared/bulk';

const ctx = {
	getNode: () => ({ id: 'n', name: 'Node', type: 't', typeVersion: 1, position: [0, 0], parameters: {} }),
	continueOnFail: () => true,
	getExecutionCancelSignal: () => undefined,
} as unknown as IExecuteFunctions;

describe('runBulk byte packing', () => {
	it('measures the payloads as sent, so a request fills to exactly maxBytes', async () => {
		// Each payload is {"v":"xxxxxxxx"} = 16 bytes; [p,p] with its envelope is 2 + 16 + 1 + 16 = 35 bytes.
		const sent: number[] = [];
		const run = await runBulk(ctx, 4, {
			prepare: () => ({ v: 'xxxxxxxx' }),
			limits: { maxUnits: 100, maxBytes: 35 },
			send: async (batch) => {
				sent.push(Buffer.byteLength(JSON.stringify(batch.map((entry) => entry.payload))));
				return batch.map(() => ({ json: {} }));
			},
		});
		expect(run.requests).toBe(2);
		expect(sent).toEqual([35, 35]);
	});
});
