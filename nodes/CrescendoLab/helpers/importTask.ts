import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { BulkEntry, BulkOptions, EntryOutcome } from '../../shared/bulk';
import { jsonBytes } from '../../shared/chunk';
import type { EmptyValues } from '../../shared/emptyValues';
import { readEmptyValues } from '../../shared/emptyValues';
import { invalidField } from '../../shared/errors';
import type { CrescendoApi } from '../transport';
import { crescendoLimiter, expectedTaskMs, MAX_CONTACTS_PER_IMPORT, MAX_IMPORT_BODY_BYTES, statusLimiter } from '../transport';
import type { ContactRow, UnknownFieldPolicy } from './contactRow';
import { buildContactRow, EMPTY_VALUES, tagsOf } from './contactRow';
import { finishedOutcomes, startedOutcomes } from './importOutcomes';
import { startTask, taskIdFrom, waitForTask } from './tasks';
import type { Timing } from './timing';
import { readTiming } from './timing';

/** The Import operation's settings, read once (from the first item) for the whole run. */
export interface ImportSettings {
	importKey: string;
	emptyValues: EmptyValues;
	unknownFields: UnknownFieldPolicy;
	waitForCompletion: boolean;
	timing: Timing;
	/** The "Tags" option: added to every contact. */
	tags: string[];
}

export function readImportSettings(ctx: IExecuteFunctions): ImportSettings {
	const options = ctx.getNodeParameter('options', 0, {}) as IDataObject;
	return {
		importKey: ctx.getNodeParameter('importKey', 0) as string,
		emptyValues: readEmptyValues(options, EMPTY_VALUES),
		unknownFields: options.unknownFields === 'omit' ? 'omit' : 'refuse',
		waitForCompletion: options.waitForCompletion !== false,
		timing: readTiming(ctx, 0),
		tags: tagsOf(ctx.getNode(), 0, 'Tags', options.tags),
	};
}

/**
 * The request body of one task, without its rows (the engine measures those). MAAC v1 applies
 * request-level tags to every contact; the Profile API takes them per row (inferred, §5A).
 */
export function importEnvelope(api: CrescendoApi, settings: ImportSettings): IDataObject {
	const body: IDataObject = { import_key: settings.importKey, data: [] };
	if (api.surface === 'maacApi' && settings.tags.length > 0) body.tags = settings.tags;
	return body;
}

/** Tasks hold at most so many contacts and bytes, the envelope included. */
export function importLimits(envelope: IDataObject): BulkOptions<ContactRow>['limits'] {
	return { maxUnits: MAX_CONTACTS_PER_IMPORT, maxBytes: MAX_IMPORT_BODY_BYTES, envelopeBytes: jsonBytes(envelope) };
}

/**
 * Builds and checks each item's contact: its row, the "Tags" option merged into it (Profile API), and a
 * key no earlier item had. A repeated key fails the whole task at the vendor (`duplicate_error`, §5B B2),
 * so it is refused for its own item.
 */
export function contactPreparer(ctx: IExecuteFunctions, api: CrescendoApi, settings: ImportSettings): (itemIndex: number) => ContactRow {
	const { importKey, tags } = settings;
	const seen = new Map<string, number>();
	return (itemIndex) => {
		const contact = buildContactRow(ctx, itemIndex, api.surface, importKey, settings.emptyValues, settings.unknownFields);
		if (api.surface === 'profileApi' && tags.length > 0) {
			const own = (contact.row.tags as string[] | undefined) ?? [];
			contact.row.tags = [...own, ...tags.filter((tag) => !own.includes(tag))];
		}
		const first = seen.get(contact.keyValue);
		if (first !== undefined) {
			throw invalidField(ctx.getNode(), itemIndex, importKey, `repeats the value of item ${first}; each contact may appear once per run`);
		}
		seen.set(contact.keyValue, itemIndex);
		return contact;
	};
}

/**
 * Sends each task: waits for the previous one when the run does not wait anyway (Crescendo Lab runs one
 * import at a time), starts it, and, with Wait for Completion, reads its outcome for every contact.
 * `notMatchedFails`: a contact of the mismatch file fails its item (the Sync option must not record it).
 */
export function importTaskSender(
	ctx: IExecuteFunctions,
	api: CrescendoApi,
	settings: ImportSettings,
	envelope: IDataObject,
	notMatchedFails = false,
): (batch: Array<BulkEntry<ContactRow>>) => Promise<EntryOutcome[]> {
	const { importKey, timing, waitForCompletion } = settings;
	// A busy answer is waited out for as long as the user allows one task to take.
	const transport = api.patientTransport(timing.maxWaitMs);
	const starts = crescendoLimiter(timing.requestsPerMinute, transport);
	// Status checks and file downloads never spend the start budget (reference §0).
	const statusPace = statusLimiter(transport);
	// The first status check comes when the task is expected to be done: earlier checks would only say "pending".
	const waitFor = async (taskId: string, contacts: number) =>
		await waitForTask(ctx, transport, statusPace, api.paths.importStatus(taskId), taskId, timing, expectedTaskMs(contacts));
	let previousTask: { taskId: string; contacts: number } | undefined;

	return async (batch) => {
		if (previousTask !== undefined && !waitForCompletion) await waitFor(previousTask.taskId, previousTask.contacts);
		const started = await startTask(transport, {
			method: 'POST',
			path: api.paths.importStart,
			body: { ...envelope, data: batch.map((entry) => entry.payload.row) },
			limiter: starts,
		});
		const taskId = taskIdFrom(started.body);
		if (taskId === undefined) throw new Error('the service accepted the import but returned no task ID');
		previousTask = { taskId, contacts: batch.length };
		if (!waitForCompletion) return startedOutcomes(batch, taskId, importKey);
		const status = await waitFor(taskId, batch.length);
		return await finishedOutcomes(batch, { node: ctx.getNode(), taskId, importKey, status, transport, statusPace, notMatchedFails });
	};
}
