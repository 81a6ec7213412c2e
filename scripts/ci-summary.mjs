// Prints CI's closing line: the sum of the `N passed, N failed` lines of every runner this CI run used.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { ROOT } from './setup.mjs';

const totals = { passed: 0, failed: 0, skipped: 0 };
for (const name of process.argv.slice(2)) {
	const file = join(ROOT, 'test', '.artifacts', `summary-${name}.json`);
	// A runner that left no summary crashed before it could count: that is a failure.
	const counts = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : { passed: 0, failed: 1, skipped: 0 };
	for (const key of Object.keys(totals)) totals[key] += counts[key] ?? 0;
}
process.stdout.write(`\nTotal: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`);
