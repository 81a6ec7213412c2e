// Set-up shared by `npm start` and `npm test`: installs the project's dev dependencies on a fresh clone
// and builds the package. Heavy tools (Node 24, n8n) come from scripts/toolchain.mjs and its cache.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export function step(title) {
	process.stdout.write(`\n▶ ${title}\n`);
}

export function run(cmd, args, options = {}) {
	execFileSync(cmd, args, { cwd: ROOT, stdio: 'inherit', ...options });
}

/**
 * Installs dev dependencies when node_modules is missing or was installed from another lockfile. The
 * lockfile's hash is kept in node_modules, so a checkout or merge that only touches the file's time does
 * not trigger a reinstall. `npm install` (with the lockfile) rather than `npm ci`: npm 11 writes lockfiles
 * without the other platforms' optional bindings of one dev dependency and then refuses them in `npm ci`.
 */
export function ensureDependencies() {
	const lock = join(ROOT, 'package-lock.json');
	const marker = join(ROOT, 'node_modules', '.cp-lock-hash');
	const hash = createHash('sha256').update(readFileSync(lock)).digest('hex');
	const installed = existsSync(join(ROOT, 'node_modules', '.package-lock.json'));
	if (installed && existsSync(marker) && readFileSync(marker, 'utf8') === hash) return;
	if (installed && !existsSync(marker) && !lockChangedSinceInstall(lock)) {
		verifyDependencies();
		writeFileSync(marker, hash);
		return;
	}
	step('Installing dev dependencies (npm install from the lockfile)');
	run('npm', ['install', '--no-audit', '--no-fund']);
	verifyDependencies();
	writeFileSync(marker, hash);
}

/**
 * The project's .npmrc turns install scripts off; what the tools need still has to work. Proves it (the
 * native esbuild binary runs, tsc and vitest start) before the install is trusted.
 */
function verifyDependencies() {
	const bin = join(ROOT, 'node_modules', '.bin');
	for (const [tool, args] of [
		['esbuild', ['--version']],
		['tsc', ['--version']],
		['vitest', ['--version']],
		['n8n-node', ['--version']],
	]) {
		try {
			execFileSync(join(bin, tool), args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
		} catch (error) {
			throw new Error(
				`set-up check failed: \`${tool} ${args.join(' ')}\` did not run after npm install (${String(error.message).split('\n')[0]}). ` +
					'Delete node_modules and run the command again.',
			);
		}
	}
}

function lockChangedSinceInstall(lock) {
	return statSync(lock).mtimeMs > statSync(join(ROOT, 'node_modules', '.package-lock.json')).mtimeMs + 1000;
}

export function build() {
	step('Building the package (n8n-node build + csv-parse bundle)');
	run('npm', ['run', 'build', '--silent']);
}
