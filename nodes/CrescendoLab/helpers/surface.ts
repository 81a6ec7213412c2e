import type { INode } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { CrescendoApi } from '../transport';

/** Stops an operation that only the Profile API has (export) when the node is set to MAAC v1. */
export function requireProfileApi(node: INode, api: CrescendoApi, what: string): void {
	if (api.surface !== 'profileApi') {
		throw new NodeOperationError(node, `${what} needs the Profile API`, {
			description: 'MAAC OpenAPI v1 has no export. Set Authentication to "Profile API" and use a Crescendo Lab API credential.',
		});
	}
}
