// System packages some stages need (Chromium for the editor test, Redis and PostgreSQL for queue mode),
// installed from Debian's packages when missing and the user is root with apt; otherwise a clear error that
// names the package to install. Never a silent skip.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const has = (command) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;

/**
 * Makes sure every `{ name, present }` is there: installs the missing ones with apt-get as root, or throws
 * naming them and the command to run.
 */
export function ensureDebianPackages(packages, purpose) {
	const missing = packages.filter((pkg) => !pkg.present());
	if (missing.length === 0) return;
	const names = missing.map((pkg) => pkg.name);
	const command = `apt-get install ${names.join(' ')}`;
	if (process.getuid?.() !== 0 || !has('apt-get')) {
		throw new Error(`${purpose} needs the Debian package${names.length > 1 ? 's' : ''} ${names.join(' and ')}, which ${names.length > 1 ? 'are' : 'is'} missing: run \`${command}\` as root.`);
	}
	process.stdout.write(`\n▶ Installing ${names.join(', ')} from Debian's packages (${purpose})\n`);
	const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
	try {
		execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
		execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...names], { stdio: 'inherit', env });
	} catch (error) {
		throw new Error(`${purpose}: \`${command}\` failed (${error.message.split('\n')[0]}).`);
	}
	const still = missing.filter((pkg) => !pkg.present()).map((pkg) => pkg.name);
	if (still.length) throw new Error(`${purpose}: ${still.join(', ')} still missing after apt-get install.`);
}

/** Debian's Chromium, which the editor test drives through playwright-core (no browser download). */
export const CHROMIUM = '/usr/bin/chromium';

export function ensureChromium() {
	ensureDebianPackages([{ name: 'chromium', present: () => existsSync(CHROMIUM) }], 'The editor test (headless Chromium)');
}
