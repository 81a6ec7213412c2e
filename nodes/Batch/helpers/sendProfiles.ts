import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { BulkEntry, EntryOutcome } from '../../shared/bulk';
import type { ChangeTracker } from '../../shared/changes';
import { UNCONFIRMED } from '../../shared/sync';
import type { BatchApi, ProfileRoute } from '../transport';
import { ANSWER_EXCERPT_CHARS, profileLimiter, retryIfNothingApplied, ROUTE_PATHS } from '../transport';
import type { ProfileOperation } from './operations';
import type { ProfilesAnswer } from './partialErrors';
import { partialFailure, readAnswer } from './partialErrors';

/**
 * The sender of one route: each call posts its profile operations, paced under the route's token bucket,
 * and gives one outcome per operation. A profile Batch accepted in full is handed to version 1's sync
 * state (`sync`). Under the Sync option (`syncOption`, version 2), the engine remembers every profile sent
 * unless its outcome says `syncStatus: 'unconfirmed'`, as one does when Batch's answer cannot be trusted.
 */
export function profileSender(
	ctx: IExecuteFunctions,
	api: BatchApi,
	route: ProfileRoute,
	overridePerSecond: number,
	sync: ChangeTracker | undefined,
	syncOption = false,
): (batch: Array<BulkEntry<ProfileOperation | undefined>>) => Promise<EntryOutcome[]> {
	const node = ctx.getNode();
	const { transport } = api;
	const limiter = profileLimiter(route, overridePerSecond, transport.clock);
	const path = `${api.cepPrefix}${ROUTE_PATHS[route]}`;
	return async (entries) => {
		const batch = entries as Array<BulkEntry<ProfileOperation>>;
		const response = await transport.request<ProfilesAnswer>({
			method: 'POST',
			path,
			body: batch.map((entry) => entry.payload.body),
			limiter,
			records: batch.length,
			// Events are not idempotent (reference §0): a call carrying them is retried only on a failure that
			// shows Batch applied nothing, so an event is never tracked twice.
			retryIf: batch.some((entry) => entry.payload.hasEvents) ? retryIfNothingApplied : undefined,
		});
		const answer = response.body ?? {};
		const { errorsAt, trusted } = readAnswer(answer, batch.length);
		return batch.map((entry, position) => {
			const { customId, remember, attributes } = entry.payload;
			const errors = errorsAt.get(position);
			if (errors) return { error: partialFailure(node, entry.itemIndex, customId, errors) };
			if (trusted && sync && remember !== undefined) sync.accept(customId, remember);
			const json: IDataObject = { customId, status: 'sent', route, attributes };
			if (!trusted) {
				json.warning = `Batch answered ${JSON.stringify(answer).slice(0, ANSWER_EXCERPT_CHARS)}; this profile will be sent again next run`;
				if (syncOption) json.syncStatus = UNCONFIRMED;
			}
			return { json };
		});
	};
}
