// The part of `npm start` that needs TypeScript: sandbox, n8n user folder, imports, `n8n start`.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

import { startSandbox } from '../sandbox/index.mts';
import { sandboxCredentials } from '../sandbox/n8nCredentials.mts';
import { freePort, installPackage, n8nEnv, packPackage, ROOT, runProcess, type N8nInstall } from './n8nHome.mts';
// @ts-expect-error plain ES module without types
import { ensureN8n } from './toolchain.mjs';

const PORT = Number(process.env.N8N_PORT ?? 5678);
const OWNER_EMAIL = 'owner@sandbox.local';
const OWNER_PASSWORD = 'Sandbox-Owner-1';

const n8n = ensureN8n();
const userFolder = join(ROOT, '.n8n-dev');
mkdirSync(userFolder, { recursive: true });
// start.mjs has just built the package.
installPackage(userFolder, packPackage(userFolder, { skipBuild: true }));

const sandbox = await startSandbox({ ports: 'default' });
const env: N8nInstall = { n8nBin: n8n.bin, nodeBin: n8n.nodeBin, pathPrefix: n8n.pathPrefix, n8nVersion: n8n.version };
const baseEnv = async () => n8nEnv(userFolder, env, await freePort());

const credentialsFile = join(userFolder, 'sandbox-credentials.json');
writeFileSync(credentialsFile, JSON.stringify(sandboxCredentials(sandbox)));
const imported = await runProcess(env.nodeBin, [env.n8nBin, 'import:credentials', `--input=${credentialsFile}`], await baseEnv(), 300_000);
rmSync(credentialsFile);
if (imported.exitCode !== 0) throw new Error(`importing the sandbox credentials failed:\n${imported.stderr}`);

const examples = join(ROOT, 'docs', 'examples');
if (existsSync(examples) && readdirSync(examples).some((file) => file.endsWith('.json'))) {
	const result = await runProcess(env.nodeBin, [env.n8nBin, 'import:workflow', '--separate', `--input=${examples}`], await baseEnv(), 300_000);
	if (result.exitCode !== 0) throw new Error(`importing the examples failed:\n${result.stderr}`);
}

// n8n's own bcrypt, so the owner account exists and the editor opens on a login page, not a setup form.
const bcrypt = createRequire(join(n8n.dir, 'node_modules', 'n8n', 'package.json'))('bcryptjs');
const ownerEnv = {
	N8N_INSTANCE_OWNER_MANAGED_BY_ENV: 'true',
	N8N_INSTANCE_OWNER_EMAIL: OWNER_EMAIL,
	N8N_INSTANCE_OWNER_PASSWORD_HASH: bcrypt.hashSync(OWNER_PASSWORD, 10),
	N8N_PORT: String(PORT),
};
const server = spawn(env.nodeBin, [env.n8nBin, 'start'], { env: { ...(await baseEnv()), ...ownerEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
server.stdout.pipe(process.stdout);
server.stderr.pipe(process.stderr);

const url = `http://127.0.0.1:${PORT}`;
for (let i = 0; i < 120; i++) {
	const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
	if (ok) break;
	await new Promise((resolve) => setTimeout(resolve, 1000));
}
const version = JSON.parse(readFileSync(join(n8n.dir, 'node_modules', 'n8n', 'package.json'), 'utf8')).version;
process.stdout.write(`\n n8n ${version} with n8n-nodes-customer-profiles: ${url}\n`);
process.stdout.write(`   log in as ${OWNER_EMAIL} / ${OWNER_PASSWORD}\n`);
process.stdout.write(`   sandbox credentials and the example workflows are imported; sandbox APIs:\n`);
for (const [name, vendor] of Object.entries(sandbox.vendors)) process.stdout.write(`     ${name.padEnd(13)} ${vendor!.url}\n`);
process.stdout.write(' Ctrl-C stops n8n and the sandbox.\n\n');

// n8n shuts down gracefully on SIGTERM, which takes a few seconds; wait for it (30 s at most) so Ctrl-C never
// leaves an n8n behind on port 5678.
const stop = async () => {
	const exited = new Promise((resolve) => server.once('exit', resolve));
	server.kill('SIGTERM');
	await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 30_000))]);
	if (server.exitCode === null) server.kill('SIGKILL');
	await sandbox.close();
	process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
server.on('exit', async (code) => {
	await sandbox.close();
	process.exit(code ?? 0);
});
