import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import type { BulkEntry, BulkOptions } from '../../shared/bulk';
import { runBulk } from '../../shared/bulk';
import { jsonBytes } from '../../shared/chunk';
import type { InsiderApi } from '../transport';
import { MAX_REQUEST_BYTES, MAX_USERS_PER_REQUEST } from '../transport';
import { readConcurrency } from './concurrency';
import { mapBatchResponse } from './responses';
import type { UserAddress } from './user';
import { addressKeys } from './user';

export interface UserBatches<P extends UserAddress> {
	path: string;
	/** The body around the users, `{ users: [] }` plus any run-wide fields; its bytes count against the limit. */
	envelope: IDataObject;
	/** One item's user, checked; throws for bad input. */
	prepare: (itemIndex: number) => P;
	requestName: string;
	/** What an accepted user outputs. */
	accepted: (entry: BulkEntry<P>) => IDataObject;
}

/**
 * The bulk run of the endpoints that take many users a request (upsert, attribute delete, §5.1, §5.4):
 * packed under the per-request user and byte limits, paced by the user-write pool they share, requests
 * about one user kept in order, and Insider's per-user errors mapped back to their items. Create or
 * Update hands it to the Sync option (`runSync`); Delete Attribute runs it as it is (`sendUserBatches`).
 */
export function userBatchOptions<P extends UserAddress>(ctx: IExecuteFunctions, api: InsiderApi, options: UserBatches<P>): BulkOptions<P> {
	return {
		prepare: options.prepare,
		limits: { maxUnits: MAX_USERS_PER_REQUEST, maxBytes: MAX_REQUEST_BYTES, envelopeBytes: jsonBytes(options.envelope) },
		concurrency: readConcurrency(ctx),
		keys: addressKeys,
		requestName: options.requestName,
		send: async (batch) => {
			const response = await api.transport.request({
				method: 'POST',
				path: options.path,
				body: { ...options.envelope, users: batch.map((entry) => entry.payload) },
				limiter: api.limiters.userWrite,
			});
			return mapBatchResponse(ctx.getNode(), batch, response.body, options.accepted);
		},
	};
}

/** Sends every item's user in batches (no Sync option): one result or error per item. */
export async function sendUserBatches<P extends UserAddress>(
	ctx: IExecuteFunctions,
	api: InsiderApi,
	options: UserBatches<P>,
): Promise<INodeExecutionData[][]> {
	const { results } = await runBulk<P>(ctx, ctx.getInputData().length, userBatchOptions(ctx, api, options));
	return results.output();
}
