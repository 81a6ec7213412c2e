import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import type { BulkEntry, EntryOutcome } from '../../../shared/bulk';
import { runBulk } from '../../../shared/bulk';
import { packChunks } from '../../../shared/chunk';
import { rejectedItem, requestFailed } from '../../../shared/errors';
import { VendorHttpError } from '../../../shared/transport';
import { audienceNumbers, audienceTexts, requiredText } from '../../helpers';
import type { TalonOneApi } from '../../transport';
import { MAX_AUDIENCE_CHANGES_PER_REQUEST, MAX_ID_LENGTH } from '../../transport';
import { audienceListField, profileIdField } from './shared';

const properties: INodeProperties[] = [
	{
		displayName:
			'Changes of all input items are packed into as few requests as possible: at most 1,000 audience additions plus removals per request, paced under 60 requests per second. A profile with more than 1,000 changes is split over consecutive requests, in order. Talon.One refuses a request naming an unknown audience as a whole without saying which one; the node then resends parts of it to find the audience, so only the items naming it fail (this assumes Talon.One applies nothing of a refused request, which it does not document).',
		name: 'packingNotice',
		type: 'notice',
		default: '',
	},
	profileIdField,
	{
		displayName: 'Audiences Identified By',
		name: 'audienceIdType',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Talon.One Audience ID',
				value: 'internal',
				description: "Talon.One's numeric audience ID",
			},
			{
				name: 'External Audience ID',
				value: 'external',
				description: 'The ID your platform gave the audience when creating it (its integration ID)',
			},
		],
		default: 'internal',
		description: 'How the audiences below are identified',
	},
	audienceListField('audiencesToAdd', 'Audiences to Add', 'add the profile to'),
	audienceListField('audiencesToRemove', 'Audiences to Remove', 'remove the profile from'),
];

export const description = updateDisplayOptions(
	{ show: { resource: ['customerProfile'], operation: ['updateAudiences'] } },
	properties,
);

type AudienceRef = number | string;

/**
 * Talon.One refuses a membership request that names an unknown audience with 404 `Not Found`, without
 * saying which audience (reference §7; the documented 404 body is only `{StatusCode, Error, RequestUUID}`),
 * and applies none of it (§9.7, inferred atomicity). The node then finds the unknown audiences by
 * resending parts of the request grouped by audience, so only the items that name them fail.
 */
const UNKNOWN_AUDIENCE_STATUS = 404;

/**
 * A refusal for the content of a request other than an unknown audience (e.g. a profile ID Talon.One
 * does not take, reference §7): the request is halved to find the items at fault.
 */
const ISOLATE_ROWS_ON_STATUS = [400];

/**
 * Extra requests one execution may spend on finding refused items, besides ISOLATION_REQUESTS_PER_AUDIENCE
 * for each distinct audience in the input: the search costs a few requests per unknown audience, not per row.
 */
export const MAX_ISOLATION_REQUESTS = 64;
export const ISOLATION_REQUESTS_PER_AUDIENCE = 2;

/**
 * A 404 that no accepted request explains may come from the deployment or key (the gateway gives the same
 * `Not Found`, reference §7). After this many refused searches with no accepted request in the execution,
 * the node stops searching and fails the rest with Talon.One's answer.
 */
export const MAX_BLIND_REFUSALS = 8;

interface ProfileChange {
	customerProfileId: string;
	adds: AudienceRef[];
	deletes: AudienceRef[];
}

/** One profile's changes, or a slice of them when they exceed one request. */
interface Piece extends ProfileChange {
	itemIndex: number;
	part: number;
	parts: number;
}

/**
 * Slices a change set into pieces of at most `max` changes, additions first, so that an ID both added and
 * removed ends removed, as one request would leave it (reference §9.7: adds apply before deletes).
 */
export function splitChange(change: ProfileChange, itemIndex: number, max: number): Piece[] {
	const total = change.adds.length + change.deletes.length;
	if (total <= max) return [{ ...change, itemIndex, part: 1, parts: 1 }];
	const parts = Math.ceil(total / max);
	const pieces: Piece[] = [];
	for (let part = 0; part < parts; part++) {
		const from = part * max;
		const to = from + max;
		const adds = change.adds.slice(from, to);
		const deletes = change.deletes.slice(Math.max(0, from - change.adds.length), Math.max(0, to - change.adds.length));
		pieces.push({ customerProfileId: change.customerProfileId, adds, deletes, itemIndex, part: part + 1, parts });
	}
	return pieces;
}

export const changeUnits = (piece: { adds: unknown[]; deletes: unknown[] }): number =>
	piece.adds.length + piece.deletes.length;

const refsOf = (piece: ProfileChange): AudienceRef[] => [...piece.adds, ...piece.deletes];

