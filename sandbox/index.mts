// Starts the five vendor fakes together. Each vendor module lives beside this file and exports
// `create(): VendorModule` and `credentials` (the sandbox's known keys for that vendor).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { SandboxControl } from './control.mts';
import type { FaultConfig, RunningVendor, VendorModule } from './core.mts';
import { startVendor } from './core.mts';

export const VENDORS = {
	crescendoLab: { file: './crescendoLab.mts', port: 18601 },
	talonOne: { file: './talonOne.mts', port: 18602 },
	synerise: { file: './synerise.mts', port: 18603 },
	insider: { file: './insider.mts', port: 18604 },
	batch: { file: './batch.mts', port: 18605 },
} as const;

export type VendorName = keyof typeof VENDORS;

export interface SandboxOptions {
	/** Which vendors to start; all by default. */
	only?: VendorName[];
	/** Fixed ports (the defaults above) or 0 for free ones, which parallel tests need. */
	ports?: Partial<Record<VendorName, number>> | 'default' | 'random';
	timeScale?: number;
	faults?: Partial<FaultConfig>;
	knobs?: Partial<Record<VendorName, Record<string, unknown>>>;
	/** Keep every request each fake receives (`vendor(name).captured()`), for contract tests. */
	capture?: boolean;
}

export interface Sandbox {
	vendors: Partial<Record<VendorName, RunningVendor>>;
	credentials: Partial<Record<VendorName, Record<string, unknown>>>;
	vendor(name: VendorName): RunningVendor;
	/** The client of a running vendor's control routes (state, stats, reset, config). */
	control(name: VendorName): SandboxControl;
	close(): Promise<void>;
}

interface VendorFile {
	create(): VendorModule;
	credentials: Record<string, unknown>;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
	const names = options.only ?? (Object.keys(VENDORS) as VendorName[]);
	const vendors: Sandbox['vendors'] = {};
	const credentials: Sandbox['credentials'] = {};
	for (const name of names) {
		const path = fileURLToPath(new URL(VENDORS[name].file, import.meta.url));
		if (!existsSync(path)) continue;
		const file = (await import(path)) as VendorFile;
		const ports = options.ports ?? 'random';
		const port = ports === 'default' ? VENDORS[name].port : ports === 'random' ? 0 : (ports[name] ?? 0);
		vendors[name] = await startVendor(file.create(), {
			port,
			timeScale: options.timeScale,
			faults: options.faults,
			knobs: options.knobs?.[name],
			capture: options.capture,
		});
		credentials[name] = file.credentials;
	}
	const vendor = (name: VendorName): RunningVendor => {
		const running = vendors[name];
		if (!running) throw new Error(`sandbox vendor ${name} is not running`);
		return running;
	};
	return {
		vendors,
		credentials,
		vendor,
		control: (name) => new SandboxControl(vendor(name).url),
		async close() {
			await Promise.all(Object.values(vendors).map((vendor) => vendor.close()));
		},
	};
}
