import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import type { SyncDefaults, SyncTracking } from '../../shared/sync';
import { resetSyncState } from '../../shared/sync';
import type { ProfileOperation } from './operations';
import { profileOperation } from './operations';
import { SYNC_STATE_KEY as ONLY_SEND_CHANGES_STATE_KEY } from './syncState';

/** The node version whose Create or Update has the shared Sync option instead of "Only Send Changes". */
export const SYNC_NODE_VERSION = 2;

/**
 * Where the Sync option keeps its state in the node's static data (the fallback store). Not version 1's
 * `batchProfileSync`: by default version 1 keeps one fingerprint per profile, which the Sync engine (one per
 * attribute, plus a "known" key) cannot read, and static data is kept per node name, so a version 2 node
 * that takes the name of a version 1 node would discard or overwrite its state instead of starting its own.
 */
export const SYNC_STATE_KEY = 'batchSyncOption';

/** Batch keeps sending only changes by default, as version 1's "Only Send Changes" (on by default) did. */
export const SYNC_DEFAULTS: SyncDefaults = { send: 'changed' };

const attributesOf = (operation: ProfileOperation) => (operation.body.attributes ?? {}) as IDataObject;
const eventsOf = (operation: ProfileOperation) => operation.body.events as IDataObject[] | undefined;

/**
 * Change detection of Create or Update's profile operations: a profile is keyed by its Custom ID (Batch's
 * only key) and its attributes are compared one by one, as sent (`date(signup)`, `$email_address`, an array
 * edit `{ "$add": [...] }` as one value). Events are an action, not a state: a profile with events is always
 * sent, with its events; Only Changed Fields still narrows its attributes, possibly to none.
 */
export function profileTracking(): SyncTracking<ProfileOperation> {
	return {
		stateKey: SYNC_STATE_KEY,
		record: (operation) => ({
			id: operation.customId,
			fields: attributesOf(operation),
			always: (eventsOf(operation)?.length ?? 0) > 0,
		}),
		narrow: (operation, fields) => {
			const attributes = attributesOf(operation);
			const kept = Object.fromEntries(fields.filter((field) => field in attributes).map((field) => [field, attributes[field]]));
			return profileOperation({ customId: operation.customId, attributes: kept, events: eventsOf(operation) });
		},
		// Clear Removed Fields: `null` deletes an attribute (reference §3.4, §4.4).
		clear: (operation, fields) =>
			profileOperation({
				customId: operation.customId,
				attributes: { ...attributesOf(operation), ...Object.fromEntries(fields.map((field) => [field, null])) },
				events: eventsOf(operation),
			}),
		unchanged: (operation) => ({ customId: operation.customId }),
		missing: (id) => ({ customId: id }),
	};
}

/**
 * Reset Sync State of a version 2 node: the Sync option's state in both stores and the last snapshot's keys.
 * A version 1 state left in static data under the old key (a version 1 node of the same name) goes too:
 * version 2 never reads it.
 */
export async function resetSync(ctx: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	delete ctx.getWorkflowStaticData('node')[ONLY_SEND_CHANGES_STATE_KEY];
	return await resetSyncState(ctx, SYNC_STATE_KEY);
}
