// Runs n8n as a long-lived process (`n8n start`, or `n8n worker` for queue mode) on a user folder prepared by
// the e2e harness, for what `n8n execute` cannot show: executions that outlive a cancellation, several
// executions at once, and queue mode. Workflows are started through their Webhook trigger, which needs no
// login (server.mts is the editor/REST variant, with an owner session).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { freePort } from '../../scripts/n8nHome.mts';
import type { N8n } from './harness.mts';

export interface ServerOptions {
	command?: 'start' | 'worker';
	args?: string[];
	env?: NodeJS.ProcessEnv;
	/** Name of the log file in the user folder. */
	logName?: string;
}

export class N8nProcess {
	private constructor(
		readonly process: ChildProcess,
		readonly port: number,
		readonly logFile: string,
	) {}

	get url(): string {
		return `http://127.0.0.1:${this.port}`;
	}

	/** Everything the process printed so far. */
	get logs(): string {
		return readFileSync(this.logFile, 'utf8');
	}

	static async start(n8n: N8n, options: ServerOptions = {}): Promise<N8nProcess> {
		const command = options.command ?? 'start';
		const port = await freePort();
		const env = {
			...(await n8n.baseEnv()),
			N8N_PORT: String(port),
			QUEUE_HEALTH_CHECK_ACTIVE: 'true',
			QUEUE_HEALTH_CHECK_PORT: String(port),
			...options.env,
		};
		const logFile = join(n8n.userFolder, options.logName ?? `${command}-${port}.log`);
		const fd = openSync(logFile, 'w');
		const child = spawn(n8n.env.nodeBin, [n8n.env.n8nBin, command, ...(options.args ?? [])], { env, stdio: ['ignore', fd, fd] });
		closeSync(fd);
		const server = new N8nProcess(child, port, logFile);
		await server.waitUntilReady('/healthz/readiness');
		return server;
	}

	private async waitUntilReady(path: string, timeoutMs = 180_000): Promise<void> {
		const deadline = Date.now() + timeoutMs;
		while (Date.now() < deadline) {
			if (this.process.exitCode !== null) throw new Error(`n8n exited (${this.process.exitCode}):\n${this.logs.slice(-3000)}`);
			try {
				const response = await fetch(`${this.url}${path}`);
				if (response.ok) return;
			} catch {
				// not listening yet
			}
			await new Promise((resolve) => setTimeout(resolve, 500));
		}
		throw new Error(`n8n was not ready after ${timeoutMs} ms:\n${this.logs.slice(-3000)}`);
	}

	/** Calls a production webhook; resolves with the status and the parsed body (text if not JSON). */
	async webhook(path: string, body: unknown = {}): Promise<{ status: number; body: any; ms: number }> {
		// n8n reports ready a moment before it has registered the webhooks of published workflows.
		const deadline = Date.now() + 30_000;
		let started: number;
		let response: Response;
		for (;;) {
			started = Date.now();
			response = await fetch(`${this.url}/webhook/${path}`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify(body),
			});
			if (response.status !== 404 || Date.now() > deadline) break;
			await response.text();
			await new Promise((resolve) => setTimeout(resolve, 500));
		}
		const text = await response.text();
		let parsed: any = text;
		try {
			parsed = JSON.parse(text);
		} catch {
			// not JSON
		}
		return { status: response.status, body: parsed, ms: Date.now() - started };
	}

	/** Stops the process (SIGTERM, then SIGKILL after the grace period) and waits for it to exit. */
	async stop(graceMs = 20_000): Promise<void> {
		if (this.process.exitCode !== null || this.process.signalCode !== null) return;
		const exited = new Promise<void>((resolve) => this.process.once('exit', () => resolve()));
		this.process.kill('SIGTERM');
		const timer = setTimeout(() => this.process.kill('SIGKILL'), graceMs);
		await exited;
		clearTimeout(timer);
	}
}

/** A workflow started by a production webhook that answers with the last node's items. */
export function webhookWorkflow(spec: {
	id: string;
	path: string;
	/** The Code node's JavaScript; it can read the request body as `$('Webhook').first().json.body`. */
	inputCode: string;
	nodes: any[];
	settings?: Record<string, unknown>;
}): any {
	const nodes: any[] = [
		{
			id: 'webhook',
			name: 'Webhook',
			type: 'n8n-nodes-base.webhook',
			typeVersion: 2,
			position: [0, 0],
			webhookId: `${spec.id}-hook`,
			parameters: { httpMethod: 'POST', path: spec.path, responseMode: 'lastNode', responseData: 'allEntries', options: {} },
		},
		{ id: 'input', name: 'Input', type: 'n8n-nodes-base.code', typeVersion: 2, position: [220, 0], parameters: { jsCode: spec.inputCode } },
	];
	const connections: Record<string, any> = { Webhook: { main: [[{ node: 'Input', type: 'main', index: 0 }]] } };
	let previous = 'Input';
	spec.nodes.forEach((node, index) => {
		nodes.push({ id: `node-${index}`, position: [440 + index * 220, 0], typeVersion: 1, parameters: {}, ...node });
		connections[previous] = { main: [[{ node: node.name, type: 'main', index: 0 }]] };
		previous = node.name;
	});
	return {
		id: spec.id,
		name: spec.id,
		active: true,
		nodes,
		connections,
		settings: { executionOrder: 'v1', ...spec.settings },
		pinData: {},
	};
}

/** Imports workflows and publishes them, so a server started afterwards registers their webhooks. */
export async function importAndPublish(n8n: N8n, workflows: any[], env?: NodeJS.ProcessEnv): Promise<void> {
	await n8n.importWorkflows(workflows);
	for (const workflow of workflows) {
		const result = await n8n.command(['publish:workflow', `--id=${workflow.id}`], { env });
		if (result.exitCode !== 0) throw new Error(`publish:workflow failed:\n${result.stdout}\n${result.stderr}`);
	}
}
