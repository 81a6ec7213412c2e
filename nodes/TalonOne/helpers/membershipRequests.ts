import type { IExecuteFunctions, INode } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { BulkEntry } from '../../shared/bulk';
import { rejectedItem, requestFailed } from '../../shared/errors';
import { VendorHttpError } from '../../shared/transport';
import type { TalonOneApi } from '../transport';
import {
	ISOLATE_ROWS_ON_STATUS,
	ISOLATION_REQUESTS_PER_AUDIENCE,
	MAX_BLIND_REFUSALS,
	MAX_ISOLATION_REQUESTS,
	UNKNOWN_AUDIENCE_STATUS,
} from '../transport';
import type { AudienceRef, Piece, ProfileChange } from './membershipChanges';
import { refsOf, requestsOf } from './membershipChanges';

/** What the requests of a batch did for one of its items: the request numbers that applied it, or why not. */
export type MembershipOutcome = { requests: number[] } | { error: unknown };

/** A request Talon.One refused, by its number in the execution. */
interface Refusal {
	error: unknown;
	number: number;
}

/** What the requests of one batch did so far. */
interface BatchState {
	failed: Map<number, unknown>;
	requestsOf: Map<number, number[]>;
	firstFailure?: number;
}

const showRef = (ref: AudienceRef) => (typeof ref === 'string' ? `"${ref}"` : String(ref));

/**
 * Sends the membership requests of an execution, batch by batch, one request at a time (a profile's later
 * changes never overtake its earlier ones). When Talon.One refuses a request it finds the items at fault by
 * resending parts of it, so only those fail; what it learns about audiences is kept for later batches.
 */
export class MembershipRequests {
	private readonly node: INode;
	private readonly continueOnFail: boolean;
	/** Distinct audiences named by the input; the search budget grows with them. */
	private readonly inputAudiences = new Set<AudienceRef>();
	// What Talon.One has accepted or refused so far.
	private readonly knownAudiences = new Set<AudienceRef>();
	private readonly unknownAudiences = new Set<AudienceRef>();
	private acceptedRequests = 0;
	private blindRefusals = 0;
	private sentRequests = 0;
	private isolationBudget: number | undefined;

	constructor(
		ctx: IExecuteFunctions,
		private readonly api: TalonOneApi,
		private readonly path: string,
	) {
		this.node = ctx.getNode();
		this.continueOnFail = ctx.continueOnFail();
	}

	/** Counts a prepared item's audiences into the search budget; every item is noted before the first request. */
	note(change: ProfileChange): void {
		for (const ref of refsOf(change)) this.inputAudiences.add(ref);
	}

	/** Sends one batch of the bulk runner: usually one request; more for a profile over the cap or to find refused items. */
	async send(batch: Array<BulkEntry<ProfileChange>>): Promise<MembershipOutcome[]> {
		this.isolationBudget ??= MAX_ISOLATION_REQUESTS + ISOLATION_REQUESTS_PER_AUDIENCE * this.inputAudiences.size;
		const state: BatchState = { failed: new Map(), requestsOf: new Map() };
		const requests = requestsOf(batch);
		for (const pieces of requests) {
			if (this.stopped(state)) break;
			await this.deliver(state, pieces);
		}
		const parts = new Map(requests.flat().map((piece) => [piece.itemIndex, piece.parts]));
		return batch.map(({ itemIndex }) => {
			if (state.failed.has(itemIndex)) return { error: state.failed.get(itemIndex) };
			const applied = state.requestsOf.get(itemIndex) ?? [];
			if (applied.length < (parts.get(itemIndex) ?? 0)) {
				return {
					error: new NodeOperationError(this.node, `Item ${itemIndex}: not sent, because item ${state.firstFailure} was refused first`, {
						itemIndex,
						description: 'Turn on Continue On Fail (or the error output) to send the other items after a refused one.',
					}),
				};
			}
			return { requests: applied };
		});
	}

	private get budget(): number {
		return this.isolationBudget ?? 0;
	}

	private spend(requests: number): void {
		this.isolationBudget = this.budget - requests;
	}

	private stopped(state: BatchState): boolean {
		return !this.continueOnFail && state.firstFailure !== undefined;
	}

	private fail(state: BatchState, piece: Piece, error: unknown): void {
		if (state.failed.has(piece.itemIndex)) return;
		state.failed.set(piece.itemIndex, error);
		state.firstFailure ??= piece.itemIndex;
	}

	/** The pieces still to send: those of failed items are dropped, those naming an unknown audience fail. */
	private live(state: BatchState, pieces: Piece[]): Piece[] {
		return pieces.filter((piece) => {
			if (state.failed.has(piece.itemIndex)) return false;
			const unknown = refsOf(piece).find((ref) => this.unknownAudiences.has(ref));
			if (unknown === undefined) return true;
			this.fail(state, piece, this.unknownAudienceError(piece, unknown));
			return false;
		});
	}

	private unknownAudienceError(piece: Piece, ref: AudienceRef) {
		const field = piece.adds.includes(ref) ? 'Audiences to Add' : 'Audiences to Remove';
		const earlier = piece.part > 1 ? ` Parts 1–${piece.part - 1} of this profile's ${piece.parts} were already applied.` : '';
		return rejectedItem(
			this.node,
			piece.itemIndex,
			`Talon.One does not know the audience ${showRef(ref)}: requests naming it were refused with 404 Not Found, the same changes without it were accepted.${earlier}`,
			field,
		);
	}

