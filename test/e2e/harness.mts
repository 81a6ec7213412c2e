// Drives a real headless n8n for end-to-end tests: a throw-away user folder with the packed package
// installed as a community package, credentials imported in plain text (n8n encrypts them), workflows
// imported with fixed ids and run with `n8n execute --id`, and the run data parsed back.
import { spawn } from 'node:child_process';
import { closeSync, cpSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';

export const PACKAGE_NAME = 'n8n-nodes-customer-profiles';
export const ENCRYPTION_KEY = 'e2e-encryption-key-not-a-secret';

/** Set by globalSetup: where the prepared template user folder and n8n binaries are. */
export interface E2eEnvironment {
	n8nBin: string;
	nodeBin: string;
	pathPrefix: string;
	templateFolder: string;
	n8nVersion: string;
}

export function environment(): E2eEnvironment {
	const raw = process.env.CP_E2E_ENV ?? (inject as (key: string) => string | undefined)('cpE2eEnv');
	if (!raw) throw new Error('The e2e environment is missing: run e2e tests through vitest (project "e2e").');
	return JSON.parse(raw) as E2eEnvironment;
}

export async function freePort(): Promise<number> {
	return await new Promise((resolve, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address() as { port: number };
			server.close(() => resolve(port));
		});
	});
}

export interface CommandResult {
	exitCode: number;
	stdout: string;
	stderr: string;
}

export interface NodeRunItem {
	json: Record<string, any>;
	binary?: Record<string, any>;
	pairedItem?: { item: number } | Array<{ item: number }>;
}

export class N8nRun {
	constructor(
		readonly exitCode: number,
		readonly result: any,
		readonly stdout: string,
		readonly stderr: string,
	) {}

	get status(): string {
		return this.result?.status ?? (this.exitCode === 0 ? 'success' : 'error');
	}

	get runData(): Record<string, any[]> {
		return this.result?.data?.resultData?.runData ?? {};
	}

	/** The workflow-level error, when the run stopped on one. */
	get error(): any {
		return this.result?.data?.resultData?.error;
	}

	/** Items of one node's output (0 = main, 1 = error output when "On Error: continue (using error output)"). */
	items(nodeName: string, outputIndex = 0, runIndex = 0): NodeRunItem[] {
		const run = this.runData[nodeName]?.[runIndex];
		if (!run) throw new Error(`node "${nodeName}" did not run; ran: ${Object.keys(this.runData).join(', ')}`);
		return run.data?.main?.[outputIndex] ?? [];
	}

	/** The error a node stopped with, if any. */
	nodeError(nodeName: string, runIndex = 0): any {
		return this.runData[nodeName]?.[runIndex]?.error;
	}

	/** Milliseconds n8n reports the node ran (its own timing, without n8n's start-up). */
	executionTime(nodeName: string, runIndex = 0): number {
		return this.runData[nodeName]?.[runIndex]?.executionTime ?? Number.NaN;
	}

	/** Everything n8n printed, for assertions that no secret leaked into logs. */
	get logs(): string {
		return `${this.stdout}\n${this.stderr}`;
	}
}

export interface CredentialSpec {
	id: string;
	name: string;
	type: string;
	data: Record<string, unknown>;
}

export class N8n {
	/** Added to the environment of every command, e.g. a PostgreSQL database and queue settings. */
	extraEnv: NodeJS.ProcessEnv = {};

	private constructor(
		readonly userFolder: string,
		readonly env: E2eEnvironment,
	) {}

	/** A fresh n8n user folder (database migrated, this package installed), copied from the template. */
	static create(): N8n {
		const env = environment();
		const userFolder = mkdtempSync(join(tmpdir(), 'cp-n8n-'));
		cpSync(env.templateFolder, userFolder, { recursive: true });
		return new N8n(userFolder, env);
	}

	async baseEnv(): Promise<NodeJS.ProcessEnv> {
		return { ...n8nEnv(this.userFolder, this.env, await freePort()), ...this.extraEnv };
	}

