// The one summary helper of the test scripts: each stage is run, timed and recorded, vitest projects add
// their test counts (skipped tests by name), and the closing summary accounts for every stage. A stage
// that fails without a failing test (a crash, a missing tool) still counts as one failure.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { ROOT, step } from './setup.mjs';

export class Stages {
	constructor() {
		this.records = [];
		this.tests = { passed: 0, failed: 0, skipped: 0 };
		this.skippedNames = [];
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
		const crashed = this.records.filter((record) => !record.ok && !record.countedTests).length;
		return { passed: this.tests.passed, failed: this.tests.failed + crashed, skipped: this.tests.skipped };
	}
}

/**
 * Runs one vitest project with a JSON report, adds its counts to `stages` and throws when anything
 * failed. A run that left no report crashed before it could count.
 */
export function vitest(stages, project, args = [], env = {}) {
	const report = join(ROOT, 'test', '.artifacts', `vitest-${project}.json`);
	rmSync(report, { force: true });
	const result = spawnSync(
		'npx',
		['vitest', 'run', '--project', project, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...args],
		{ cwd: ROOT, stdio: 'inherit', env: { ...process.env, ...env } },
	);
	const record = stages.records.at(-1);
	if (!existsSync(report)) throw new Error(`vitest (${project}) exited ${result.status} without a report`);
	const summary = JSON.parse(readFileSync(report, 'utf8'));
	const skipped = summary.numPendingTests + summary.numTodoTests;
	stages.tests.passed += summary.numPassedTests;
	stages.tests.failed += summary.numFailedTests;
	stages.tests.skipped += skipped;
	for (const file of summary.testResults ?? []) {
		for (const test of file.assertionResults ?? []) {
			if (test.status === 'pending' || test.status === 'skipped' || test.status === 'todo') {
				stages.skippedNames.push(`${project}: ${test.fullName ?? test.title}`);
			}
		}
	}
	const counts = `${summary.numPassedTests} passed, ${summary.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}`;
	if (summary.numFailedTests > 0) {
		if (record) record.countedTests = true;
		throw new Error(counts);
	}
	if (result.status !== 0) throw new Error(`vitest (${project}) exited ${result.status} (${counts})`);
	return counts;
}
