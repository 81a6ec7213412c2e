// The client of the fakes' control routes: what it reads and changes, and how it treats a dropped connection
// and a refused call.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { SandboxControl } from '../../sandbox/control.mts';
import { startSandbox, type Sandbox } from '../../sandbox/index.mts';

let sandbox: Sandbox;

beforeAll(async () => {
	sandbox = await startSandbox({ only: ['batch'], ports: 'random' });
});
afterAll(async () => await sandbox.close());

async function listen(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; close: () => Promise<void> }> {
	const server = createServer(handler);
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		close: async () => {
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}

describe('SandboxControl', () => {
	it('configures, reads the state and the statistics, and resets', async () => {
		const control = sandbox.control('batch');
		const config = await control.configure({ timeScale: 0.5, faults: { error5xxRate: 0 }, knobs: { visibilityDelayMs: 0 } });
		expect(config.timeScale).toBe(0.5);
		expect(config.faults.error5xxRate).toBe(0);
		expect(config.knobs).toMatchObject({ visibilityDelayMs: 0 });
		expect(await control.config()).toEqual(config);
		expect((await control.setFaults({ rate429: 0 })).faults.rate429).toBe(0);

		const keys = sandbox.credentials.batch as { restApiKey: string; projectKey: string };
		const response = await fetch(`${control.url}/2.11/profiles/update`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', authorization: `Bearer ${keys.restApiKey}`, 'x-batch-project': keys.projectKey },
			body: JSON.stringify([{ identifiers: { custom_id: 'jane' }, attributes: { plan: 'gold' } }]),
		});
		expect(response.status).toBe(202);
		expect((await control.state()).profileCount).toBe(1);
		expect((await control.stats()).requests).toBe(1);

		await control.reset();
		expect((await control.state()).profileCount).toBe(0);
		expect((await control.stats()).requests).toBe(0);
		await control.configure({ timeScale: 1 });
	});

	it('retries a call whose connection was dropped, up to three attempts', async () => {
		let seen = 0;
		const flaky = await listen((req, res) => {
			seen++;
			if (seen < 3) {
				req.socket.destroy();
				return;
			}
			res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ writes: [] }));
		});
		try {
			expect(await new SandboxControl(flaky.url).state()).toEqual({ writes: [] });
			expect(seen).toBe(3);

			seen = -10;
			await expect(new SandboxControl(flaky.url).state()).rejects.toThrow(TypeError);
			expect(seen).toBe(-7);
		} finally {
			await flaky.close();
		}
	});

	it('throws when a call is refused, with the status and the answer', async () => {
		const refusing = await listen((_req, res) => {
			res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'unknown sandbox route' }));
		});
		try {
			await expect(new SandboxControl(refusing.url).reset()).rejects.toThrow(/POST .*\/__sandbox\/reset answered 404: .*unknown sandbox route/);
		} finally {
			await refusing.close();
		}
	});
});
