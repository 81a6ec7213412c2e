// `npm run test:queue`: n8n in queue mode on this machine. Installs Redis and PostgreSQL from Debian's
// packages when they are missing (as root, as on CI), starts both on loopback in throw-away directories,
// runs test/queue/*.test.mts (one n8n main and two workers, each with this package installed), stops them
// and prints `N passed, N failed`.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ROOT, ensureDependencies, reportSummary, step } from './setup.mjs';

const has = (command) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;

function postgresBin() {
	const base = '/usr/lib/postgresql';
	if (!existsSync(base)) return undefined;
	const versions = readdirSync(base).filter((name) => existsSync(join(base, name, 'bin', 'initdb')));
	versions.sort((a, b) => Number(b) - Number(a));
	return versions.length ? join(base, versions[0], 'bin') : undefined;
}

function ensurePackages() {
	const missing = [];
	if (!has('redis-server')) missing.push('redis-server');
	if (!postgresBin()) missing.push('postgresql');
	if (missing.length === 0) return;
	if (process.getuid?.() !== 0) {
		throw new Error(`queue-mode tests need ${missing.join(' and ')}: install them (apt-get install ${missing.join(' ')}) or run as root`);
	}
	step(`Installing ${missing.join(', ')} from Debian packages`);
	execFileSync('apt-get', ['update'], { stdio: 'inherit' });
	execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], {
		stdio: 'inherit',
		env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
	});
}

async function freePort() {
	return await new Promise((resolve, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address();
			server.close(() => resolve(port));
		});
	});
}

async function waitFor(check, what, timeoutMs = 60_000) {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (check()) return;
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
	throw new Error(`${what} did not start within ${timeoutMs / 1000} s`);
}

async function startRedis(dir) {
	const port = await freePort();
	const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
		stdio: ['ignore', 'ignore', 'inherit'],
	});
	await waitFor(() => spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout?.trim() === 'PONG', 'Redis');
	return { port, stop: () => child.kill('SIGTERM') };
}

async function startPostgres(dir) {
	const bin = postgresBin();
	const port = await freePort();
	const data = join(dir, 'pgdata');
	// initdb and postgres refuse to run as root: run them as the packages' `postgres` user.
	const asUser = process.getuid?.() === 0 ? (command, args) => ['runuser', ['-u', 'postgres', '--', command, ...args]] : (command, args) => [command, args];
	chmodSync(dir, 0o777);
	const run = (command, args) => {
		const [file, argv] = asUser(join(bin, command), args);
		execFileSync(file, argv, { stdio: ['ignore', 'ignore', 'inherit'], cwd: dir });
	};
	run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8']);
	run('pg_ctl', ['-D', data, '-l', join(dir, 'postgres.log'), '-w', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']);
	const database = 'n8n_queue';
	execFileSync(join(bin, 'createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', database], { stdio: 'inherit' });
	return {
		port,
		database,
		bin,
		stop: () => {
			try {
				run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
			} catch {
				// already gone
			}
		},
	};
}

const started = Date.now();
// On CI `npm test` has installed them already; a fresh clone that starts here gets them installed.
if (!existsSync(join(ROOT, 'node_modules', '.bin', 'vitest'))) ensureDependencies();
ensurePackages();
const dir = mkdtempSync(join(tmpdir(), 'cp-queue-'));
let redis;
let postgres;
let passed = 0;
let failed = 0;
try {
	step('Starting Redis and PostgreSQL on 127.0.0.1');
	redis = await startRedis(dir);
	postgres = await startPostgres(dir);
	process.stdout.write(`Redis on port ${redis.port}, PostgreSQL on port ${postgres.port}\n`);

	step('Queue-mode tests in real n8n (one main, two workers)');
	const report = join(dir, 'vitest.json');
	const result = spawnSync(
		'npx',
		['vitest', 'run', '--project', 'queue', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`],
		{
			cwd: ROOT,
			stdio: 'inherit',
			env: {
				...process.env,
				CP_QUEUE_REDIS_PORT: String(redis.port),
				CP_QUEUE_POSTGRES_PORT: String(postgres.port),
				CP_QUEUE_DATABASE: postgres.database,
				CP_QUEUE_POSTGRES_BIN: postgres.bin,
			},
		},
	);
	if (existsSync(report)) {
		const summary = JSON.parse(readFileSync(report, 'utf8'));
		passed = summary.numPassedTests;
		failed = summary.numFailedTests;
	}
	if (result.status !== 0 && failed === 0) failed = 1;
} catch (error) {
	process.stderr.write(`${error.stack ?? error}\n`);
	failed = Math.max(failed, 1);
} finally {
	redis?.stop();
	postgres?.stop();
	rmSync(dir, { recursive: true, force: true });
}
step('Summary');
process.stdout.write(`queue mode took ${Math.round((Date.now() - started) / 1000)} s\n`);
reportSummary('queue', { passed, failed });
process.exit(failed > 0 ? 1 : 0);
