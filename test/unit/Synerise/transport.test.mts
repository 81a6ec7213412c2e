import { describe, expect, it } from 'vitest';

import { syneriseErrorMessage } from '../../../nodes/Synerise/transport';
import { KEYS } from '../../../sandbox/synerise.mts';
import { runNode, syneriseContext } from './context.mts';
import { useSynerise } from './sandbox.mts';

const { vendor } = await useSynerise();

describe('Synerise transport', () => {
	it('reads both error shapes, with field details, and ignores HTML pages', () => {
		expect(
			syneriseErrorMessage({
				error: 'Bad Request',
				status: 400,
				message: 'Validation failed',
				errors: [{ code: 1, field: 'email', message: 'must be a well-formed email address', rejectedValue: 'x' }],
			}),
		).toBe('Validation failed – email: must be a well-formed email address');
		expect(syneriseErrorMessage({ error: 'Unauthorized', status: 401, message: 'Token expired', path: '/v4/clients' })).toBe('Token expired');
		expect(syneriseErrorMessage({ error: 'Forbidden', status: 403 })).toBe('Forbidden');
		expect(syneriseErrorMessage('{"message":"as text"}')).toBe('as text');
		expect(syneriseErrorMessage('<html><body>Bad gateway</body></html>')).toBeUndefined();
		expect(syneriseErrorMessage('')).toBeUndefined();
	});

	it('waits out 429 answers for their Retry-After and completes every item', async () => {
		vendor.module.configure({ ratePerSecond: 4, rateBurst: 2, retryAfterSeconds: 1 });
		const run = syneriseContext({
			credential: { authMethod: 'basic', apiKey: KEYS.full.apiKey, workspaceGuid: KEYS.full.guid, baseUrl: vendor.url },
			items: Array.from({ length: 6 }, () => ({})),
			params: { resource: 'profile', operation: 'getAll', returnAll: false, limit: 5 },
		});
		const started = Date.now();
		const out = await runNode(run);
		expect(out).toEqual([]);
		const state = vendor.module.state() as { rateLimited: number };
		expect(state.rateLimited).toBeGreaterThan(0);
		// Six list calls at 4 per second with a burst of 2: the 429s are waited out, not failed.
		expect(vendor.stats().byStatus['200']).toBe(6);
		expect(Date.now() - started).toBeGreaterThanOrEqual(900);
	});

	it('sends the API version and JSON headers on every call, and paths under the base URL override', async () => {
		const run = syneriseContext({
			credential: { authMethod: 'jwt', apiKey: KEYS.full.apiKey, baseUrl: `${vendor.url}/`, region: 'https://api.geb.synerise.com' },
			params: { resource: 'profile', operation: 'getAll', returnAll: false, limit: 1 },
		});
		await runNode(run);
		const [login, list] = run.ctx.calls;
		expect(login.url).toBe(`${vendor.url}/uauth/v2/auth/login/profile`);
		expect(list.url).toBe(`${vendor.url}/v4/clients?pageIndex=1&pageSize=1`);
		expect(list.headers).toMatchObject({ 'api-version': '4.4', accept: 'application/json' });
		expect(list.headers.authorization).toBe(`Bearer ${String(run.credential.token)}`);
	});
});
