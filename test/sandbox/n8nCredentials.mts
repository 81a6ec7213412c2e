// n8n credentials (plain text, for `n8n import:credentials`) that point each vendor node at the sandbox.
import type { CredentialSpec } from '../e2e/harness.mts';
import type { Sandbox } from './index.mts';

export function sandboxCredentials(sandbox: Sandbox): CredentialSpec[] {
	const specs: CredentialSpec[] = [];
	void sandbox;
	return specs;
}
