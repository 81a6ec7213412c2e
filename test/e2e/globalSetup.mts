// Once per e2e run: build and pack the package, make sure n8n is installed (cached), and prepare a
// template user folder (database migrated, the packed package installed) that each test copies.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

import { freePort, installPackage, n8nEnv, packPackage, ROOT, runProcess } from '../../scripts/n8nHome.mts';
// @ts-expect-error plain ES module without types
import { ensureN8n } from '../../scripts/toolchain.mjs';
import type { E2eEnvironment } from './harness.mts';

const ARTIFACTS = join(ROOT, 'test', '.artifacts');

export async function prepareTemplate(version?: string): Promise<E2eEnvironment> {
	const tarball = packPackage(ARTIFACTS, { skipBuild: process.env.CP_E2E_SKIP_BUILD === '1' });
	const n8n = ensureN8n(version);
	const templateFolder = join(ARTIFACTS, `n8n-template-${n8n.version}`);
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
