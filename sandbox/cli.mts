// `npm run sandbox`: starts the five vendor fakes on 127.0.0.1 (fixed ports unless overridden) and
// prints their base URLs and credentials. Stops on Ctrl-C, or by itself after --ttl seconds.
import { startSandbox, VENDORS, type VendorName } from './index.mts';

function option(name: string): string | undefined {
	const prefix = `--${name}=`;
	return process.argv.find((arg) => arg.startsWith(prefix))?.slice(prefix.length);
}

const ports: Partial<Record<VendorName, number>> = {};
for (const name of Object.keys(VENDORS) as VendorName[]) {
	const fromEnv = process.env[`SANDBOX_PORT_${name.toUpperCase()}`];
	ports[name] = Number(option(`port-${name}`) ?? fromEnv ?? VENDORS[name].port);
}
const timeScale = Number(option('time-scale') ?? 1);
const seed = Number(option('seed') ?? 1);
const sandbox = await startSandbox({ ports, timeScale, faults: { seed } });

process.stdout.write('Sandbox of the vendor APIs (state in memory; inspect with GET <url>/__sandbox/state):\n');
for (const [name, vendor] of Object.entries(sandbox.vendors)) {
	process.stdout.write(`  ${name.padEnd(13)} ${vendor!.url}   credentials: ${JSON.stringify(sandbox.credentials[name as VendorName])}\n`);
}
process.stdout.write(`time scale ${timeScale}, fault seed ${seed}. Ctrl-C to stop.\n`);

const stop = async () => {
	await sandbox.close();
	process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
const ttl = Number(option('ttl') ?? 0);
if (ttl > 0) setTimeout(stop, ttl * 1000).unref();
