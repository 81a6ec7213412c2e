// Runs `n8n execute` for the benchmarks the way the e2e harness does, and samples the memory of the n8n
// process (and of its task-runner children) from /proc while it runs.
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { N8nRun, parseRunOutput, type N8n } from '../e2e/harness.mts';

export interface MemoryPeak {
	/** Highest resident set of the n8n process seen by sampling, in MB. */
	rssMb: number;
	/** The kernel's high-water mark of the n8n process's resident set (VmHWM), last read before it exited, in MB. */
	hwmMb: number;
	/** Highest sum of resident sets of n8n and its child processes (the task runner), in MB. */
	treeRssMb: number;
}

export interface MeasuredRun {
	run: N8nRun;
	memory: MemoryPeak;
	wallMs: number;
}

function statusKb(pid: number, field: string): number {
	try {
		const text = readFileSync(`/proc/${pid}/status`, 'utf8');
		const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
		return match ? Number(match[1]) : 0;
	} catch {
		return 0;
	}
}

function children(pid: number): number[] {
	const found: number[] = [];
	try {
		const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
		for (const child of text ? text.split(/\s+/).map(Number) : []) found.push(child, ...children(child));
	} catch {
		// the process is gone
	}
	return found;
}

/** Executes an imported workflow by id, sampling memory every `sampleMs`. */
export async function executeMeasured(n8n: N8n, workflowId: string, options: { timeoutMs?: number; sampleMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<MeasuredRun> {
	const env = { ...(await n8n.baseEnv()), ...options.env };
	const outDir = mkdtempSync(join(tmpdir(), 'cp-bench-out-'));
	const outFile = join(outDir, 'stdout');
	const outFd = openSync(outFile, 'w');
	const started = Date.now();
	const memory: MemoryPeak = { rssMb: 0, hwmMb: 0, treeRssMb: 0 };
	return await new Promise<MeasuredRun>((resolve, reject) => {
		const child = spawn(n8n.env.nodeBin, [n8n.env.n8nBin, 'execute', `--id=${workflowId}`, '--rawOutput'], {
			env,
			stdio: ['ignore', outFd, 'pipe'],
		});
		closeSync(outFd);
		const err: Buffer[] = [];
		child.stderr!.on('data', (chunk: Buffer) => err.push(chunk));
		const sample = () => {
			const pid = child.pid;
			if (!pid) return;
			const rss = statusKb(pid, 'VmRSS') / 1024;
			const hwm = statusKb(pid, 'VmHWM') / 1024;
			const tree = rss + children(pid).reduce((sum, p) => sum + statusKb(p, 'VmRSS') / 1024, 0);
			memory.rssMb = Math.max(memory.rssMb, rss);
			memory.hwmMb = Math.max(memory.hwmMb, hwm);
			memory.treeRssMb = Math.max(memory.treeRssMb, tree);
		};
		const sampler = setInterval(sample, options.sampleMs ?? 100);
		const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20 * 60_000);
		child.once('error', (error) => {
			clearInterval(sampler);
			clearTimeout(timer);
			rmSync(outDir, { recursive: true, force: true });
			reject(error);
		});
		child.once('close', (code, signal) => {
			clearInterval(sampler);
			clearTimeout(timer);
			// Output over V8's string limit cannot be parsed; its head (log lines) and tail still tell what happened.
			const bytes = readFileSync(outFile);
			rmSync(outDir, { recursive: true, force: true });
			const whole = bytes.length < 400_000_000 ? bytes.toString('utf8') : undefined;
			const result = whole === undefined ? undefined : parseRunOutput(whole);
			const kept = bytes.length > 400_000 ? `${bytes.subarray(0, 200_000).toString('utf8')}\n…\n${bytes.subarray(-200_000).toString('utf8')}` : (whole ?? '');
			const exitCode = code ?? (signal ? 128 : 1);
			resolve({
				run: new N8nRun(exitCode, result, kept, Buffer.concat(err).toString('utf8')),
				memory,
				wallMs: Date.now() - started,
			});
		});
	});
}
