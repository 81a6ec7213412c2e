// `npm test`: set-up on a fresh clone, then the whole suite: lint, type check, unit and sandbox tests with
// coverage, n8n's scanner lint on the packed artifact, and the real-n8n end-to-end tests (Node 24, n8n and
// Chromium installed first when missing). Every stage ends in the closing summary, passed or failed, and a
// skipped test is listed by name; `npm test -- unit e2e` runs only the named stages.
import { build, ensureDependencies, run } from './setup.mjs';
import { ensureChromium } from './system.mjs';
import { Stages, vitest } from './stages.mjs';
import { ensureN8n, installedVersion } from './toolchain.mjs';

const only = process.argv.slice(2);
const wants = (stage) => only.length === 0 || only.includes(stage);
const stages = new Stages('npm-test');

stages.run('set-up', 'Dev dependencies (npm install from the lockfile, verified)', () => ensureDependencies());
if (wants('lint')) stages.run('lint', 'Lint (n8n-node lint, strict)', () => run('npm', ['run', 'lint', '--silent']));
if (wants('typecheck')) stages.run('typecheck', 'Type check', () => run('npm', ['run', 'typecheck', '--silent']));
const built = wants('e2e') || wants('scan') ? stages.run('build', 'Build the package (n8n-node build + csv-parse bundle)', () => build()) : true;
if (wants('unit')) stages.run('unit', 'Unit, sandbox and contract tests, with coverage', () => vitest(stages, 'unit', ['--coverage']));
if (wants('scan')) {
	stages.run('scan', "n8n's scanner lint on the source and the packed artifact", () => {
		if (!built) throw new Error('not run: the build failed');
		run('node', ['scripts/scan.mjs']);
	});
}
if (wants('e2e')) {
	const n8nReady = stages.run('n8n', 'Node 24 and n8n (installed into the cache on first use, then verified)', () => {
		const n8n = ensureN8n();
		return `n8n ${installedVersion(n8n.dir)} at ${n8n.dir}`;
	});
	stages.run('browser', 'Chromium for the editor test', () => ensureChromium());
	stages.run('e2e', 'End-to-end tests in real n8n', () => {
		if (!built) throw new Error('not run: the build failed');
		if (!n8nReady) throw new Error('not run: n8n could not be installed (see the n8n stage)');
		return vitest(stages, 'e2e', [], { CP_E2E_SKIP_BUILD: '1' });
	});
}

process.exit(stages.summarize());
