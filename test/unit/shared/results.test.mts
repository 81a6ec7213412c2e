import type { IExecuteFunctions, INode } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';
import { mock } from 'vitest-mock-extended';

import { ItemResults } from '../../../nodes/shared/results';

const node = { name: 'Node', type: 'test', typeVersion: 1, position: [0, 0], parameters: {} } as unknown as INode;

function context(continueOnFail: boolean): IExecuteFunctions {
	const ctx = mock<IExecuteFunctions>();
	ctx.getNode.mockReturnValue(node);
	ctx.continueOnFail.mockReturnValue(continueOnFail);
	return ctx;
}

describe('ItemResults', () => {
	it('marks failed items with `error`, so n8n can route them to the error output', () => {
		const results = new ItemResults(context(true), 2);
		results.succeed(0, { ok: true });
		results.fail(1, new NodeOperationError(node, 'Item 1, field "x": bad'));
		const [items] = results.output();
		expect(items[0]).toEqual({ json: { ok: true }, pairedItem: { item: 0 } });
		expect(items[1].error).toBeInstanceOf(NodeOperationError);
		expect(items[1].json).toMatchObject({ error: 'Item 1, field "x": bad', itemIndex: 1 });
		expect(items[1].pairedItem).toEqual({ item: 1 });
	});

	it('throws the first failure by item order without continue on fail', () => {
		const results = new ItemResults(context(false), 3);
		results.fail(2, new Error('late'));
		results.fail(1, new Error('early'));
		results.succeed(0, {});
		expect(() => results.output()).toThrow(/early/);
	});
});
