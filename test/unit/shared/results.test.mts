import type { IExecuteFunctions, INode } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';
import { mock } from 'vitest-mock-extended';

import { ERROR_OUTPUT_KEEPS_DETAILS, errorItem, ItemResults } from '../../../nodes/shared/results';
import { errorOutputJson, routesToErrorOutput } from '../../helpers/errorOutput.mts';

const node = { name: 'Node', type: 'test', typeVersion: 1, position: [0, 0], parameters: {} } as unknown as INode;

function context(continueOnFail: boolean): IExecuteFunctions {
	const ctx = mock<IExecuteFunctions>();
	ctx.getNode.mockReturnValue(node);
	ctx.continueOnFail.mockReturnValue(continueOnFail);
	return ctx;
}

describe('ItemResults', () => {
	it('gives failed items json that n8n 2 routes to the error output and keeps whole there', () => {
		const results = new ItemResults(context(true), 2);
		results.succeed(0, { ok: true });
		results.fail(1, new NodeOperationError(node, 'Item 1, field "x": bad'));
		const [items] = results.output();
		expect(items[0]).toEqual({ json: { ok: true }, pairedItem: { item: 0 } });
		expect(routesToErrorOutput(items[0])).toBe(false);
		expect(routesToErrorOutput(items[1])).toBe(true);
		// No error object on the item: n8n would replace the json of such an item with its message alone.
		expect(items[1].error).toBeUndefined();
		expect(errorOutputJson(items[1], { x: 'input value' })).toEqual({
			x: 'input value',
			error: 'Item 1, field "x": bad',
			details: { itemIndex: 1 },
		});
		expect(items[1].pairedItem).toEqual({ item: 1 });
	});

	it('on n8n 1 carries the error object instead, the only thing n8n 1 routes by', () => {
		const failure = new NodeOperationError(node, 'Item 4, field "x": bad', { itemIndex: 4 });
		const old = errorItem(failure, 4, false);
		expect(routesToErrorOutput(old, 1)).toBe(true);
		expect(routesToErrorOutput(errorItem(failure, 4, true), 1)).toBe(false);
		expect(routesToErrorOutput(errorItem(failure, 4, true), 2)).toBe(true);
		expect(old.error).toBe(failure);
		expect(old.json).toMatchObject({ error: 'Item 4, field "x": bad', details: { itemIndex: 4 } });
	});

	it('knows the n8n-workflow it runs with (2.x here) keeps the details', () => {
		expect(ERROR_OUTPUT_KEEPS_DETAILS).toBe(true);
	});

	it('throws the first failure by item order without continue on fail', () => {
		const results = new ItemResults(context(false), 3);
		results.fail(2, new Error('late'));
		results.fail(1, new Error('early'));
		results.succeed(0, {});
		expect(() => results.output()).toThrow(/early/);
	});
});
