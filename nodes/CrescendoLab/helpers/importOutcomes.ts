import type { IDataObject, INode } from 'n8n-workflow';

import type { BulkEntry, EntryOutcome } from '../../shared/bulk';
import { rejectedItem } from '../../shared/errors';
import type { RateLimiter } from '../../shared/rateLimit';
import type { Transport } from '../../shared/transport';
import { FAILED_STATES, LINE_UID_PATTERN } from '../transport';
import type { ContactRow } from './contactRow';
import type { TaskStatus } from './tasks';

/** Task counters the item carries when the vendor gives no result per contact. */
const NO_PER_CONTACT_RESULT =
	'Crescendo Lab reports only counters for this task, not which contacts were matched: see taskResult (updated_num, created_num, mismatch_num).';

/** What every contact of a task carries: the task and the contact's key. */
function taskFields(taskId: string, importKey: string, contact: ContactRow): IDataObject {
	return {
		taskId,
		importKey,
		keyValue: contact.keyValue,
		...(contact.omitted.length > 0 ? { omittedFields: contact.omitted } : {}),
	};
}

/** Why a finished task imported nothing, or undefined when it succeeded (§5B B2). */
function taskFailure(status: TaskStatus): string | undefined {
	const state = String(status.status ?? '').toLowerCase();
	const result = (status.result ?? {}) as IDataObject;
	if (FAILED_STATES.includes(state)) return `the task ended as "${state}"`;
	if (result.success === false) {
		const counters = Object.entries(result)
			.filter(([name, value]) => name !== 'success' && ((typeof value === 'number' && value > 0) || (Array.isArray(value) && value.length > 0)))
			.map(([name, value]) => `${name} ${Array.isArray(value) ? value.join('|') : String(value)}`);
		return `the task failed validation and imported nothing${counters.length > 0 ? ` (${counters.join(', ')})` : ''}`;
	}
	return undefined;
}

/** Fields a failed task's result blames by name: unknown and missing columns (§5B B2). */
function blamedFields(result: IDataObject): string[] {
	const list = (value: unknown) => (Array.isArray(value) ? value.map(String) : []);
	return [...list(result.useless_fields), ...list(result.miss_fields)];
}

/**
 * Line UIDs listed in MAAC's mismatch file (contacts that do not exist or blocked the account, §5B B2),
 * or undefined when there is no file. The file's layout is not documented, so it is read without a header:
 * every cell that is a LINE UID counts, and anything else (a header row, if there is one) is skipped.
 */
async function mismatchedLineUids(transport: Transport, limiter: RateLimiter, link: unknown): Promise<Set<string> | undefined> {
	if (typeof link !== 'string' || link === '') return undefined;
	const response = await transport.request<string>({ method: 'GET', path: link, encoding: 'text', authenticated: false, limiter });
	const found = new Set<string>();
	for (const line of String(response.body ?? '').split(/\r?\n/)) {
		for (const cell of line.replace(/^\uFEFF/, '').split(',')) {
			const value = cell.trim().replace(/^"(.*)"$/, '$1');
			if (LINE_UID_PATTERN.test(value)) found.add(value);
		}
	}
	return found;
}

/** The outcome of every contact of a task the node did not wait for. */
export function startedOutcomes(batch: Array<BulkEntry<ContactRow>>, taskId: string, importKey: string): EntryOutcome[] {
	return batch.map((entry) => ({ json: { ...taskFields(taskId, importKey, entry.payload), taskStatus: 'started', outcome: 'started' } }));
}

export interface FinishedTask {
	node: INode;
	taskId: string;
	importKey: string;
	status: TaskStatus;
	/** Reads MAAC's mismatch file, on the status pace. */
	transport: Transport;
	statusPace: RateLimiter;
	/**
	 * Whether a contact of the mismatch file fails its item instead of being output as "notMatched": with
	 * the Sync option, so that it is not remembered as sent and goes out again next run.
	 */
	notMatchedFails?: boolean;
}

const NOT_MATCHED = 'No contact with this LINE UID, or the contact blocked the account';

/** The outcome of every contact of a finished task: imported, not matched, submitted, or the task's failure. */
export async function finishedOutcomes(batch: Array<BulkEntry<ContactRow>>, task: FinishedTask): Promise<EntryOutcome[]> {
	const { taskId, importKey, status } = task;
	const failure = taskFailure(status);
	if (failure) {
		// The whole task failed; only a field the result names, and that this contact has, is blamed on it.
		const blamed = blamedFields((status.result ?? {}) as IDataObject);
		return batch.map((entry) => {
			const own = blamed.find((field) => field in entry.payload.row);
			const why = own === undefined && blamed.length > 0 ? '; this contact was not imported because of other contacts of the task' : '';
			return { error: rejectedItem(task.node, entry.itemIndex, `Import task ${taskId}: ${failure}${why}`, own) };
		});
	}
	const result = (status.result ?? {}) as IDataObject;
	const mismatchCount = Number(result.mismatch_num ?? 0);
	// With line_uid, MAAC lists the mismatched contacts in a file; with any other key it gives counters only.
	const mismatched =
		mismatchCount > 0 && importKey === 'line_uid'
			? await mismatchedLineUids(task.transport, task.statusPace, result.mismatch_export_link)
			: undefined;
	return batch.map((entry) => {
		const shared = { ...taskFields(taskId, importKey, entry.payload), taskStatus: String(status.status), taskResult: result };
		if (mismatchCount > 0 && mismatched === undefined) {
			return { json: { ...shared, outcome: 'submitted', reason: NO_PER_CONTACT_RESULT } };
		}
		const notMatched = mismatched?.has(entry.payload.keyValue) === true;
		if (notMatched && task.notMatchedFails) {
			return {
				error: rejectedItem(
					task.node,
					entry.itemIndex,
					`Import task ${taskId}: ${NOT_MATCHED} (listed in the task's mismatch file). The Sync option did not record it, so it is sent again next run.`,
					importKey,
				),
			};
		}
		return {
			json: {
				...shared,
				outcome: notMatched ? 'notMatched' : 'imported',
				...(notMatched ? { reason: NOT_MATCHED } : {}),
			},
		};
	});
}
