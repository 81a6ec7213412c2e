// Issue #18: without Continue On Fail the node ends at the first failure, so the bulk runner starts no
// request after one and the error says what was already applied; error items carry the same fields in
// every node; an expression that fails for one item is a parameter error of that item.
import { ExpressionError } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';

import { runBulk } from '../../../nodes/shared/bulk';
import { invalidField, rejectedItem, requestFailed } from '../../../nodes/shared/errors';
import { errorJson, itemRanges } from '../../../nodes/shared/results';
import { VendorHttpError } from '../../../nodes/shared/transport';
import { fakeContext } from '../../helpers/fakeContext.mts';

const inputs = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `p${i}` }));

async function runWithFailureAt(failAt: number, options: { items: number; concurrency: number; continueOnFail: boolean }) {
	const ctx = fakeContext({ items: inputs(options.items), continueOnFail: options.continueOnFail });
	const sent: number[] = [];
	const run = runBulk(ctx, options.items, {
		prepare: (i) => i,
		limits: { maxUnits: 1 },
		concurrency: options.concurrency,
		send: async ([entry]) => {
			sent.push(entry.itemIndex);
			await new Promise((resolve) => setTimeout(resolve, 2));
			if (entry.itemIndex === failAt) throw new VendorHttpError(400, { error_code: 'INVALID_PROFILE' }, 'The service answered 400');
			return [{ json: { id: entry.payload } }];
		},
	});
	return { ctx, sent, run };
}

describe('stopping at the first failure', () => {
	it('starts no request after a failure and names what was applied and what was not sent', async () => {
		const { sent, run } = await runWithFailureAt(2, { items: 300, concurrency: 1, continueOnFail: false });
		const { results } = await run;
		expect(sent).toEqual([0, 1, 2]);
		expect(() => results.output()).toThrow(
			'Item 2: The request failed. The service answered 400 [The node stopped at this error: 2 other items had already succeeded and stay applied (items 0–1); 297 were not sent. Turn on Continue On Fail for a result per item.]',
		);
	});

	it('lets requests already in flight finish, and counts them as applied', async () => {
		const { sent, run } = await runWithFailureAt(2, { items: 300, concurrency: 4, continueOnFail: false });
		const { results } = await run;
		// At most the requests in flight when item 2 failed went out after it.
		expect(sent.length).toBeLessThanOrEqual(2 + 4);
		const applied = sent.filter((i) => i !== 2).length;
		expect(() => results.output()).toThrow(`${applied} other items had already succeeded and stay applied`);
		expect(() => results.output()).toThrow(`${300 - sent.length} were not sent`);
	});

	it('with Continue On Fail sends everything and gives every item its own result', async () => {
		const { sent, run } = await runWithFailureAt(2, { items: 50, concurrency: 3, continueOnFail: true });
		const [output] = (await run).results.output();
		expect(sent).toHaveLength(50);
		expect(output).toHaveLength(50);
		expect(output[2].json).toEqual({
			error: 'Item 2: The request failed. The service answered 400',
			details: { itemIndex: 2, httpCode: '400', vendorCode: 'INVALID_PROFILE', description: 'The service answered 400' },
		});
		expect(output[3].json).toEqual({ id: 3 });
	});

	it('a failure on the only request needs no summary', async () => {
		const { run } = await runWithFailureAt(0, { items: 1, concurrency: 1, continueOnFail: false });
		const { results } = await run;
		expect(() => results.output()).toThrow(/^Item 0: The request failed. The service answered 400$/);
	});
});

describe('error items', () => {
	const node = fakeContext().getNode();

	it('carry the field of bad input and of a per-item refusal', () => {
		expect(errorJson(invalidField(node, 4, 'email', 'is not an email address'), 4)).toEqual({
			error: 'Item 4, field "email": is not an email address',
			details: {
				itemIndex: 4,
				field: 'email',
				description: 'Fix the value of "email" in input item 4; nothing was sent for this item.',
			},
		});
		expect(errorJson(rejectedItem(node, 1, 'unknown attribute', 'attributes.shoe', 'INVALID_ATTRIBUTE'), 1)).toMatchObject({
			details: { itemIndex: 1, field: 'attributes.shoe', vendorCode: 'INVALID_ATTRIBUTE' },
		});
	});

	it('take a vendor code only when it is a code, not prose', () => {
		const coded = requestFailed(node, new VendorHttpError(409, { errorCode: 'PROFILE_EXISTS' }, 'The service answered 409'), 0);
		const prose = requestFailed(node, new VendorHttpError(400, { error: 'Bad Request', message: 'x' }, 'The service answered 400'), 0);
		expect(errorJson(coded, 0).details).toMatchObject({ httpCode: '409', vendorCode: 'PROFILE_EXISTS' });
		expect(errorJson(prose, 0).details).not.toHaveProperty('vendorCode');
	});
});

describe('parameter errors', () => {
	it('report an expression that failed for one item as a parameter error naming the parameter', async () => {
		const ctx = fakeContext({ items: inputs(5), continueOnFail: true });
		let sent = 0;
		const run = await runBulk(ctx, 5, {
			prepare: (i) => {
				if (i === 3) {
					// What n8n's getNodeParameter throws for `{{ $('Missing').item.json.email }}`.
					const error = new ExpressionError("Referenced node doesn't exist", { itemIndex: 3 });
					error.context.parameter = 'email';
					throw error;
				}
				return i;
			},
			limits: { maxUnits: 10 },
			send: async (batch) => {
				sent += batch.length;
				return batch.map(() => ({ json: {} }));
			},
		});
		const [output] = run.results.output();
		expect(sent).toBe(4);
		expect(output[3].json).toMatchObject({
			error: `Item 3, parameter "email": Referenced node doesn't exist`,
			details: { itemIndex: 3, field: 'email' },
		});
		expect(String(output[3].json.error)).not.toMatch(/request failed/i);
	});
});

describe('itemRanges', () => {
	it('folds runs of indices and caps long lists', () => {
		expect(itemRanges([0, 1, 2, 5, 7, 8])).toBe('items 0–2, 5, 7–8');
		expect(itemRanges([4])).toBe('item 4');
		expect(itemRanges(Array.from({ length: 30 }, (_, i) => i * 2), 3)).toBe('items 0, 2, 4, and 27 more ranges');
	});
});
