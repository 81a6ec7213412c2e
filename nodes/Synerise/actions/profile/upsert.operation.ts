import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import type { BulkEntry, EntryOutcome } from '../../../shared/bulk';
import { jsonBytes } from '../../../shared/chunk';
import { rejectedItem } from '../../../shared/errors';
import { runSync, syncOption } from '../../../shared/sync';
import { VendorHttpError } from '../../../shared/transport';
import { additionalFields, profileFields, profileOptions } from '../../helpers/fields';
import { buildProfile, IDENTIFIER_FIELDS, readProfileOptions } from '../../helpers/profile';
import { queuedResult } from '../../helpers/queuedResult';
import { profileTracking } from '../../helpers/sync';
import type { SyneriseApi } from '../../transport';
import {
	BATCH_CONCURRENCY,
	BATCH_PATH,
	fieldErrors,
	MAX_BATCH_BYTES,
	MAX_BATCH_MEGABYTES,
	MAX_PROFILES_PER_BATCH,
} from '../../transport';

const properties: INodeProperties[] = [
	{
		displayName: `Each input item is one profile, matched by its identifiers (email, phone, UUID or custom ID) or created. Items are sent in batches of up to ${MAX_PROFILES_PER_BATCH.toLocaleString('en-US')} profiles and ${MAX_BATCH_MEGABYTES} MB. Synerise queues a batch and applies it a few seconds later, with no result per profile: output items say "queued", and a profile Synerise drops later is not reported.`,
		name: 'batchNotice',
		type: 'notice',
		default: '',
	},
	profileFields,
	additionalFields,
	profileOptions(),
	syncOption('profiles', {}, { clearRemovedFields: true }),
];

export const description = updateDisplayOptions({ show: { resource: ['profile'], operation: ['upsert'] } }, properties);

/**
 * Index of the batch entry a field error names, e.g. `[3].email` or `clients[3].email`. The shape of
 * per-item errors in a batch answer is not documented (reference §6.3, inferred): the v4 error object's
 * `errors[].field` with a leading array index.
 */
export const BATCH_FIELD_INDEX = /^(?:[A-Za-z_]*)\[(\d+)\]\.?(.*)$/;

function identifiersOf(profile: IDataObject): IDataObject {
	const out: IDataObject = {};
	for (const field of IDENTIFIER_FIELDS) if (typeof profile[field] === 'string') out[field] = profile[field];
	return out;
}

/** Per-entry errors named in an answer body, by position in the batch. */
function errorsByEntry(body: unknown, size: number): Map<number, Array<{ field: string; message: string }>> {
	const byEntry = new Map<number, Array<{ field: string; message: string }>>();
	for (const error of fieldErrors(body)) {
		const match = error.field ? BATCH_FIELD_INDEX.exec(error.field) : null;
		if (!match) continue;
		const position = Number(match[1]);
		if (position >= size) continue;
		const list = byEntry.get(position) ?? [];
		list.push({ field: match[2], message: error.message });
		byEntry.set(position, list);
	}
	return byEntry;
}

export async function execute(this: IExecuteFunctions, api: SyneriseApi): Promise<INodeExecutionData[][]> {
	const node = this.getNode();
	const send = async (batch: Array<BulkEntry<IDataObject>>): Promise<EntryOutcome[]> => {
		const profiles = batch.map((entry) => entry.payload);
		// Queued is all a 202 says: Synerise documents no per-item result for a batch (reference §0, §6.3).
		const queued = (position: number): EntryOutcome => ({
			json: queuedResult(this, { accepted: true, status: 'queued' }, identifiersOf(profiles[position])),
		});
		const rejected = (position: number, errors: Array<{ field: string; message: string }>): EntryOutcome => ({
			error: rejectedItem(
				node,
				batch[position].itemIndex,
				// The first field is named in the error; other fields, if any, in the text.
				errors.map((error) => (error.field && error.field !== errors[0].field ? `${error.field}: ${error.message}` : error.message)).join('; '),
				errors[0]?.field || undefined,
			),
		});
		const outcome = await api
			.request({ method: 'POST', path: BATCH_PATH, body: profiles, records: profiles.length })
			.then(
				(response) => ({ response, failure: undefined }),
				(failure: unknown) => ({ response: undefined, failure }),
			);
		if (outcome.response) {
			// 202: queued, no per-item answer (reference §0, §6.3). Fallback only, as no source shows one: a
			// multi-status answer that names entries fails those items.
			const byEntry = outcome.response.statusCode === 207 ? errorsByEntry(outcome.response.body, profiles.length) : new Map();
			return profiles.map((_, position) => (byEntry.has(position) ? rejected(position, byEntry.get(position)!) : queued(position)));
		}
		// Fallback, as above: a 400 that names entries refused the whole request because of them; those items
		// fail and the others are sent once more without them. Any other failure fails the whole batch.
		const failure = outcome.failure;
		const byEntry =
			failure instanceof VendorHttpError && failure.statusCode === 400 ? errorsByEntry(failure.body, profiles.length) : new Map();
		if (byEntry.size === 0) return profiles.map(() => ({ error: failure }));
		const rest = profiles.map((_, position) => position).filter((position) => !byEntry.has(position));
		if (rest.length > 0) {
			await api.request({
				method: 'POST',
				path: BATCH_PATH,
				body: rest.map((position) => profiles[position]),
				records: rest.length,
			});
		}
		return profiles.map((_, position) => (byEntry.has(position) ? rejected(position, byEntry.get(position)!) : queued(position)));
	};
	return await runSync<IDataObject>(this, this.getInputData().length, profileTracking<IDataObject>((profile) => profile, (_, profile) => profile), {
		prepare: (itemIndex) => buildProfile(this, itemIndex, readProfileOptions(this, itemIndex, true)),
		limits: { maxUnits: MAX_PROFILES_PER_BATCH, maxBytes: MAX_BATCH_BYTES, envelopeBytes: 2 },
		bytes: (profile) => jsonBytes(profile),
		concurrency: BATCH_CONCURRENCY,
		// Two batches that touch one profile are sent one after the other, so the later input wins.
		keys: (profile) => IDENTIFIER_FIELDS.filter((field) => typeof profile[field] === 'string').map((field) => `${field}:${String(profile[field]).toLowerCase()}`),
		send,
		requestName: 'The batch request',
	});
}
