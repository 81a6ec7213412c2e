import type { IDataObject, INode } from 'n8n-workflow';

import type { BulkEntry, EntryOutcome } from '../../shared/bulk';
import { rejectedItem } from '../../shared/errors';

/** One per-user error found in a batch response, with the field it names. */
export interface UserError {
	user: number;
	field: string;
	messages: string[];
}

// `users.<i>.<json path>.<rule>`; the rule may hold dots itself, e.g. `regexp(^.+@.+\..+$)` (§5.1).
const ERROR_KEY = /^users\.(\d+)\.(.+?)\.([a-z_]+(?:\(.*\))?)$/;
const USER_ONLY_KEY = /^users\.(\d+)(?:\.(.*))?$/;

/** `*` stands for the offending key; the message usually names it. */
function resolveWildcard(path: string, messages: string[]): string {
	if (!path.includes('*')) return path;
	const text = messages.join(' ');
	let key: string | undefined;
	const param = /^(\S+) parameter is required/.exec(messages[0] ?? '');
	if (param) key = param[1];
	else if (/email/i.test(text)) key = 'email';
	else if (/phone/i.test(text)) key = 'phone_number';
	else if (/^uuid/i.test(text)) key = 'uuid';
	return key ? path.replace('*', key) : path;
}

/** Parses one `fail.errors` key; undefined when it does not name a user of the request. */
export function parseErrorKey(key: string, messages: string[]): UserError | undefined {
	const full = ERROR_KEY.exec(key);
	if (full) return { user: Number(full[1]), field: resolveWildcard(full[2], messages), messages };
	const bare = USER_ONLY_KEY.exec(key);
	if (bare) return { user: Number(bare[1]), field: resolveWildcard(bare[2] ?? 'user', messages), messages };
	return undefined;
}

interface BatchEnvelope {
	data?: { successful?: { count?: number }; fail?: { count?: number; errors?: Record<string, unknown> } };
}

function messagesOf(value: unknown): string[] {
	if (Array.isArray(value)) return value.map((message) => String(message));
	return value === undefined || value === null ? [] : [String(value)];
}

/**
 * Maps a batch answer (upsert, attribute delete) back to its entries. Per-user error keys fail their own
 * item, naming the field; keys that name no user fail the whole request; every other user succeeded.
 * An empty `{}` body (attribute delete) means every user was accepted.
 */
export function mapBatchResponse<P>(
	node: INode,
	batch: Array<BulkEntry<P>>,
	body: unknown,
	success: (entry: BulkEntry<P>) => IDataObject,
): EntryOutcome[] {
	const errors = (body as BatchEnvelope | undefined)?.data?.fail?.errors ?? {};
	const byUser = new Map<number, UserError[]>();
	const requestWide: string[] = [];
	for (const [key, value] of Object.entries(errors)) {
		const messages = messagesOf(value);
		const parsed = parseErrorKey(key, messages);
		if (!parsed || parsed.user >= batch.length) {
			requestWide.push(`${key}: ${messages.join('; ')}`);
			continue;
		}
		byUser.set(parsed.user, [...(byUser.get(parsed.user) ?? []), parsed]);
	}
	return batch.map((entry, position) => {
		if (requestWide.length > 0) {
			return { error: rejectedItem(node, entry.itemIndex, `the request was refused: ${requestWide.join(' | ')}`) };
		}
		const own = byUser.get(position);
		if (!own) return { json: success(entry) };
		const problem =
			own.length === 1
				? own[0].messages.join('; ')
				: own.map((error) => `${error.field}: ${error.messages.join('; ')}`).join(' | ');
		return { error: rejectedItem(node, entry.itemIndex, problem, own[0].field) };
	});
}
