// Set-up shared by `npm start` and `npm test`: installs the project's dev dependencies on a fresh clone
// and builds the package. Heavy tools (Node 24, n8n) come from scripts/toolchain.mjs and its cache.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export function step(title) {
	process.stdout.write(`\n▶ ${title}\n`);
}

export function run(cmd, args, options = {}) {
	execFileSync(cmd, args, { cwd: ROOT, stdio: 'inherit', ...options });
}

/** Installs dev dependencies when node_modules is missing or older than the lockfile. */
export function ensureDependencies() {
	const marker = join(ROOT, 'node_modules', '.package-lock.json');
	const lock = join(ROOT, 'package-lock.json');
	if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
	step('Installing dev dependencies (npm ci)');
	run('npm', ['ci', '--no-audit', '--no-fund']);
}

export function build() {
	step('Building the package (n8n-node build + csv-parse bundle)');
	run('npm', ['run', 'build', '--silent']);
}
