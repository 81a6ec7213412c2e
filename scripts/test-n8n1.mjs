// `npm run test:n8n1`: the smoke set on n8n 1.x (1.123.81 on the machine's Node 20): one example
// workflow per vendor, run headless against the sandbox. Ends with the same `N passed, N failed` line
// as `npm test`.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { ROOT, build, ensureDependencies, reportSummary, step } from './setup.mjs';

export const N8N1_VERSION = process.env.N8N1_VERSION || '1.123.81';

ensureDependencies();
build();
step(`Smoke set on n8n ${N8N1_VERSION}`);
const report = join(ROOT, 'test', '.artifacts', 'vitest-n8n1.json');
rmSync(report, { force: true });
const result = spawnSync(
	'npx',
	['vitest', 'run', '--project', 'e2e', 'test/e2e/examples.test.mts', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`],
	{
		cwd: ROOT,
		stdio: 'inherit',
		env: { ...process.env, N8N_VERSION: N8N1_VERSION, CP_EXAMPLES_SMOKE: '1', CP_E2E_SKIP_BUILD: '1' },
	},
);
let passed = 0;
let failed = 0;
let skipped = 0;
if (existsSync(report)) {
	const summary = JSON.parse(readFileSync(report, 'utf8'));
	passed = summary.numPassedTests;
	failed = summary.numFailedTests;
	skipped = summary.numPendingTests + summary.numTodoTests;
}
// A run that crashed before reporting counts as a failure, not as zero tests.
if (result.status !== 0 && failed === 0) failed = 1;
step('Summary');
reportSummary('n8n1', { passed, failed, skipped });
process.exit(result.status === 0 && failed === 0 ? 0 : 1);
