// CI's summaries. `node scripts/ci-summary.mjs --clear <runner>…` forgets the runners' summaries before a CI
// run; `node scripts/ci-summary.mjs <runner>…` prints CI's closing line, the sum of their `N passed, N failed`
// lines. A runner that left no summary crashed before it could count: one failure (summary.mjs's crash rule).
import { clearSummary, formatCounts, readSummary, total } from './summary.mjs';

const args = process.argv.slice(2);
if (args[0] === '--clear') {
	for (const name of args.slice(1)) clearSummary(name);
} else {
	const summaries = args.map((name) => readSummary(name));
	args.forEach((name, index) => {
		if (summaries[index].crashed) process.stdout.write(`\n✘ ${name} left no summary: counted as one failure\n`);
		for (const failed of summaries[index].failedNames) process.stdout.write(`✘ ${name}: ${failed}\n`);
	});
	process.stdout.write(`\nTotal: ${formatCounts(total(summaries))}\n`);
}
