import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The nodes import csv-parse's core parser by a relative path that only the build fills in (see
// gulpfile.js); tests resolve that path to the library's source.
const csvParseCore = fileURLToPath(new URL('./node_modules/csv-parse/lib/api/index.js', import.meta.url));
const alias = [{ find: /^.*\/vendor\/csvParse$/, replacement: csvParseCore }];

export default defineConfig({
	resolve: { alias },
	test: {
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
