// `npm run test:n8n1`: the smoke set on n8n 1.x (1.123.81 on the machine's Node 20): one example
// workflow per vendor, run headless against the sandbox. Ends with the same `N passed, N failed` line
// as `npm test`.
import { build, ensureDependencies } from './setup.mjs';
import { Stages, vitest } from './stages.mjs';
import { ensureN8n, installedVersion } from './toolchain.mjs';

export const N8N1_VERSION = process.env.N8N1_VERSION || '1.123.81';

const stages = new Stages('n8n1');
stages.run('set-up', 'Dev dependencies (npm install from the lockfile, verified)', () => ensureDependencies());
const built = stages.run('build', 'Build the package', () => build());
const n8nReady = stages.run('n8n', `n8n ${N8N1_VERSION} (installed into the cache on first use, then verified)`, () => {
	const n8n = ensureN8n(N8N1_VERSION);
	return `n8n ${installedVersion(n8n.dir)} at ${n8n.dir}`;
});
stages.run('smoke', `Smoke set and error output on n8n ${N8N1_VERSION}`, () => {
	if (!built || !n8nReady) throw new Error('not run: the set-up failed');
	// The examples, and the error output (n8n 1 routes error items by another rule than n8n 2).
	return vitest(stages, 'e2e', ['test/e2e/examples.test.mts', 'test/e2e/parameterErrors.test.mts'], {
		N8N_VERSION: N8N1_VERSION,
		CP_EXAMPLES_SMOKE: '1',
		CP_E2E_SKIP_BUILD: '1',
	});
});
process.exit(stages.summarize());
