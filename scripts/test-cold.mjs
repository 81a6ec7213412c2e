// `npm run test:cold`: proves the install path from nothing, every time CI runs. Node 24 and n8n are
// installed into an empty temporary cache (the same environment variable a user would set), verified by
// the toolchain's own checks, and one example workflow per vendor runs in that n8n. A warm cache can
// therefore never hide a broken install step. The temporary cache is removed at the end.
//
// The install is mostly waiting on npm and one compiler run, so CI starts it in the background while
// `npm test` runs: `node scripts/test-cold.mjs --install <empty dir>` installs into that folder and writes
// its outcome next to it (`<dir>.outcome.json`); `npm run test:cold` with CP_COLD_CACHE=<dir> then waits
// for nothing, reads that outcome as its install stage and runs the examples from the folder.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ROOT, build, ensureDependencies } from './setup.mjs';
import { Stages, vitest } from './stages.mjs';
import { CACHE_ENV, N8N_VERSION } from './toolchain.mjs';

const outcomeFile = (cache) => `${cache}.outcome.json`;

/** Node 24 and n8n into `cache` by the toolchain's own script; returns its outcome. */
function install(cache) {
	const started = Date.now();
	const result = spawnSync('node', [join(ROOT, 'scripts', 'toolchain.mjs'), N8N_VERSION], {
		cwd: ROOT,
		stdio: 'inherit',
		env: { ...process.env, [CACHE_ENV]: cache, N8N_VERSION },
	});
	return { status: result.status, seconds: Math.round((Date.now() - started) / 1000) };
}

const installArg = process.argv.indexOf('--install');
if (installArg !== -1) {
	const cache = process.argv[installArg + 1];
	if (!cache || (existsSync(cache) && readdirSync(cache).length > 0)) {
		process.stderr.write('usage: node scripts/test-cold.mjs --install <new or empty folder>\n');
		process.exit(2);
	}
	rmSync(outcomeFile(cache), { force: true });
	const outcome = install(cache);
	writeFileSync(outcomeFile(cache), JSON.stringify(outcome));
	process.exit(outcome.status === 0 ? 0 : 1);
}

const preinstalled = process.env.CP_COLD_CACHE;
const cache = preinstalled || mkdtempSync(join(tmpdir(), 'cp-cold-cache-'));
const env = { [CACHE_ENV]: cache, N8N_VERSION };
const stages = new Stages('cold');
try {
	stages.run('set-up', 'Dev dependencies (npm install from the lockfile, verified)', () => ensureDependencies());
	const built = stages.run('build', 'Build the package', () => build());
	const installed = stages.run('cold install', `Node 24 and n8n ${N8N_VERSION} into an empty cache (${cache})`, () => {
		let outcome;
		if (preinstalled) {
			try {
				outcome = JSON.parse(readFileSync(outcomeFile(cache), 'utf8'));
			} catch {
				throw new Error(`the background install into ${cache} left no outcome (it crashed or never ran)`);
			}
		} else {
			outcome = install(cache);
		}
		if (outcome.status !== 0) throw new Error(`the toolchain failed from an empty cache (exit ${outcome.status}); its last line names the step`);
		return `installed and verified in ${outcome.seconds} s${preinstalled ? ' (in the background of npm test)' : ''}`;
	});
	stages.run('cold e2e', 'One example workflow per vendor in the freshly installed n8n', () => {
		if (!built || !installed) throw new Error('not run: the set-up failed');
		return vitest(stages, 'e2e', ['test/e2e/examples.test.mts'], { ...env, CP_EXAMPLES_SMOKE: '1', CP_E2E_SKIP_BUILD: '1' });
	});
} finally {
	rmSync(cache, { recursive: true, force: true });
	rmSync(outcomeFile(cache), { force: true });
}
process.exit(stages.summarize());
