// `npm test`: set-up on a fresh clone, then the whole suite: lint, type check, unit and sandbox tests with
// coverage, n8n's scanner lint on the packed artifact, and the real-n8n end-to-end tests.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { ROOT, build, ensureDependencies, reportSummary, run, step } from './setup.mjs';

const only = process.argv.slice(2);
const wants = (stage) => only.length === 0 || only.includes(stage);
const totals = { passed: 0, failed: 0, skipped: 0 };
const failures = [];

function vitest(project, extraArgs, env = {}) {
	const report = join(ROOT, 'test', '.artifacts', `vitest-${project}.json`);
	rmSync(report, { force: true });
	const result = spawnSync(
		'npx',
		['vitest', 'run', '--project', project, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...extraArgs],
		{ cwd: ROOT, stdio: 'inherit', env: { ...process.env, ...env } },
	);
	if (existsSync(report)) {
		const summary = JSON.parse(readFileSync(report, 'utf8'));
		totals.passed += summary.numPassedTests;
		totals.failed += summary.numFailedTests;
		totals.skipped += summary.numPendingTests + summary.numTodoTests;
	}
	if (result.status !== 0) failures.push(`${project} tests`);
}

function stage(name, title, fn) {
	if (!wants(name)) return;
	step(title);
	try {
		fn();
	} catch {
		failures.push(name);
	}
}

ensureDependencies();
stage('lint', 'Lint (n8n-node lint, strict)', () => run('npm', ['run', 'lint', '--silent']));
stage('typecheck', 'Type check', () => run('npm', ['run', 'typecheck', '--silent']));
if (wants('e2e') || wants('scan')) build();
if (wants('unit')) {
	step('Unit and sandbox tests, with coverage');
	vitest('unit', ['--coverage']);
}
stage('scan', "n8n's scanner lint on the source and the packed artifact", () => run('node', ['scripts/scan.mjs']));
if (wants('e2e')) {
	step('End-to-end tests in real n8n');
	vitest('e2e', [], { CP_E2E_SKIP_BUILD: '1' });
}

step('Summary');
if (failures.length) process.stdout.write(`Failed stages: ${failures.join(', ')}\n`);
reportSummary('npm-test', { passed: totals.passed, failed: totals.failed + (failures.length && !totals.failed ? 1 : 0), skipped: totals.skipped });
process.exit(failures.length ? 1 : 0);