	private failRequest(state: BatchState, pieces: Piece[], refused: Refusal): void {
		for (const piece of pieces) {
			const applied = state.requestsOf.get(piece.itemIndex)?.length ?? 0;
			const shared = pieces.length > 1 ? ` (with ${pieces.length - 1} other profile change(s))` : '';
			const part =
				piece.parts > 1 ? ` (part ${piece.part} of ${piece.parts} of this profile's changes; ${applied} part(s) already applied)` : '';
			this.fail(state, piece, requestFailed(this.node, refused.error, piece.itemIndex, `Request ${refused.number}${shared}${part}`));
		}
	}

	/** Sends one request; resolves to the refusal when Talon.One refused it. */
	private async request(state: BatchState, pieces: Piece[]): Promise<Refusal | undefined> {
		const number = ++this.sentRequests;
		try {
			await this.api.transport.request({
				method: 'PUT',
				path: this.path,
				body: {
					data: pieces.map((piece) => ({ customerProfileId: piece.customerProfileId, adds: piece.adds, deletes: piece.deletes })),
				},
				limiter: this.api.limiter,
			});
		} catch (error) {
			return { error, number };
		}
		this.acceptedRequests++;
		for (const piece of pieces) {
			for (const ref of refsOf(piece)) this.knownAudiences.add(ref);
			const sent = state.requestsOf.get(piece.itemIndex) ?? [];
			sent.push(number);
			state.requestsOf.set(piece.itemIndex, sent);
		}
		return undefined;
	}

	/**
	 * Sends pieces that fit one request; when refused for their content, finds the items at fault.
	 * Resolves to true when all of them were accepted at once.
	 */
	private async deliver(state: BatchState, pieces: Piece[]): Promise<boolean> {
		const todo = this.live(state, pieces);
		if (this.stopped(state)) return false;
		if (todo.length === 0) return todo.length === pieces.length;
		const refused = await this.request(state, todo);
		if (!refused) return todo.length === pieces.length;
		await this.isolate(state, todo, refused);
		return false;
	}

	private async isolate(state: BatchState, todo: Piece[], refused: Refusal): Promise<void> {
		const status = refused.error instanceof VendorHttpError ? refused.error.statusCode : undefined;
		if (status === UNKNOWN_AUDIENCE_STATUS) return await this.findUnknownAudiences(state, todo, refused);
		if (status !== undefined && ISOLATE_ROWS_ON_STATUS.includes(status) && todo.length > 1 && this.budget >= 2) {
			await this.halve(state, todo);
			return;
		}
		this.failRequest(state, todo, refused);
	}

	/** Resends the two halves of a refused request, each searched again if refused. */
	private async halve(state: BatchState, pieces: Piece[]): Promise<void> {
		this.spend(2);
		const middle = Math.ceil(pieces.length / 2);
		await this.deliver(state, pieces.slice(0, middle));
		await this.deliver(state, pieces.slice(middle));
	}

	/**
	 * Group testing over the audiences of a refused request: resend the pieces that avoid half of the
	 * suspect audiences. Accepted pieces are done (and their audiences known); a refused half is searched
	 * again. Each unknown audience costs about log2(suspects) requests, whatever the number of rows.
	 */
	private async findUnknownAudiences(state: BatchState, pieces: Piece[], refused: Refusal): Promise<void> {
		if (this.acceptedRequests === 0) this.blindRefusals++;
		const suspects = [...new Set(pieces.flatMap(refsOf))].filter((ref) => !this.knownAudiences.has(ref));
		const searchable = this.budget >= 1 && !(this.acceptedRequests === 0 && this.blindRefusals > MAX_BLIND_REFUSALS);
		if (suspects.length === 0 || !searchable) return this.failRequest(state, pieces, refused);
		if (suspects.length === 1) {
			const [suspect] = suspects;
			const without = pieces.filter((piece) => !refsOf(piece).includes(suspect));
			if (without.length > 0) {
				// Every other audience of this request is known, so the rest goes through on its own.
				this.spend(1);
				this.unknownAudiences.add(suspect);
				await this.deliver(state, without);
			} else if (this.acceptedRequests > 0) {
				this.unknownAudiences.add(suspect);
			} else {
				return this.failRequest(state, pieces, refused);
			}
			this.live(state, pieces);
			return;
		}
		const half = new Set(suspects.slice(0, Math.ceil(suspects.length / 2)));
		const other = new Set(suspects.filter((ref) => !half.has(ref)));
		let probe = pieces.filter((piece) => !refsOf(piece).some((ref) => other.has(ref)));
		if (probe.length === 0) probe = pieces.filter((piece) => !refsOf(piece).some((ref) => half.has(ref)));
		if (probe.length === 0 || probe.length === pieces.length) {
			// Every piece names audiences of both halves: fall back to halving the rows.
			if (pieces.length === 1 || this.budget < 2) return this.failRequest(state, pieces, refused);
			await this.halve(state, pieces);
			return;
		}
		this.spend(1);
		const probeAccepted = await this.deliver(state, probe);
		const rest = pieces.filter((piece) => !probe.includes(piece));
		if (this.stopped(state)) return;
		// The whole was refused and the probe accepted: the refusal is in the rest, no need to resend it.
		if (probeAccepted) return await this.findUnknownAudiences(state, rest, refused);
		this.spend(1);
		await this.deliver(state, rest);
	}
}
