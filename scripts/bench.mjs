// `npm run bench`: issue #8's benchmarks in real n8n against the sandbox. Same set-up as `npm test` on a
// fresh clone (dev dependencies, build, the cached Node 24 and n8n), then test/bench/bench.mts, which
// prints the table and draws the charts. Arguments pass through: --only=1,3  --reps=N  --quick. With
// --charts-only it only redraws the charts from the last run's figures, so nothing is built or started.
import { build, ensureDependencies, ROOT, run, step } from './setup.mjs';
import { ensureN8n } from './toolchain.mjs';

const chartsOnly = process.argv.includes('--charts-only');
ensureDependencies();
if (!chartsOnly) {
	build();
	step('Node 24 and n8n (cached after the first run)');
	ensureN8n();
}
step(chartsOnly ? 'Charts from test/.artifacts/bench.json' : 'Benchmarks');
run('npx', ['tsx', 'test/bench/bench.mts', ...process.argv.slice(2)], {
	cwd: ROOT,
	// The bench process parses n8n's run output of up to a few hundred MB.
	env: { ...process.env, CP_E2E_SKIP_BUILD: '1', NODE_OPTIONS: '--max-old-space-size=6144' },
});
