// Once per e2e run: build and pack the package, make sure n8n is installed (cached), and prepare a
// template user folder (database migrated, the packed package installed) that each test copies.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

// @ts-expect-error plain ES module without types
import { ensureN8n } from '../../scripts/toolchain.mjs';
import { n8nEnv, PACKAGE_NAME, freePort, runProcess, type E2eEnvironment } from './harness.mts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function packPackage(options: { skipBuild?: boolean } = {}): string {
	const artifacts = join(root, 'test', '.artifacts');
	mkdirSync(artifacts, { recursive: true });
	if (!options.skipBuild && process.env.CP_E2E_SKIP_BUILD !== '1') {
		execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
	}
	for (const file of readdirSync(artifacts)) if (file.endsWith('.tgz')) rmSync(join(artifacts, file));
	const name = execFileSync('npm', ['pack', '--silent', '--pack-destination', artifacts], { cwd: root, encoding: 'utf8' })
		.trim()
		.split('\n')
		.pop()!;
	return join(artifacts, name);
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

export async function prepareTemplate(version?: string): Promise<E2eEnvironment> {
	const tarball = packPackage();
	const n8n = ensureN8n(version);
	const templateFolder = join(root, 'test', '.artifacts', `n8n-template-${n8n.version}`);
	rmSync(templateFolder, { recursive: true, force: true });
	installPackage(templateFolder, tarball);
	const env: E2eEnvironment = {
		n8nBin: n8n.bin,
		nodeBin: n8n.nodeBin,
		pathPrefix: n8n.pathPrefix,
		templateFolder,
		n8nVersion: n8n.version,
	};
	// Any command runs the database migrations once, so tests start from a ready database.
	const empty = join(templateFolder, 'empty.json');
	writeFileSync(empty, '[]');
	const result = await runProcess(
		env.nodeBin,
		[env.n8nBin, 'import:credentials', `--input=${empty}`],
		n8nEnv(templateFolder, env, await freePort()),
		5 * 60_000,
	);
	rmSync(empty);
	if (result.exitCode !== 0) throw new Error(`n8n failed to prepare its database:\n${result.stdout}\n${result.stderr}`);
	return env;
}

export default async function setup(project: TestProject): Promise<void> {
	const env = await prepareTemplate(process.env.N8N_VERSION);
	process.env.CP_E2E_ENV = JSON.stringify(env);
	(project.provide as (key: string, value: unknown) => void)('cpE2eEnv', JSON.stringify(env));
}
