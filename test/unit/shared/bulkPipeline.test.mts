import { describe, expect, it } from 'vitest';

import { runBulk } from '../../../nodes/shared/bulk';
import { invalidField } from '../../../nodes/shared/errors';
import { fakeContext } from '../../helpers/fakeContext.mts';

const items = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `u${i}`, email: i % 97 === 50 ? 'bad' : `u${i}@x.io` }));
/** An answer that arrives later, as over HTTP, so preparation may run meanwhile. */
const later = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

describe('runBulk as a pipeline', () => {
	it('sends the first request before the last item is prepared, and holds a bounded number of requests', async () => {
		const count = 1000;
		const ctx = fakeContext({ items: items(count), continueOnFail: true });
		let prepared = 0;
		let answered = 0;
		let mostHeld = 0;
		const preparedAtSend: number[] = [];
		const run = await runBulk(ctx, count, {
			prepare: async (i) => {
				prepared++;
				mostHeld = Math.max(mostHeld, prepared - answered);
				return ctx.getInputData()[i].json;
			},
			limits: { maxUnits: 10 },
			concurrency: 1,
			bufferedRequests: 1,
			send: async (batch) => {
				preparedAtSend.push(prepared);
				await later();
				answered += batch.length;
				return batch.map((entry) => ({ json: { id: entry.payload.id } }));
			},
		});
		expect(run.requests).toBe(100);
		expect(preparedAtSend[0]).toBeLessThan(count);
		// One request in flight, one full one waiting and one being filled: never more than 30 items held.
		expect(mostHeld).toBeLessThanOrEqual(30);
		const [output] = run.results.output();
		expect(output.map((item) => item.json.id)).toEqual(items(count).map((item) => item.id));
	});

	it('keeps input order and pairedItem, and fails bad items before any request carries them', async () => {
		const count = 300;
		const ctx = fakeContext({ items: items(count), continueOnFail: true });
		const sent: string[] = [];
		const run = await runBulk(ctx, count, {
			prepare: async (i) => {
				const json = ctx.getInputData()[i].json;
				if (json.email === 'bad') throw invalidField(ctx.getNode(), i, 'email', 'is not a valid email address');
				return json;
			},
			limits: { maxUnits: 7 },
			concurrency: 3,
			send: async (batch) => {
				await later();
				sent.push(...batch.map((entry) => String(entry.payload.id)));
				return batch.map((entry) => ({ json: { id: entry.payload.id } }));
			},
		});
		const [output] = run.results.output();
		expect(output.map((item) => item.pairedItem)).toEqual(Array.from({ length: count }, (_, i) => ({ item: i })));
		for (const bad of [50, 147, 244]) {
			expect(output[bad].json.error).toBe(`Item ${bad}, field "email": is not a valid email address`);
			expect(sent).not.toContain(`u${bad}`);
		}
		expect(sent).toHaveLength(count - 3);
	});

	it('without Continue On Fail, checks every item before the first request: a late bad item fails the node with nothing sent', async () => {
		const count = 100;
		const ctx = fakeContext({ items: items(count) });
		const sent: number[] = [];
		await expect(
			runBulk(ctx, count, {
				prepare: async (i) => {
					const json = ctx.getInputData()[i].json;
					if (json.email === 'bad') throw invalidField(ctx.getNode(), i, 'email', 'is not a valid email address');
					return i;
				},
				limits: { maxUnits: 10 },
				send: async (batch) => {
					sent.push(...batch.map((entry) => entry.payload));
					return batch.map(() => ({ json: {} }));
				},
			}),
		).rejects.toThrow(/^Item 50, field "email": is not a valid email address/);
		expect(sent).toEqual([]);
	});

	it('chooses the sending once the lookahead is prepared, or when the input ends with fewer entries', async () => {
		const chosen: Array<[number, boolean]> = [];
		const choose = {
			lookahead: 5,
			sending: (entries: number, complete: boolean) => {
				chosen.push([entries, complete]);
				return { limits: { maxUnits: complete ? 100 : 2 }, send: async (batch: unknown[]) => batch.map(() => ({ json: {} })) };
			},
		};
		const many = await runBulk(fakeContext({ items: items(12), continueOnFail: true }), 12, { prepare: (i) => i, choose });
		const few = await runBulk(fakeContext({ items: items(3), continueOnFail: true }), 3, { prepare: (i) => i, choose });
		expect(chosen).toEqual([
			[5, false],
			[3, true],
		]);
		expect([many.requests, few.requests]).toEqual([6, 1]);
	});
});
