import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { Transport } from '../../shared/transport';
import { METADATA_PATH } from '../transport';
import type { AttributeCatalogue } from './attributes';
import { CUSTOM_PREFIX } from './attributes';

/** The metadata tables (§5.9) that list the account's user attributes and its events. */
export const ATTRIBUTE_TABLE = 'contacts';
export const EVENT_TABLE = 'events';

/** First node version whose Create or Update and Delete Attribute ask the account's metadata (issue #14). */
export const METADATA_NODE_VERSION = 2;

/**
 * The option that turns the metadata read on or off, the same in every operation that classifies names;
 * `withoutIt` says what the operation does with a name when the list is not read.
 */
export function metadataOption(withoutIt: string): INodeProperties {
	return {
		displayName: 'Check Names Against Account Metadata',
		name: 'useMetadata',
		type: 'boolean',
		default: true,
		description: `Whether to read the account's attribute list once per run to tell default attributes from custom ones (custom ones are listed with "c_"). ${withoutIt} On by default from node version ${METADATA_NODE_VERSION}.`,
	};
}

/**
 * Whether this node asks the metadata which names are custom: the option when set, else on from node
 * version 2 (version 1 nodes keep sending what they sent).
 */
export function usesMetadata(ctx: IExecuteFunctions, option: unknown): boolean {
	if (typeof option === 'boolean') return option;
	return (ctx.getNode().typeVersion ?? 1) >= METADATA_NODE_VERSION;
}

/**
 * Reads the account's attribute columns once per execution. A token that may not read them, or any
 * other failure, leaves the built-in list of defaults in charge (undefined).
 */
export async function loadAttributeCatalogue(transport: Transport): Promise<AttributeCatalogue | undefined> {
	try {
		const response = await transport.request<unknown>({ method: 'POST', path: METADATA_PATH, body: { table: ATTRIBUTE_TABLE } });
		if (!Array.isArray(response.body)) return undefined;
		const catalogue: AttributeCatalogue = { defaults: new Set(), custom: new Set() };
		for (const column of response.body as Array<{ key?: unknown }>) {
			if (typeof column?.key !== 'string' || column.key === '') continue;
			if (column.key.startsWith(CUSTOM_PREFIX) && column.key.length > CUSTOM_PREFIX.length) {
				catalogue.custom.add(column.key.slice(CUSTOM_PREFIX.length));
			} else {
				catalogue.defaults.add(column.key);
			}
		}
		return catalogue;
	} catch {
		return undefined;
	}
}

/** The account's attribute list when this run asks for it (the operation's Options), else undefined. */
export async function catalogueIfAsked(ctx: IExecuteFunctions, transport: Transport): Promise<AttributeCatalogue | undefined> {
	const option = (ctx.getNodeParameter('options', 0, {}) as IDataObject).useMetadata;
	return usesMetadata(ctx, option) ? await loadAttributeCatalogue(transport) : undefined;
}
