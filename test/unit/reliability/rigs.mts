// One rig per vendor for the reliability tests: the node, its credential types, and a sandbox started
// in-process (time-scaled where the vendor's tasks and windows would make tests slow).
import type { IDataObject, INodeType } from 'n8n-workflow';

import type { FaultConfig } from '../../../sandbox/core.mts';
import type { Sandbox, VendorName } from '../../../sandbox/index.mts';
import { startSandbox } from '../../../sandbox/index.mts';
import type { VendorRig } from './catalogue.mts';

export interface RigSpec {
	vendor: VendorName;
	node: () => INodeType;
	nodeType: string;
	/** Credential data per credential type, given the sandbox's known keys and the vendor's base URL. */
	credentials: (known: Record<string, unknown>, baseUrl: string) => Record<string, IDataObject>;
	timeScale?: number;
	/** Knobs restored before each run. */
	knobs?: Record<string, unknown>;
	baseParams?: VendorRig['baseParams'];
}

export const NO_FAULTS: Partial<FaultConfig> = { rate429: 0, error5xxRate: 0, resetRate: 0, latencyMs: [0, 0], routes: [] };

export async function startRig(spec: RigSpec): Promise<VendorRig & { sandbox: Sandbox }> {
	const sandbox = await startSandbox({ only: [spec.vendor], ports: 'random', timeScale: spec.timeScale });
	const vendor = () => sandbox.vendor(spec.vendor);
	return {
		sandbox,
		node: spec.node,
		nodeType: spec.nodeType,
		credentials: () => spec.credentials(sandbox.credentials[spec.vendor] ?? {}, vendor().url),
		vendor,
		baseParams: spec.baseParams,
		reset: async () => {
			await sandbox.control(spec.vendor).reset();
			await sandbox.control(spec.vendor).configure({ faults: NO_FAULTS, knobs: spec.knobs ?? {} });
		},
	};
}
