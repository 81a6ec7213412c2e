// n8n credentials (plain text, for `n8n import:credentials`) that point each vendor node at the sandbox.
// Ids are fixed so example workflows can reference them.
import type { CredentialSpec } from '../scripts/n8nHome.mts';
import { maacCredentials } from './crescendoLab.mts';
import type { Sandbox, VendorName } from './index.mts';

export const SANDBOX_CREDENTIAL_IDS = {
	crescendoLabApi: 'sbxCrescendoLab',
	crescendoLabMaacApi: 'sbxCrescendoMaac',
	talonOneCdpApi: 'sbxTalonOne',
	syneriseApi: 'sbxSynerise',
	insiderApi: 'sbxInsider',
	batchApi: 'sbxBatch',
} as const;

type CredentialType = keyof typeof SANDBOX_CREDENTIAL_IDS;

const SOURCES: Array<{ type: CredentialType; vendor: VendorName; name: string; data?: Record<string, unknown> }> = [
	{ type: 'crescendoLabApi', vendor: 'crescendoLab', name: 'Crescendo Lab (sandbox)' },
	{ type: 'crescendoLabMaacApi', vendor: 'crescendoLab', name: 'Crescendo Lab MAAC (sandbox)', data: maacCredentials },
	{ type: 'talonOneCdpApi', vendor: 'talonOne', name: 'Talon.One (sandbox)' },
	{ type: 'syneriseApi', vendor: 'synerise', name: 'Synerise (sandbox)' },
	{ type: 'insiderApi', vendor: 'insider', name: 'Insider (sandbox)' },
	{ type: 'batchApi', vendor: 'batch', name: 'Batch (sandbox)' },
];

/** A reference to a sandbox credential, for a workflow node's `credentials`. */
export function sandboxCredentialRef(type: CredentialType): Record<string, { id: string; name: string }> {
	const source = SOURCES.find((candidate) => candidate.type === type)!;
	return { [type]: { id: SANDBOX_CREDENTIAL_IDS[type], name: source.name } };
}

export function sandboxCredentials(sandbox: Sandbox): CredentialSpec[] {
	const specs: CredentialSpec[] = [];
	for (const source of SOURCES) {
		const vendor = sandbox.vendors[source.vendor];
		if (!vendor) continue;
		specs.push({
			id: SANDBOX_CREDENTIAL_IDS[source.type],
			name: source.name,
			type: source.type,
			data: { ...(source.data ?? sandbox.credentials[source.vendor]), baseUrl: vendor.url },
		});
	}
	return specs;
}