	async command(args: string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<CommandResult> {
		const env = { ...(await this.baseEnv()), ...options.env };
		return await runProcess(this.env.nodeBin, [this.env.n8nBin, ...args], env, options.timeoutMs ?? 10 * 60_000);
	}

	async importCredentials(credentials: CredentialSpec[]): Promise<void> {
		const file = join(this.userFolder, `credentials-${Date.now()}.json`);
		writeFileSync(file, JSON.stringify(credentials));
		const result = await this.command(['import:credentials', `--input=${file}`]);
		rmSync(file, { force: true });
		if (result.exitCode !== 0) throw new Error(`import:credentials failed:\n${result.stdout}\n${result.stderr}`);
	}

	async importWorkflows(workflows: any[]): Promise<void> {
		const dir = join(this.userFolder, `workflows-${Date.now()}`);
		mkdirSync(dir);
		for (const workflow of workflows) writeFileSync(join(dir, `${workflow.id}.json`), JSON.stringify(workflow));
		const result = await this.command(['import:workflow', '--separate', `--input=${dir}`]);
		rmSync(dir, { recursive: true, force: true });
		if (result.exitCode !== 0) throw new Error(`import:workflow failed:\n${result.stdout}\n${result.stderr}`);
	}

	async execute(workflowId: string, options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<N8nRun> {
		const result = await this.command(['execute', `--id=${workflowId}`, '--rawOutput'], options);
		const parsed = parseRunOutput(result.stdout);
		// A run that printed no parsable JSON must not pass for a successful run with no nodes.
		if (parsed === undefined) {
			throw new Error(`n8n execute printed no run data (exit ${result.exitCode}):\n${result.stdout.slice(-2000)}\n${result.stderr.slice(-2000)}`);
		}
		return new N8nRun(result.exitCode, parsed, result.stdout, result.stderr);
	}

	/** Imports one workflow and executes it. */
	async run(workflow: any, options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<N8nRun> {
		await this.importWorkflows([workflow]);
		return await this.execute(workflow.id, options);
	}

	dispose(): void {
		rmSync(this.userFolder, { recursive: true, force: true });
	}
}

/** The parent's environment without what vitest sets: n8n's CLI does nothing under NODE_ENV=test. */
function inheritedEnv(): NodeJS.ProcessEnv {
	const inherited: NodeJS.ProcessEnv = {};
	for (const [key, value] of Object.entries(process.env)) {
		if (key === 'NODE_ENV' || key.startsWith('VITEST') || key === 'TEST' || key.startsWith('CP_E2E')) continue;
		inherited[key] = value;
	}
	return inherited;
}

export function n8nEnv(userFolder: string, env: E2eEnvironment, brokerPort: number): NodeJS.ProcessEnv {
	return {
		...inheritedEnv(),
		PATH: env.pathPrefix ? `${env.pathPrefix}:${process.env.PATH}` : process.env.PATH,
		N8N_USER_FOLDER: userFolder,
		N8N_ENCRYPTION_KEY: ENCRYPTION_KEY,
		N8N_EXPRESSION_ENGINE: 'legacy',
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_RUNNERS_BROKER_PORT: String(brokerPort),
		N8N_LOG_LEVEL: 'info',
		N8N_SECURE_COOKIE: 'false',
		N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
		DB_SQLITE_POOL_SIZE: '2',
		NODE_OPTIONS: '--max-old-space-size=4096',
	};
}

export async function runProcess(
	command: string,
	args: string[],
	env: NodeJS.ProcessEnv,
	timeoutMs: number,
): Promise<CommandResult> {
	// stdout goes to a file, not a pipe: n8n prints the whole run as one JSON document and exits right
	// after, and a pipe loses whatever was still buffered (a run of 25,000 items was cut at ~6.5 MB).
	// Writes to a file are synchronous in Node, so the file always holds all of it.
	const outDir = mkdtempSync(join(tmpdir(), 'cp-n8n-out-'));
	const outFile = join(outDir, 'stdout');
	const outFd = openSync(outFile, 'w');
	return await new Promise<CommandResult>((resolve, reject) => {
		const child = spawn(command, args, { env, stdio: ['ignore', outFd, 'pipe'] });
		closeSync(outFd);
		const err: Buffer[] = [];
		child.stderr!.on('data', (chunk: Buffer) => err.push(chunk));
		const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
		child.once('error', (error) => {
			clearTimeout(timer);
			rmSync(outDir, { recursive: true, force: true });
			reject(error);
		});
		child.once('close', (code, signal) => {
			clearTimeout(timer);
			const stdout = readFileSync(outFile, 'utf8');
			rmSync(outDir, { recursive: true, force: true });
			resolve({
				exitCode: code ?? (signal ? 128 : 1),
				stdout,
				stderr: Buffer.concat(err).toString('utf8'),
			});
		});
	});
}

/** n8n prints a few log lines, then the run as pretty JSON starting at a line that is exactly `{`. */
export function parseRunOutput(stdout: string): any {
	const lines = stdout.split('\n');
	const start = lines.indexOf('{');
	if (start < 0) return undefined;
	// Log lines may follow the JSON; try each closing brace line from the last one back.
	for (let end = lines.length - 1; end > start; end--) {
		if (lines[end] !== '}') continue;
		try {
			return JSON.parse(lines.slice(start, end + 1).join('\n'));
		} catch {
			// not the end of the run JSON yet
		}
	}
	return undefined;
}

