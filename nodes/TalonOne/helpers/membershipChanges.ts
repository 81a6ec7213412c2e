import type { BulkEntry } from '../../shared/bulk';
import { MAX_AUDIENCE_CHANGES_PER_REQUEST } from '../transport';

/** A numeric audience ID, or an external (integration) ID. */
export type AudienceRef = number | string;

/** One item of Update Audiences: the audiences one profile joins and leaves. */
export interface ProfileChange {
	customerProfileId: string;
	adds: AudienceRef[];
	deletes: AudienceRef[];
}

/** One profile's changes, or a slice of them when they exceed one request. */
export interface Piece extends ProfileChange {
	itemIndex: number;
	part: number;
	parts: number;
}

export const changeUnits = (piece: { adds: unknown[]; deletes: unknown[] }): number =>
	piece.adds.length + piece.deletes.length;

export const refsOf = (piece: ProfileChange): AudienceRef[] => [...piece.adds, ...piece.deletes];

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

/** The bulk runner's units of a change: a profile over the cap fills a batch on its own. */
export const batchUnits = (change: ProfileChange): number => Math.min(changeUnits(change), MAX_AUDIENCE_CHANGES_PER_REQUEST);

/**
 * The requests of one batch of the bulk runner, in order. A batch within the cap is one request. A batch
 * holding a profile over the cap holds nothing else that changes anything (see `batchUnits`): that profile
 * is spread over consecutive requests, every one full but the last, and profiles without changes ride in
 * the first request (those before it) or the last (those after it).
 */
export function requestsOf(batch: Array<BulkEntry<ProfileChange>>): Piece[][] {
	const requests: Piece[][] = [[]];
	for (const { itemIndex, payload } of batch) {
		splitChange(payload, itemIndex, MAX_AUDIENCE_CHANGES_PER_REQUEST).forEach((piece, position) => {
			if (position > 0) requests.push([]);
			requests[requests.length - 1].push(piece);
		});
	}
	return requests;
}
