// n8n rewrites error messages that mention common network codes; the engine's errors must still name the
// item (and field), with n8n's plain-language sentence kept as the description of network failures.
import { NodeApiError } from 'n8n-workflow';
import type { INode, JsonObject } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';

import { invalidField, rejectedItem, requestFailed } from '../../../nodes/shared/errors';
import { VendorHttpError, VendorNetworkError } from '../../../nodes/shared/transport';

const node: INode = { id: 'n', name: 'Node', type: 'test', typeVersion: 1, position: [0, 0], parameters: {} };

describe('errors keep the item and field in their message', () => {
	it('a network failure after retries names the item, with n8n\'s sentence as the description', () => {
		const error = requestFailed(node, new VendorNetworkError('The request failed after 6 attempts: ECONNREFUSED', 'ECONNREFUSED', 6), 3, 'The import');
		expect(error.message).toBe('Item 3: The import failed. The request failed after 6 attempts: ECONNREFUSED');
		expect((error as NodeApiError).description).toMatch(/refused the connection/);
		expect((error as NodeApiError).context.itemIndex).toBe(3);
	});

	it('an HTTP failure whose vendor text mentions a network code keeps its message', () => {
		const error = requestFailed(node, new VendorHttpError(502, 'x', 'The service answered 502: upstream ETIMEDOUT'), 1);
		expect(error.message).toBe('Item 1: The request failed. The service answered 502: upstream ETIMEDOUT');
	});

	it('bad input and vendor rejections keep the item and field even when the value looks like a code', () => {
		expect(invalidField(node, 2, 'note', 'value "ECONNRESET" is not allowed').message).toBe('Item 2, field "note": value "ECONNRESET" is not allowed');
		expect(rejectedItem(node, 4, 'ENOTFOUND is not a city', 'city').message).toBe('Item 4, field "city": ENOTFOUND is not a city');
	});

	it('an error n8n raised itself (no item index) gets the item named', () => {
		const raw = new NodeApiError(node, new Error('Synerise login failed (HTTP 401): wrong key') as unknown as JsonObject);
		const error = requestFailed(node, raw, 5, 'The get request');
		expect(error.message).toBe('Item 5: The get request failed. Synerise login failed (HTTP 401): wrong key');
		expect((error as NodeApiError).context.itemIndex).toBe(5);
	});

	it('an error that already names its item passes unchanged', () => {
		const named = invalidField(node, 7, 'email', 'is not an email address');
		expect(requestFailed(node, named, 7)).toBe(named);
	});
});
