import { describe, expect, it } from 'vitest';

import { runBulk } from '../../../nodes/shared/bulk';
import { invalidField } from '../../../nodes/shared/errors';
import { fakeContext } from '../../helpers/fakeContext.mts';

const items = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `u${i}`, email: i % 10 === 3 ? 'bad' : `u${i}@x.io` }));

describe('runBulk', () => {
	it('validates first, packs the valid items and gives every input one outcome in order', async () => {
		const ctx = fakeContext({ items: items(25), continueOnFail: true });
		const batches: string[][] = [];
		const run = await runBulk(ctx, 25, {
			prepare: (i) => {
				const json = ctx.getInputData()[i].json;
				if (json.email === 'bad') throw invalidField(ctx.getNode(), i, 'email', 'is not a valid email address');
				return json;
			},
			limits: { maxUnits: 10 },
			send: async (batch) => {
				batches.push(batch.map((entry) => String(entry.payload.id)));
				return batch.map((entry) => ({ json: { id: entry.payload.id, accepted: true } }));
			},
		});
		const [output] = run.results.output();
		expect(output).toHaveLength(25);
		expect(output.map((item) => item.pairedItem)).toEqual(Array.from({ length: 25 }, (_, i) => ({ item: i })));
		expect(output[3].json).toMatchObject({
			error: 'Item 3, field "email": is not a valid email address',
			details: { itemIndex: 3 },
		});
		expect(output[4].json).toEqual({ id: 'u4', accepted: true });
		// 22 valid items in requests of at most 10, none with an invalid item.
		expect(batches.map((b) => b.length)).toEqual([10, 10, 2]);
		expect(batches.flat()).not.toContain('u3');
		expect(run.requests).toBe(3);
	});

	it('sends nothing and throws the first bad item when the node does not continue on fail', async () => {
		const ctx = fakeContext({ items: items(20) });
		let sent = 0;
		const failure = runBulk(ctx, 20, {
			prepare: (i) => {
				if (ctx.getInputData()[i].json.email === 'bad') throw invalidField(ctx.getNode(), i, 'email', 'is not valid');
				return i;
			},
			limits: { maxUnits: 10 },
			send: async (batch) => {
				sent += batch.length;
				return batch.map(() => ({ json: {} }));
			},
		});
		await expect(failure).rejects.toThrow('Item 3, field "email"');
		expect(sent).toBe(0);
	});

	it('fails every item of a request that failed, and only those', async () => {
		const ctx = fakeContext({ items: items(6), continueOnFail: true });
		const run = await runBulk(ctx, 6, {
			prepare: (i) => i,
			limits: { maxUnits: 2 },
			send: async (batch, n) => {
				if (n === 1) throw new Error('HTTP 500 after 6 attempts');
				return batch.map((entry) => ({ json: { n: entry.payload } }));
			},
			requestName: 'The upsert request',
		});
		const [output] = run.results.output();
		expect(output.map((item) => ('error' in item.json ? 'error' : 'ok'))).toEqual(['ok', 'ok', 'error', 'error', 'ok', 'ok']);
		expect(output[2].json.error).toBe('Item 2: The upsert request failed. HTTP 500 after 6 attempts');
	});

	it('maps per-entry vendor rejections to exactly those items', async () => {
		const ctx = fakeContext({ items: items(5), continueOnFail: true });
		const run = await runBulk(ctx, 5, {
			prepare: (i) => i,
			limits: { maxUnits: 5 },
			send: async (batch) => batch.map((entry) => (entry.payload === 2 ? { error: new Error('email rejected') } : { json: { ok: true } })),
		});
		expect(run.results.failures()).toBe(1);
		expect(run.results.output()[0][2].json.error).toContain('email rejected');
	});

	it('marks an item too large for any request as an error and sends the rest', async () => {
		const ctx = fakeContext({ items: items(3), continueOnFail: true });
		const sent: number[] = [];
		const run = await runBulk(ctx, 3, {
			prepare: (i) => ({ i, pad: 'x'.repeat(i === 1 ? 500 : 5) }),
			limits: { maxUnits: 10, maxBytes: 100 },
			send: async (batch) => {
				sent.push(...batch.map((entry) => entry.payload.i));
				return batch.map(() => ({ json: { ok: true } }));
			},
		});
		expect(sent).toEqual([0, 2]);
		expect(run.results.output()[0][1].json.error).toMatch(
			/^Item 1, field "pad": is the largest part of an item that is \d+ bytes, more than the 100 bytes/,
		);
	});

	it('runs requests concurrently but keeps requests that share a key in order', async () => {
		const ctx = fakeContext({ items: Array.from({ length: 8 }, () => ({})) });
		const log: string[] = [];
		let inFlight = 0;
		let maxInFlight = 0;
		await runBulk(ctx, 8, {
			// Items 0 and 6 share the key "a"; their requests (0 and 3) must not overlap or reorder.
			prepare: (i) => ({ key: i === 0 || i === 6 ? 'a' : `k${i}` }),
			limits: { maxUnits: 2 },
			concurrency: 4,
			keys: (payload) => [payload.key],
			send: async (batch, n) => {
				inFlight++;
				maxInFlight = Math.max(maxInFlight, inFlight);
				log.push(`start ${n}`);
				await new Promise((resolve) => setTimeout(resolve, n === 0 ? 30 : 5));
				log.push(`end ${n}`);
				inFlight--;
				return batch.map(() => ({ json: {} }));
			},
		});
		expect(maxInFlight).toBeGreaterThan(1);
		expect(log.indexOf('start 3')).toBeGreaterThan(log.indexOf('end 0'));
	});

	it('sends a request whose entries share a key (it once waited for itself forever)', async () => {
		const ctx = fakeContext({ items: items(6) });
		const sent: number[][] = [];
		const run = await runBulk(ctx, 6, {
			// Items 0, 1 and 4 are one profile; items 0 and 1 land in the same request.
			prepare: (i) => ({ key: [0, 1, 4].includes(i) ? 'same' : `k${i}` }),
			limits: { maxUnits: 3 },
			concurrency: 2,
			keys: (payload) => [payload.key],
			send: async (batch) => {
				sent.push(batch.map((entry) => entry.itemIndex));
				return batch.map((entry) => ({ json: { item: entry.itemIndex } }));
			},
		});
		expect(sent).toEqual([
			[0, 1, 2],
			[3, 4, 5],
		]);
		expect(run.results.output()[0].map((item) => item.json.item)).toEqual([0, 1, 2, 3, 4, 5]);
	});

	it('handles no input items', async () => {
		const ctx = fakeContext({ items: [] });
		const run = await runBulk(ctx, 0, { prepare: (i) => i, limits: { maxUnits: 1 }, send: async () => [] });
		expect(run.results.output()).toEqual([[]]);
		expect(run.requests).toBe(0);
	});
});
