// The test runners' summaries, and the one crash rule, in one place. Each runner (`npm test`, `test:cold`,
// `test:n8n1`, `test:queue`) ends by writing `test/.artifacts/summary-<name>.json` ({ passed, failed, skipped })
// and printing its `N passed, N failed, N skipped` line; CI adds the runners' summaries up. A vitest run's
// JSON report is read here too.
//
// The crash rule: whatever should have counted and left no counts (a runner that wrote no summary, a vitest
// run that wrote no report or one that does not parse, a stage that failed without a failing test) crashed
// before it could count, and counts as one failure. A runner forgets its previous summary when it starts, so a
// crash can never pass for the last run's counts.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { ROOT } from './setup.mjs';

export const ARTIFACTS = join(ROOT, 'test', '.artifacts');

/** What one crash counts for. */
export const CRASH = Object.freeze({ passed: 0, failed: 1, skipped: 0 });

const summaryFile = (name) => join(ARTIFACTS, `summary-${name}.json`);

/** Adds counts up; each of `list` is { passed, failed, skipped } (a missing count is 0). */
export function total(list) {
	const sum = { passed: 0, failed: 0, skipped: 0 };
	for (const counts of list) for (const key of Object.keys(sum)) sum[key] += counts[key] ?? 0;
	return sum;
}

/** `N passed, N failed, N skipped`; with `{ skippedIfAny: true }` the skipped part only when there are some. */
export function formatCounts({ passed, failed, skipped = 0 }, { skippedIfAny = false } = {}) {
	return `${passed} passed, ${failed} failed${skippedIfAny && !skipped ? '' : `, ${skipped} skipped`}`;
}

function readJson(file) {
	try {
		return JSON.parse(readFileSync(file, 'utf8'));
	} catch {
		return undefined;
	}
}

/** Forgets a runner's previous summary; call it when the runner starts. */
export function clearSummary(name) {
	rmSync(summaryFile(name), { force: true });
}

/**
 * Writes a runner's summary and prints its closing `N passed, N failed, N skipped` line. `failedNames` (each
 * failed test and the first line of its error) go into the summary too, so that CI's closing lines, the only
 * part of a long log that is sure to be read, name them.
 */
export function writeSummary(name, { passed, failed, skipped = 0 }, failedNames = []) {
	mkdirSync(ARTIFACTS, { recursive: true });
	writeFileSync(summaryFile(name), JSON.stringify({ passed, failed, skipped, failedNames }));
	process.stdout.write(`${formatCounts({ passed, failed, skipped })}\n`);
}

/** A runner's counts, with `crashed: true` (and one failure) when it left no readable summary. */
export function readSummary(name) {
	const counts = readJson(summaryFile(name));
	if (!counts || typeof counts !== 'object') return { ...CRASH, crashed: true, failedNames: [] };
	return { ...total([counts]), crashed: false, failedNames: Array.isArray(counts.failedNames) ? counts.failedNames : [] };
}

/** Where a vitest project's JSON report goes (vitest's `--outputFile.json`). */
export function vitestReportFile(project) {
	return join(ARTIFACTS, `vitest-${project}.json`);
}

/** Forgets a vitest project's previous report; call it before the run. */
export function clearVitestReport(project) {
	rmSync(vitestReportFile(project), { force: true });
}

/** The first line of a failed test's first message, short enough for a closing summary. */
function firstLine(messages) {
	const line = String(messages?.[0] ?? '').split('\n').find((text) => text.trim() !== '') ?? '';
	return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

/**
 * A vitest project's counts from its JSON report, the skipped tests by name and the failed ones with the first
 * line of their error; with `crashed: true` (and one failure) when the run left no readable report.
 */
export function readVitestReport(project) {
	const report = readJson(vitestReportFile(project));
	if (!report || typeof report.numPassedTests !== 'number') return { ...CRASH, crashed: true, skippedNames: [], failedNames: [] };
	const skippedNames = [];
	const failedNames = [];
	for (const file of report.testResults ?? []) {
		for (const test of file.assertionResults ?? []) {
			if (test.status === 'pending' || test.status === 'skipped' || test.status === 'todo') {
				skippedNames.push(`${project}: ${test.fullName ?? test.title}`);
			} else if (test.status === 'failed') {
				failedNames.push(`${project}: ${test.fullName ?? test.title}: ${firstLine(test.failureMessages)}`);
			}
		}
	}
	return {
		passed: report.numPassedTests,
		failed: report.numFailedTests,
		skipped: report.numPendingTests + report.numTodoTests,
		crashed: false,
		skippedNames,
		failedNames,
	};
}