export async function execute(this: IExecuteFunctions, api: TalonOneApi): Promise<INodeExecutionData[][]> {
	const node = this.getNode();
	const external = (this.getNodeParameter('audienceIdType', 0, 'internal') as string) === 'external';
	const path = external ? '/cdp/v2/customer_profiles/audiences' : '/cdp/customer_profiles/audiences';
	const continueOnFail = this.continueOnFail();
	const distinctAudiences = new Set<AudienceRef>();

	// Shared by every request of the execution: what Talon.One has accepted or refused so far.
	const knownAudiences = new Set<AudienceRef>();
	const unknownAudiences = new Set<AudienceRef>();
	let acceptedRequests = 0;
	let blindRefusals = 0;
	let sentRequests = 0;
	let isolationBudget: number | undefined;

	const showRef = (ref: AudienceRef) => (typeof ref === 'string' ? `"${ref}"` : String(ref));

	const unknownAudienceError = (piece: Piece, ref: AudienceRef) => {
		const field = piece.adds.includes(ref) ? 'Audiences to Add' : 'Audiences to Remove';
		const earlier = piece.part > 1 ? ` Parts 1–${piece.part - 1} of this profile's ${piece.parts} were already applied.` : '';
		return rejectedItem(
			node,
			piece.itemIndex,
			`Talon.One does not know the audience ${showRef(ref)}: requests naming it were refused with 404 Not Found, the same changes without it were accepted.${earlier}`,
			field,
		);
	};

	const prepare = (itemIndex: number): ProfileChange => {
		const list = (name: string, field: string): AudienceRef[] => {
			const value = this.getNodeParameter(name, itemIndex, '');
			return external
				? audienceTexts(this, itemIndex, field, value, MAX_ID_LENGTH)
				: audienceNumbers(this, itemIndex, field, value);
		};
		const change: ProfileChange = {
			customerProfileId: requiredText(
				this,
				itemIndex,
				'Customer Profile ID',
				this.getNodeParameter('customerProfileId', itemIndex),
				MAX_ID_LENGTH,
			),
			adds: list('audiencesToAdd', 'Audiences to Add'),
			deletes: list('audiencesToRemove', 'Audiences to Remove'),
		};
		for (const ref of refsOf(change)) distinctAudiences.add(ref);
		return change;
	};

	/** One batch of the bulk runner: usually one request; more for a profile over the cap or to find refused items. */
	const send = async (batch: Array<BulkEntry<ProfileChange>>): Promise<EntryOutcome[]> => {
		isolationBudget ??= MAX_ISOLATION_REQUESTS + ISOLATION_REQUESTS_PER_AUDIENCE * distinctAudiences.size;
		const failed = new Map<number, unknown>();
		const requestsOf = new Map<number, number[]>();
		let firstFailure: number | undefined;
		const stopped = () => !continueOnFail && firstFailure !== undefined;

		const fail = (piece: Piece, error: unknown) => {
			if (failed.has(piece.itemIndex)) return;
			failed.set(piece.itemIndex, error);
			firstFailure ??= piece.itemIndex;
		};
		const live = (pieces: Piece[]) =>
			pieces.filter((piece) => {
				if (failed.has(piece.itemIndex)) return false;
				const unknown = refsOf(piece).find((ref) => unknownAudiences.has(ref));
				if (unknown === undefined) return true;
				fail(piece, unknownAudienceError(piece, unknown));
				return false;
			});

		const failRequest = (pieces: Piece[], requestNumber: number, error: unknown) => {
			for (const piece of pieces) {
				const applied = requestsOf.get(piece.itemIndex)?.length ?? 0;
				const shared = pieces.length > 1 ? ` (with ${pieces.length - 1} other profile change(s))` : '';
				const part =
					piece.parts > 1
						? ` (part ${piece.part} of ${piece.parts} of this profile's changes; ${applied} part(s) already applied)`
						: '';
				fail(piece, requestFailed(node, error, piece.itemIndex, `Request ${requestNumber}${shared}${part}`));
			}
		};

		/** Sends one request; resolves to the error when Talon.One refused it. */
		const request = async (pieces: Piece[]): Promise<{ error: unknown; number: number } | undefined> => {
			const number = ++sentRequests;
			try {
				await api.transport.request({
					method: 'PUT',
					path,
					body: {
						data: pieces.map((piece) => ({ customerProfileId: piece.customerProfileId, adds: piece.adds, deletes: piece.deletes })),
					},
					limiter: api.limiter,
				});
			} catch (error) {
				return { error, number };
			}
			acceptedRequests++;
			for (const piece of pieces) {
				for (const ref of refsOf(piece)) knownAudiences.add(ref);
				const sent = requestsOf.get(piece.itemIndex) ?? [];
				sent.push(number);
				requestsOf.set(piece.itemIndex, sent);
			}
			return undefined;
		};

		/**
		 * Sends pieces that fit one request; when refused for their content, finds the items at fault.
		 * Resolves to true when all of them were accepted at once.
		 */
		const deliver = async (pieces: Piece[]): Promise<boolean> => {
			const todo = live(pieces);
			if (stopped()) return false;
			if (todo.length === 0) return todo.length === pieces.length;
			const refused = await request(todo);
			if (!refused) return todo.length === pieces.length;
			await isolate(todo, refused);
			return false;
		};

		const isolate = async (todo: Piece[], refused: { error: unknown; number: number }): Promise<void> => {
			const status = refused.error instanceof VendorHttpError ? refused.error.statusCode : undefined;
			if (status === UNKNOWN_AUDIENCE_STATUS) return await findUnknownAudiences(todo, refused);
			if (status !== undefined && ISOLATE_ROWS_ON_STATUS.includes(status) && todo.length > 1 && isolationBudget! >= 2) {
				isolationBudget! -= 2;
				const middle = Math.ceil(todo.length / 2);
				await deliver(todo.slice(0, middle));
				await deliver(todo.slice(middle));
				return;
			}
			failRequest(todo, refused.number, refused.error);
		};

		/**
		 * Group testing over the audiences of a refused request: resend the pieces that avoid half of the
		 * suspect audiences. Accepted pieces are done (and their audiences known); a refused half is searched
		 * again. Each unknown audience costs about log2(suspects) requests, whatever the number of rows.
		 */
		const findUnknownAudiences = async (pieces: Piece[], refused: { error: unknown; number: number }): Promise<void> => {
			if (acceptedRequests === 0) blindRefusals++;
			const suspects = [...new Set(pieces.flatMap(refsOf))].filter((ref) => !knownAudiences.has(ref));
			const searchable = isolationBudget! >= 1 && !(acceptedRequests === 0 && blindRefusals > MAX_BLIND_REFUSALS);
			if (suspects.length === 0 || !searchable) return failRequest(pieces, refused.number, refused.error);
			if (suspects.length === 1) {
				const [suspect] = suspects;
				const without = pieces.filter((piece) => !refsOf(piece).includes(suspect));
				if (without.length > 0) {
					// Every other audience of this request is known, so the rest goes through on its own.
					isolationBudget!--;
					unknownAudiences.add(suspect);
					await deliver(without);
				} else if (acceptedRequests > 0) {
					unknownAudiences.add(suspect);
				} else {
					return failRequest(pieces, refused.number, refused.error);
				}
				live(pieces);
				return;
			}
			const half = new Set(suspects.slice(0, Math.ceil(suspects.length / 2)));
			const other = new Set(suspects.filter((ref) => !half.has(ref)));
			let probe = pieces.filter((piece) => !refsOf(piece).some((ref) => other.has(ref)));
			if (probe.length === 0) probe = pieces.filter((piece) => !refsOf(piece).some((ref) => half.has(ref)));
			if (probe.length === 0 || probe.length === pieces.length) {
				// Every piece names audiences of both halves: fall back to halving the rows.
				if (pieces.length === 1 || isolationBudget! < 2) return failRequest(pieces, refused.number, refused.error);
				isolationBudget! -= 2;
				const middle = Math.ceil(pieces.length / 2);
				await deliver(pieces.slice(0, middle));
				await deliver(pieces.slice(middle));
				return;
			}
			isolationBudget!--;
			const probeAccepted = await deliver(probe);
			const rest = pieces.filter((piece) => !probe.includes(piece));
			if (stopped()) return;
			// The whole was refused and the probe accepted: the refusal is in the rest, no need to resend it.
			if (probeAccepted) return await findUnknownAudiences(rest, refused);
			isolationBudget!--;
			await deliver(rest);
		};

		const pieces = batch.flatMap((entry) => splitChange(entry.payload, entry.itemIndex, MAX_AUDIENCE_CHANGES_PER_REQUEST));
		const { chunks } = packChunks(pieces, { maxUnits: MAX_AUDIENCE_CHANGES_PER_REQUEST }, { units: changeUnits });
		// In item order, one request at a time: a profile's later changes never overtake its earlier ones.
		for (const chunk of chunks) {
			if (stopped()) break;
			await deliver(chunk);
		}

		return batch.map(({ itemIndex, payload }) => {
			if (failed.has(itemIndex)) return { error: failed.get(itemIndex) };
			const requests = requestsOf.get(itemIndex) ?? [];
			if (requests.length < splitChange(payload, itemIndex, MAX_AUDIENCE_CHANGES_PER_REQUEST).length) {
				return {
					error: new NodeOperationError(node, `Item ${itemIndex}: not sent, because item ${firstFailure} was refused first`, {
						itemIndex,
						description: 'Turn on Continue On Fail (or the error output) to send the other items after a refused one.',
					}),
				};
			}
			const json: IDataObject = {
				customerProfileId: payload.customerProfileId,
				audienceIdType: external ? 'external' : 'internal',
				added: payload.adds,
				removed: payload.deletes,
				changes: changeUnits(payload),
				requests,
			};
			return { json };
		});
	};

	const { results } = await runBulk<ProfileChange>(this, this.getInputData().length, {
		prepare,
		limits: { maxUnits: MAX_AUDIENCE_CHANGES_PER_REQUEST },
		// A profile over the cap fills a batch on its own; `send` spreads it over consecutive requests.
		units: (change) => Math.min(changeUnits(change), MAX_AUDIENCE_CHANGES_PER_REQUEST),
		requestName: 'The membership request',
		send,
	});
	return results.output();
}
