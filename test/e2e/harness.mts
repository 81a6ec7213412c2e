// Drives a real headless n8n for end-to-end tests: a throw-away user folder with the packed package
// installed as a community package, credentials imported in plain text (n8n encrypts them), workflows
// imported with fixed ids and run with `n8n execute --id`, and the run data parsed back.
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';

import { freePort, n8nEnv, runProcess, type CommandResult, type CredentialSpec, type N8nInstall } from '../../scripts/n8nHome.mts';

/** Set by globalSetup: where the prepared template user folder and n8n binaries are. */
export interface E2eEnvironment extends N8nInstall {
	templateFolder: string;
}

export function environment(): E2eEnvironment {
	const raw = process.env.CP_E2E_ENV ?? (inject as (key: string) => string | undefined)('cpE2eEnv');
	if (!raw) throw new Error('The e2e environment is missing: run e2e tests through vitest (project "e2e").');
	return JSON.parse(raw) as E2eEnvironment;
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

/** n8n prints a few log lines, then the run as pretty JSON starting at a line that is exactly `{`. */
export function parseRunOutput(stdout: string): any {
	// At debug level n8n colours its console lines, the run's lines included.
	// eslint-disable-next-line no-control-regex
	const lines = stdout.replace(/\u001b\[[0-9;]*m/g, '').split('\n');
	// Log lines may come before the run (at debug level some print JSON objects of their own) and after
	// it: try each top-level opening line with each closing line from the last one back, and keep the
	// parse that holds the run data.
	// At debug level the logger also puts its time and level before the first line (`… info    {`) and
	// its metadata after the last one (`} { "file": … }`).
	const opening = (line: string) => line === '{' || /^\d{2}:\d{2}:\d{2}\.\d+\s+info\s+\{$/.test(line);
	const closing = (line: string) => line === '}' || /^\} \{ "file": .*\}$/.test(line);
	const starts = lines.flatMap((line, index) => (opening(line) ? [index] : []));
	const ends = lines.flatMap((line, index) => (closing(line) ? [index] : [])).reverse();
	for (const start of starts) {
		for (const end of ends) {
			if (end <= start) break;
			try {
				const body = ['{', ...lines.slice(start + 1, end), '}'];
				const parsed = JSON.parse(body.join('\n'));
				if (parsed && typeof parsed === 'object' && 'data' in parsed) return parsed;
			} catch {
				// not this pair
			}
		}
	}
	return undefined;
}

