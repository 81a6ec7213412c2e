// `npm run test:queue`: n8n in queue mode on this machine. Installs Redis and PostgreSQL from Debian's
// packages when they are missing (as root, as on CI), starts both on loopback in throw-away directories,
// runs test/queue/*.test.mts (one n8n main and two workers, each with this package installed), stops them
// and prints `N passed, N failed`.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ensureDependencies } from './setup.mjs';
import { Stages, vitest } from './stages.mjs';
import { ensureDebianPackages, has } from './system.mjs';

function postgresBin() {
	const base = '/usr/lib/postgresql';
	if (!existsSync(base)) return undefined;
	const versions = readdirSync(base).filter((name) => existsSync(join(base, name, 'bin', 'initdb')));
	versions.sort((a, b) => Number(b) - Number(a));
	return versions.length ? join(base, versions[0], 'bin') : undefined;
}

function ensurePackages() {
	ensureDebianPackages(
		[
			{ name: 'redis-server', present: () => has('redis-server') },
			{ name: 'postgresql', present: () => postgresBin() !== undefined },
		],
		'Queue mode (Redis and PostgreSQL)',
	);
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

const stages = new Stages('queue');
stages.run('set-up', 'Dev dependencies (npm install from the lockfile, verified)', () => ensureDependencies());
const packages = stages.run('packages', 'Redis and PostgreSQL (Debian packages, installed when missing)', () => ensurePackages());
const dir = mkdtempSync(join(tmpdir(), 'cp-queue-'));
let redis;
let postgres;
try {
	const services = await stages.runAsync('services', 'Starting Redis and PostgreSQL on 127.0.0.1', async () => {
		if (!packages) throw new Error('not run: Redis or PostgreSQL is missing');
		redis = await startRedis(dir);
		postgres = await startPostgres(dir);
		return `Redis on port ${redis.port}, PostgreSQL on port ${postgres.port}`;
	});
	stages.run('queue', 'Queue-mode tests in real n8n (one main, two workers)', () => {
		if (!services) throw new Error('not run: Redis or PostgreSQL did not start');
		return vitest(stages, 'queue', [], {
			CP_QUEUE_REDIS_PORT: String(redis.port),
			CP_QUEUE_POSTGRES_PORT: String(postgres.port),
			CP_QUEUE_DATABASE: postgres.database,
			CP_QUEUE_POSTGRES_BIN: postgres.bin,
		});
	});
} finally {
	redis?.stop();
	postgres?.stop();
	rmSync(dir, { recursive: true, force: true });
}
process.exit(stages.summarize());
