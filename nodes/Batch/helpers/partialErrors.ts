import type { INode, NodeApiError } from 'n8n-workflow';

import { rejectedItem } from '../../shared/errors';

/** One entry of a `SUCCESS_WITH_PARTIAL_ERRORS` answer (reference §3.1). */
export interface PartialError {
	bulk_index?: unknown;
	attribute?: unknown;
	reason?: unknown;
	category?: unknown;
}

/** Batch's answer to a profile call. */
export interface ProfilesAnswer {
	code?: unknown;
	errors?: PartialError[];
}

/**
 * The partial errors of an answer by position in the call, and whether the answer lets the node trust that
 * Batch holds what was sent: only a clear success code whose errors all point into the call does.
 */
export function readAnswer(answer: ProfilesAnswer, operations: number): { errorsAt: Map<number, PartialError[]>; trusted: boolean } {
	const errorsAt = new Map<number, PartialError[]>();
	let unplaced = 0;
	if (answer.code === 'SUCCESS_WITH_PARTIAL_ERRORS') {
		for (const error of answer.errors ?? []) {
			const index = Number(error.bulk_index);
			if (Number.isInteger(index) && index >= 0 && index < operations) {
				errorsAt.set(index, [...(errorsAt.get(index) ?? []), error]);
			} else {
				unplaced++;
			}
		}
	}
	const trusted = (answer.code === 'SUCCESS' || answer.code === 'SUCCESS_WITH_PARTIAL_ERRORS') && unplaced === 0;
	return { errorsAt, trusted };
}

/** The error of a profile Batch dropped part of, naming the first attribute at fault and Batch's category. */
export function partialFailure(node: INode, itemIndex: number, customId: string, errors: PartialError[]): NodeApiError {
	const first = errors[0];
	const attribute = typeof first.attribute === 'string' ? first.attribute : undefined;
	const reasons = errors
		.map((error) => `${typeof error.attribute === 'string' ? `"${error.attribute}": ` : ''}${String(error.reason ?? error.category ?? 'rejected')}`)
		.join('; ');
	const category = typeof first.category === 'string' ? first.category : undefined;
	return rejectedItem(node, itemIndex, `Batch dropped part of profile "${customId}": ${reasons}`, attribute, category);
}
