// An n8n user folder with this package in it, and running n8n's CLI on one: what `npm start` (dev.mts) and the
// end-to-end tests (test/e2e) both need. Packs the package, installs the tarball into a user folder as n8n's
// community-package installer lays it out, builds the environment n8n runs with, and runs a command with its
// output kept whole.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const PACKAGE_NAME = 'n8n-nodes-customer-profiles';
export const ENCRYPTION_KEY = 'e2e-encryption-key-not-a-secret';

/** Where n8n and the Node that runs it are (what scripts/toolchain.mjs's `ensureN8n` returns). */
export interface N8nInstall {
	n8nBin: string;
	nodeBin: string;
	/** Put before PATH for n8n's commands (the cached Node's bin folder), or empty. */
	pathPrefix: string;
	n8nVersion: string;
}

/** One credential as `n8n import:credentials` reads it: plain text data, which n8n encrypts on import. */
export interface CredentialSpec {
	id: string;
	name: string;
	type: string;
	data: Record<string, unknown>;
}

export interface CommandResult {
	exitCode: number;
	stdout: string;
	stderr: string;
}

/** Builds the package (unless `skipBuild`) and packs it into `destination`, replacing older tarballs there. */
export function packPackage(destination: string, options: { skipBuild?: boolean } = {}): string {
	mkdirSync(destination, { recursive: true });
	if (!options.skipBuild) {
		execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
	}
	for (const file of readdirSync(destination)) if (file.endsWith('.tgz')) rmSync(join(destination, file));
	const name = execFileSync('npm', ['pack', '--silent', '--pack-destination', destination], { cwd: ROOT, encoding: 'utf8' })
		.trim()
		.split('\n')
		.pop()!;
	return join(destination, name);
}

/** Installs the packed package into an n8n user folder the way n8n's community-package installer lays it out. */
export function installPackage(userFolder: string, tarball: string): void {
	const packageDir = join(userFolder, '.n8n', 'nodes', 'node_modules', PACKAGE_NAME);
	rmSync(packageDir, { recursive: true, force: true });
	mkdirSync(packageDir, { recursive: true });
	execFileSync('tar', ['-xzf', tarball, '-C', packageDir, '--strip-components=1']);
	writeFileSync(
		join(userFolder, '.n8n', 'nodes', 'package.json'),
		JSON.stringify({ name: 'installed-nodes', private: true, dependencies: { [PACKAGE_NAME]: `file:${tarball}` } }),
	);
}

export async function freePort(): Promise<number> {
	return await new Promise((resolve, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address() as { port: number };
			server.close(() => resolve(port));
		});
	});
}

/** The parent's environment without what vitest sets: n8n's CLI does nothing under NODE_ENV=test. */
function inheritedEnv(): NodeJS.ProcessEnv {
	const inherited: NodeJS.ProcessEnv = {};
	for (const [key, value] of Object.entries(process.env)) {
		if (key === 'NODE_ENV' || key.startsWith('VITEST') || key === 'TEST' || key.startsWith('CP_E2E')) continue;
		inherited[key] = value;
	}
	return inherited;
}

/** The environment n8n runs with on `userFolder`; `brokerPort` is its task runners' broker (one free port each). */
export function n8nEnv(userFolder: string, install: Pick<N8nInstall, 'pathPrefix'>, brokerPort: number): NodeJS.ProcessEnv {
	return {
		...inheritedEnv(),
		PATH: install.pathPrefix ? `${install.pathPrefix}:${process.env.PATH}` : process.env.PATH,
		N8N_USER_FOLDER: userFolder,
		N8N_ENCRYPTION_KEY: ENCRYPTION_KEY,
		N8N_EXPRESSION_ENGINE: 'legacy',
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_RUNNERS_BROKER_PORT: String(brokerPort),
		N8N_LOG_LEVEL: 'info',
		N8N_SECURE_COOKIE: 'false',
		N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
		DB_SQLITE_POOL_SIZE: '2',
		NODE_OPTIONS: '--max-old-space-size=4096',
	};
}

export async function runProcess(
	command: string,
	args: string[],
	env: NodeJS.ProcessEnv,
	timeoutMs: number,
): Promise<CommandResult> {
	// stdout goes to a file, not a pipe: n8n prints the whole run as one JSON document and exits right
	// after, and a pipe loses whatever was still buffered (a run of 25,000 items was cut at ~6.5 MB).
	// Writes to a file are synchronous in Node, so the file always holds all of it.
	const outDir = mkdtempSync(join(tmpdir(), 'cp-n8n-out-'));
	const outFile = join(outDir, 'stdout');
	const outFd = openSync(outFile, 'w');
	return await new Promise<CommandResult>((resolve, reject) => {
		const child = spawn(command, args, { env, stdio: ['ignore', outFd, 'pipe'] });
		closeSync(outFd);
		const err: Buffer[] = [];
		child.stderr!.on('data', (chunk: Buffer) => err.push(chunk));
		const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
		child.once('error', (error) => {
			clearTimeout(timer);
			rmSync(outDir, { recursive: true, force: true });
			reject(error);
		});
		child.once('close', (code, signal) => {
			clearTimeout(timer);
			const stdout = readFileSync(outFile, 'utf8');
			rmSync(outDir, { recursive: true, force: true });
			resolve({
				exitCode: code ?? (signal ? 128 : 1),
				stdout,
				stderr: Buffer.concat(err).toString('utf8'),
			});
		});
	});
}
