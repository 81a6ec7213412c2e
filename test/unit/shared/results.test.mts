import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';

import { ItemResults } from '../../../nodes/shared/results';

const node = { id: 'n', name: 'Node', type: 't', typeVersion: 1, position: [0, 0] as [number, number], parameters: {} };
const ctx = { getNode: () => node, continueOnFail: () => true } as unknown as IExecuteFunctions;

describe('ItemResults error items', () => {
	it('carry the error on the item, which is what routes them to n8n’s error output', () => {
		const results = new ItemResults(ctx, 2);
		results.succeed(0, { ok: true });
		results.fail(1, new NodeOperationError(node, 'Item 1, field "email": bad'));
		const [items] = results.output();
		expect(items[0]).toEqual({ json: { ok: true }, pairedItem: { item: 0 } });
		expect(items[1].json).toMatchObject({ error: 'Item 1, field "email": bad', itemIndex: 1 });
		expect(items[1].error).toBeInstanceOf(NodeOperationError);
		expect(items[1].pairedItem).toEqual({ item: 1 });
	});
});
