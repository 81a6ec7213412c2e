// The stages of one test runner: each stage is run, timed and recorded, vitest projects add their test counts
// (skipped tests by name), and the closing summary accounts for every stage. The summary file and the crash
// rule (a stage that fails without a failing test, a crash or a missing tool, counts as one failure) are
// summary.mjs's.
import { spawnSync } from 'node:child_process';

import { ROOT, step } from './setup.mjs';
import { clearSummary, clearVitestReport, CRASH, formatCounts, readVitestReport, total, vitestReportFile, writeSummary } from './summary.mjs';

export class Stages {
	/** `name` is the runner's summary (`summary-<name>.json`), forgotten now and written by `summarize()`. */
	constructor(name) {
		this.name = name;
		clearSummary(name);
		this.records = [];
		this.tests = { passed: 0, failed: 0, skipped: 0 };
		this.skippedNames = [];
		this.failedNames = [];
	}

	/** Runs one stage; returns its value (or true) when it passed, false when it threw. */
	run(name, title, fn) {
		const record = this.start(name, title);
		try {
			return this.finish(record, fn());
		} catch (error) {
			return this.fail(record, error);
		}
	}

	async runAsync(name, title, fn) {
		const record = this.start(name, title);
		try {
			return this.finish(record, await fn());
		} catch (error) {
			return this.fail(record, error);
		}
	}

	start(name, title) {
		step(title);
		const record = { name, started: Date.now(), seconds: 0, ok: true, note: '' };
		this.records.push(record);
		return record;
	}

	finish(record, value) {
		record.seconds = Math.round((Date.now() - record.started) / 1000);
		if (typeof value === 'string') record.note = value;
		return value ?? true;
	}

	fail(record, error) {
		record.seconds = Math.round((Date.now() - record.started) / 1000);
		record.ok = false;
		record.note = String(error?.message ?? error).split('\n')[0];
		process.stderr.write(`\n✘ ${record.name}: ${error?.message ?? error}\n`);
		return false;
	}

	failed() {
		return this.records.some((record) => !record.ok);
	}

	/** Prints one line per stage and returns the totals for the closing `N passed, N failed` line. */
	print() {
		for (const record of this.records) {
			process.stdout.write(`${record.ok ? '✔' : '✘'} ${record.name} (${record.seconds} s)${record.note ? `: ${record.note}` : ''}\n`);
		}
		for (const name of this.skippedNames) process.stdout.write(`  skipped: ${name}\n`);
		for (const name of this.failedNames) process.stdout.write(`  failed: ${name}\n`);
		const crashed = this.records.filter((record) => !record.ok && !record.countedTests).map(() => CRASH);
		return total([this.tests, ...crashed]);
	}

	/** The runner's end: one line per stage, the summary written and printed; returns the exit code. */
	summarize() {
		step('Summary');
		writeSummary(this.name, this.print(), this.failedNames);
		return this.failed() ? 1 : 0;
	}
}

/**
 * Runs one vitest project with a JSON report, adds its counts to `stages` and throws when anything
 * failed. A run that left no readable report crashed before it could count (summary.mjs's crash rule).
 */
export function vitest(stages, project, args = [], env = {}) {
	const report = vitestReportFile(project);
	clearVitestReport(project);
	const result = spawnSync(
		'npx',
		['vitest', 'run', '--project', project, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...args],
		{ cwd: ROOT, stdio: 'inherit', env: { ...process.env, ...env } },
	);
	const record = stages.records.at(-1);
	const counts = readVitestReport(project);
	if (counts.crashed) throw new Error(`vitest (${project}) exited ${result.status} without a report`);
	stages.tests = total([stages.tests, counts]);
	stages.skippedNames.push(...counts.skippedNames);
	stages.failedNames.push(...counts.failedNames);
	const line = formatCounts(counts, { skippedIfAny: true });
	if (counts.failed > 0) {
		if (record) record.countedTests = true;
		throw new Error(line);
	}
	if (result.status !== 0) throw new Error(`vitest (${project}) exited ${result.status} (${line})`);
	return line;
}
