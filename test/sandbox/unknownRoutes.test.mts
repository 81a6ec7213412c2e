// A path a vendor does not serve gets that vendor's own 404, never a generic sandbox answer: a node that
// drifts to a wrong path then sees what it would see at the vendor.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startSandbox, type Sandbox, type VendorName } from '../../sandbox/index.mts';

let sandbox: Sandbox;
beforeAll(async () => {
	sandbox = await startSandbox({ ports: 'random' });
});
afterAll(async () => {
	await sandbox?.close();
});

const expected: Record<VendorName, (body: string) => void> = {
	crescendoLab: (body) => expect(JSON.parse(body)).toEqual({ detail: 'Not Found' }),
	talonOne: (body) => expect(JSON.parse(body)).toMatchObject({ StatusCode: 404, Error: 'Not Found', RequestUUID: expect.any(String) }),
	synerise: (body) => expect(body).toBe(''),
	insider: (body) => expect(JSON.parse(body)).toEqual({ error: 'Not Found' }),
	batch: (body) => expect(JSON.parse(body)).toMatchObject({ error_code: 'ROUTE_NOT_FOUND' }),
};

describe('unknown routes', () => {
	it.each(Object.keys(expected) as VendorName[])('%s answers in its own error shape', async (name) => {
		for (const [method, path] of [
			['GET', '/no/such/route'],
			['POST', '/v4/clients/batch/'],
			['DELETE', '/api/user/v1/upsert'],
		]) {
			const response = await fetch(`${sandbox.vendor(name).url}${path}`, { method });
			expect(response.status).toBe(404);
			expected[name](await response.text());
		}
	});
});
