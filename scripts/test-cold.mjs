// `npm run test:cold`: proves the install path from nothing, every time CI runs. Node 24 and n8n are
// installed into an empty temporary cache (the same environment variable a user would set), verified by
// the toolchain's own checks, and one example workflow per vendor runs in that n8n. A warm cache can
// therefore never hide a broken install step. The temporary cache is removed at the end.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ROOT, build, ensureDependencies } from './setup.mjs';
import { Stages, vitest } from './stages.mjs';
import { CACHE_ENV, N8N_VERSION } from './toolchain.mjs';

const cache = mkdtempSync(join(tmpdir(), 'cp-cold-cache-'));
const env = { [CACHE_ENV]: cache, N8N_VERSION };
const stages = new Stages('cold');
try {
	stages.run('set-up', 'Dev dependencies (npm install from the lockfile, verified)', () => ensureDependencies());
	const built = stages.run('build', 'Build the package', () => build());
	const installed = stages.run('cold install', `Node 24 and n8n ${N8N_VERSION} into an empty cache (${cache})`, () => {
		const started = Date.now();
		const result = spawnSync('node', [join(ROOT, 'scripts', 'toolchain.mjs'), N8N_VERSION], {
			cwd: ROOT,
			stdio: 'inherit',
			env: { ...process.env, ...env },
		});
		if (result.status !== 0) throw new Error(`the toolchain failed from an empty cache (exit ${result.status}); its last line names the step`);
		return `installed and verified in ${Math.round((Date.now() - started) / 1000)} s`;
	});
	stages.run('cold e2e', 'One example workflow per vendor in the freshly installed n8n', () => {
		if (!built || !installed) throw new Error('not run: the set-up failed');
		return vitest(stages, 'e2e', ['test/e2e/examples.test.mts'], { ...env, CP_EXAMPLES_SMOKE: '1', CP_E2E_SKIP_BUILD: '1' });
	});
} finally {
	rmSync(cache, { recursive: true, force: true });
}
process.exit(stages.summarize());
