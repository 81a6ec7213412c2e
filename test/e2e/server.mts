// A real `n8n start` for tests that need the editor or webhooks: the user folder of an `N8n` (package,
// credentials and workflows already imported), an owner provisioned from the environment as `npm start`
// does, and a logged-in REST session.
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';

import { freePort } from '../../scripts/n8nHome.mts';
import type { N8n } from './harness.mts';

export const OWNER = { email: 'owner@sandbox.local', password: 'Sandbox-Owner-1' };

export class N8nServer {
	private constructor(
		readonly url: string,
		private readonly child: ChildProcess,
		private readonly output: string[],
		/** The `n8n-auth` cookie of the owner, as `name=value`. */
		readonly cookie: string,
	) {}

	static async start(n8n: N8n, options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<N8nServer> {
		const port = await freePort();
		const url = `http://127.0.0.1:${port}`;
		const n8nPackage = join(n8n.env.n8nBin, '..', '..', 'package.json');
		const bcrypt = createRequire(n8nPackage)('bcryptjs') as { hashSync(text: string, rounds: number): string };
		const env = {
			...(await n8n.baseEnv()),
			N8N_PORT: String(port),
			N8N_HOST: '127.0.0.1',
			WEBHOOK_URL: `${url}/`,
			N8N_EDITOR_BASE_URL: `${url}/`,
			N8N_INSTANCE_OWNER_MANAGED_BY_ENV: 'true',
			N8N_INSTANCE_OWNER_EMAIL: OWNER.email,
			N8N_INSTANCE_OWNER_PASSWORD_HASH: bcrypt.hashSync(OWNER.password, 10),
			...options.env,
		};
		const child = spawn(n8n.env.nodeBin, [n8n.env.n8nBin, 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
		const output: string[] = [];
		child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
		child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
		const deadline = Date.now() + (options.timeoutMs ?? 180_000);
		for (;;) {
			if (child.exitCode !== null) throw new Error(`n8n start exited with ${child.exitCode}:\n${output.join('')}`);
			const ready = await fetch(`${url}/healthz/readiness`).then((r) => r.ok, () => false);
			if (ready) break;
			if (Date.now() > deadline) {
				child.kill('SIGKILL');
				throw new Error(`n8n start did not become ready:\n${output.join('').slice(-4000)}`);
			}
			await new Promise((resolve) => setTimeout(resolve, 500));
		}
		const login = await fetch(`${url}/rest/login`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ emailOrLdapLoginId: OWNER.email, password: OWNER.password }),
		});
		if (!login.ok) throw new Error(`login failed: ${login.status} ${await login.text()}`);
		const cookie = (login.headers.getSetCookie?.() ?? [])
			.map((line) => line.split(';')[0])
			.find((pair) => pair.startsWith('n8n-auth='));
		if (!cookie) throw new Error('login set no n8n-auth cookie');
		return new N8nServer(url, child, output, cookie);
	}

	get logs(): string {
		return this.output.join('');
	}

	/** A REST call as the owner. */
	async rest(path: string, init: { method?: string; body?: unknown } = {}): Promise<any> {
		const response = await fetch(`${this.url}/rest${path}`, {
			method: init.method ?? 'GET',
			headers: { cookie: this.cookie, 'content-type': 'application/json', 'browser-id': 'cp-e2e' },
			body: init.body === undefined ? undefined : JSON.stringify(init.body),
		});
		const text = await response.text();
		if (!response.ok) throw new Error(`${init.method ?? 'GET'} /rest${path}: ${response.status} ${text.slice(0, 500)}`);
		return text ? JSON.parse(text) : undefined;
	}

	async stop(): Promise<void> {
		if (this.child.exitCode !== null) return;
		const exited = new Promise((resolve) => this.child.once('exit', resolve));
		this.child.kill('SIGTERM');
		const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
		await exited;
		clearTimeout(timer);
	}
}
