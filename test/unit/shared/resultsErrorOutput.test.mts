import { describe, expect, it } from 'vitest';
import { mock } from 'vitest-mock-extended';
import type { IExecuteFunctions, INode } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { ItemResults } from '../../../nodes/shared/results';

describe('ItemResults error items', () => {
	it('carry the n8n error on the item, which is what routes them to the error output', () => {
		const ctx = mock<IExecuteFunctions>();
		ctx.getNode.mockReturnValue({ name: 'Node' } as INode);
		ctx.continueOnFail.mockReturnValue(true);
		const results = new ItemResults(ctx, 3);
		results.succeed(0, { ok: true });
		results.fail(1, new NodeOperationError({ name: 'Node' } as INode, 'Item 1, field "x": bad', { itemIndex: 1 }));
		results.fail(2, new Error('plain failure'));
		const [items] = results.output();
		expect(items[0].error).toBeUndefined();
		expect(items[1].error).toBeInstanceOf(NodeOperationError);
		expect(items[1].error?.message).toBe('Item 1, field "x": bad');
		expect(items[1].json).toMatchObject({ error: 'Item 1, field "x": bad', itemIndex: 1 });
		expect(items[2].error).toBeInstanceOf(NodeOperationError);
		expect(items[2].error?.message).toMatch(/plain failure/);
		expect(items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
	});
});
