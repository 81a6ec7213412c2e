import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

// The nodes import csv-parse's core parser by a relative path that only the build fills in (see
// gulpfile.js); tests resolve that path to the library's source.
const csvParseCore = fileURLToPath(new URL('./node_modules/csv-parse/lib/api/index.js', import.meta.url));
const alias = [{ find: /^.*\/vendor\/csvParse$/, replacement: csvParseCore }];

// Seconds each end-to-end file took in a full run (2026-12-03). Vitest orders files by its own cache of
// durations, which a fresh clone lacks (it then runs the largest files first); starting the longest files
// first lets the two workers finish together instead of one running a long file alone at the end.
const E2E_SECONDS: Record<string, number> = {
	'syncVendors.test.mts': 349,
	'editor.test.mts': 290,
	'chaos.test.mts': 280,
	'secrets.test.mts': 211,
	'examples.test.mts': 162,
	'batch.test.mts': 118,
	'badInput.test.mts': 104,
	'insider.test.mts': 88,
	'crescendoLab.test.mts': 82,
	'talonOne.test.mts': 69,
	'synerise.test.mts': 61,
	'sync.test.mts': 58,
	'concurrency.test.mts': 26,
	'cancellation.test.mts': 25,
	'parameterErrors.test.mts': 15,
};

/** Longest end-to-end file first (a file not in the table counts as the longest); other projects as vitest orders them. */
class LongestFirst extends BaseSequencer {
	async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
		const sorted = await super.sort(files);
		const seconds = (spec: TestSpecification) => E2E_SECONDS[spec.moduleId.split('/').pop() ?? ''] ?? Number.POSITIVE_INFINITY;
		const e2e = sorted.filter((spec) => spec.project.name === 'e2e').sort((a, b) => seconds(b) - seconds(a));
		return [...sorted.filter((spec) => spec.project.name !== 'e2e'), ...e2e];
	}
}

export default defineConfig({
	resolve: { alias },
	test: {
		sequence: { sequencer: LongestFirst },
		projects: [
			{
				resolve: { alias },
				test: {
					name: 'unit',
					include: ['test/unit/**/*.test.{ts,mts}', 'test/sandbox/**/*.test.{ts,mts}', 'test/contract/**/*.test.mts'],
					testTimeout: 60_000,
				},
			},
			{
				resolve: { alias },
				test: {
					name: 'e2e',
					include: ['test/e2e/**/*.test.mts'],
					globalSetup: ['test/e2e/globalSetup.mts'],
					// Each file drives real n8n processes. Two files at a time: much of a run is spent waiting
					// (retry backoff, polling, rate pacing), so a second file fills the idle core.
					fileParallelism: true,
					maxWorkers: 2,
					testTimeout: 15 * 60_000,
					hookTimeout: 20 * 60_000,
				},
			},
			{
				resolve: { alias },
				test: {
					// `npm run test:queue` only: needs Redis and PostgreSQL, which scripts/test-queue.mjs starts.
					name: 'queue',
					include: ['test/queue/**/*.test.mts'],
					globalSetup: ['test/e2e/globalSetup.mts'],
					fileParallelism: false,
					testTimeout: 15 * 60_000,
					hookTimeout: 20 * 60_000,
				},
			},
		],
		coverage: {
			provider: 'v8',
			include: ['nodes/**/*.ts', 'credentials/**/*.ts'],
			reporter: ['text-summary', 'html'],
			// Outside the linted tree: n8n-node lint would otherwise lint the report's scripts.
			reportsDirectory: 'node_modules/.coverage',
		},
	},
});
