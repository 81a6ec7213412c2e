import { afterEach, describe, expect, it } from 'vitest';

import { json, seededRandom, SlidingWindow, startVendor, TokenBucket, type RunningVendor, type VendorModule } from '../../sandbox/core.mts';

function echoVendor(): VendorModule {
	let writes: unknown[] = [];
	return {
		name: 'echo',
		routes: [
			{ method: 'POST', path: '/items/:id', handler: (req) => (writes.push({ id: req.params.id, body: req.body }), json(201, { id: req.params.id })) },
			{ method: 'GET', path: '/bad-json', handler: (req) => json(req.bodyError ? 400 : 200, { error: req.bodyError }) },
		],
		state: () => ({ writes }),
		reset: () => (writes = []),
		configure: (knobs) => knobs,
	};
}

let running: RunningVendor | undefined;
afterEach(async () => {
	await running?.close();
	running = undefined;
});

async function call(path: string, init?: RequestInit): Promise<Response | 'reset'> {
	try {
		return await fetch(`${running!.url}${path}`, init);
	} catch {
		return 'reset';
	}
}

describe('sandbox core', () => {
	it('routes with parameters, records state and exposes it through the inspection routes', async () => {
		running = await startVendor(echoVendor());
		const response = (await call('/items/a%2Fb', { method: 'POST', body: JSON.stringify({ x: 1 }), headers: { 'content-type': 'application/json' } })) as Response;
		expect(response.status).toBe(201);
		const state = await (await fetch(`${running.url}/__sandbox/state`)).json();
		expect(state).toEqual({ writes: [{ id: 'a/b', body: { x: 1 } }] });
		const stats = (await (await fetch(`${running.url}/__sandbox/stats`)).json()) as { byRoute: unknown };
		expect(stats.byRoute).toEqual({ 'POST /items/:id': 1 });
		await fetch(`${running.url}/__sandbox/reset`, { method: 'POST' });
		expect(await (await fetch(`${running.url}/__sandbox/state`)).json()).toEqual({ writes: [] });
		expect(((await call('/nowhere')) as Response).status).toBe(404);
	});

	it('injects seeded faults: the same seed replays the same sequence', async () => {
		const outcomes: string[][] = [];
		for (let run = 0; run < 2; run++) {
			running = await startVendor(echoVendor(), { faults: { seed: 42, error5xxRate: 0.2, rate429: 0.2, resetRate: 0.1, retryAfterSeconds: 3 } });
			const seen: string[] = [];
			for (let i = 0; i < 40; i++) {
				const response = await call(`/items/${i}`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
				if (response === 'reset') seen.push('reset');
				else {
					seen.push(String(response.status));
					if (response.status === 429) expect(response.headers.get('retry-after')).toBe('3');
				}
			}
			outcomes.push(seen);
			const stats = running.stats();
			expect(stats.injected.error5xx + stats.injected.rate429 + stats.injected.reset).toBe(seen.filter((s) => s !== '201').length);
			await running.close();
			running = undefined;
		}
		expect(outcomes[0]).toEqual(outcomes[1]);
		for (const kind of ['201', '429', 'reset']) expect(outcomes[0]).toContain(kind);
		expect(outcomes[0].some((s) => s.startsWith('5'))).toBe(true);
	});

	it('changes faults and the time scale at run time through the config route', async () => {
		running = await startVendor(echoVendor());
		const config = (await (
			await fetch(`${running.url}/__sandbox/config`, { method: 'POST', body: JSON.stringify({ timeScale: 0.5, faults: { error5xxRate: 1 } }), headers: { 'content-type': 'application/json' } })
		).json()) as { timeScale: number };
		expect(config.timeScale).toBe(0.5);
		const response = (await call('/items/1', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })) as Response;
		expect(response.status).toBeGreaterThanOrEqual(500);
		expect(running.module.state()).toEqual({ writes: [] });
	});

	it('flags malformed JSON bodies for the vendor to answer in its own shape', async () => {
		running = await startVendor(echoVendor());
		const response = (await call('/bad-json', { method: 'GET', headers: { 'content-type': 'application/json' } })) as Response;
		expect(response.status).toBe(200);
	});
});

describe('limits', () => {
	it('SlidingWindow allows the limit per window and says when the next one fits', () => {
		const window = new SlidingWindow(15, 60_000);
		for (let i = 0; i < 15; i++) expect(window.hit('org', i * 1000).ok).toBe(true);
		expect(window.hit('org', 20_000)).toEqual({ ok: false, retryAfterMs: 40_000 });
		expect(window.hit('other', 20_000).ok).toBe(true);
		expect(window.hit('org', 60_001).ok).toBe(true);
	});

	it('TokenBucket refills at its rate', () => {
		const bucket = new TokenBucket(100, 100, 0);
		expect(bucket.take(100, 0).ok).toBe(true);
		expect(bucket.take(50, 100)).toEqual({ ok: false, retryAfterMs: 400 });
		expect(bucket.take(50, 500).ok).toBe(true);
	});

	it('seededRandom is deterministic', () => {
		const a = seededRandom(7);
		const b = seededRandom(7);
		expect([a(), a(), a()]).toEqual([b(), b(), b()]);
	});
});
