import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { packChunks } from '../../../shared/chunk';
import { requestFailed } from '../../../shared/errors';
import { ItemResults } from '../../../shared/results';
import { audienceNumbers, audienceTexts, requiredText } from '../../helpers';
import type { TalonOneApi } from '../../transport';
import { MAX_AUDIENCE_CHANGES_PER_REQUEST, MAX_ID_LENGTH } from '../../transport';
import { VendorHttpError } from '../../../shared/transport';
import { audienceListField, profileIdField } from './shared';

const properties: INodeProperties[] = [
	{
		displayName:
			'Changes of all input items are packed into as few requests as possible: at most 1,000 audience additions plus removals per request, paced under 60 requests per second. A profile with more than 1,000 changes is split over consecutive requests, in order.',
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
 * Statuses with which Talon.One refuses a membership request for what it carries (an unknown audience or
 * profile ID, reference §7), applying none of it (§9.7, inferred atomicity). Such a request is halved and
 * resent so that only the items at fault fail.
 */
const ISOLATE_ON_STATUS = [400, 404];

/**
 * Extra requests one execution may spend on halving refused requests. Bounded so that an error that hits
 * every entry (e.g. a deployment the gateway cannot resolve, also a 404) costs few requests.
 */
export const MAX_ISOLATION_REQUESTS = 64;

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

export async function execute(this: IExecuteFunctions, api: TalonOneApi): Promise<INodeExecutionData[][]> {
	const itemCount = this.getInputData().length;
	const results = new ItemResults(this, itemCount);
	const external = (this.getNodeParameter('audienceIdType', 0, 'internal') as string) === 'external';
	const path = external ? '/cdp/v2/customer_profiles/audiences' : '/cdp/customer_profiles/audiences';

	const changes: Array<ProfileChange | undefined> = [];
	const pieces: Piece[] = [];
	for (let itemIndex = 0; itemIndex < itemCount; itemIndex++) {
		try {
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
			changes[itemIndex] = change;
			pieces.push(...splitChange(change, itemIndex, MAX_AUDIENCE_CHANGES_PER_REQUEST));
		} catch (error) {
			results.fail(itemIndex, error);
		}
	}
	results.throwFirstFailureUnlessContinuing();

	// Pieces never exceed the cap, so nothing is oversize.
	const { chunks } = packChunks(pieces, { maxUnits: MAX_AUDIENCE_CHANGES_PER_REQUEST }, { units: changeUnits });
	const requestsOf = new Map<number, number[]>();
	const continueOnFail = this.continueOnFail();
	let sentRequests = 0;
	let isolationBudget = MAX_ISOLATION_REQUESTS;
	let stoppedAt: number | undefined;

	const fail = (batch: Piece[], requestNumber: number, error: unknown) => {
		for (const piece of batch) {
			const applied = requestsOf.get(piece.itemIndex)?.length ?? 0;
			const shared = batch.length > 1 ? ` (with ${batch.length - 1} other profile change(s))` : '';
			const part =
				piece.parts > 1
					? ` (part ${piece.part} of ${piece.parts} of this profile's changes; ${applied} part(s) already applied)`
					: '';
			results.fail(piece.itemIndex, requestFailed(this.getNode(), error, piece.itemIndex, `Request ${requestNumber}${shared}${part}`));
		}
	};

	/** Sends one request; when Talon.One refuses it for its content, halves it to find the refused entries. */
	const send = async (batch: Piece[]): Promise<boolean> => {
		const requestNumber = ++sentRequests;
		try {
			await api.transport.request({
				method: 'PUT',
				path,
				body: {
					data: batch.map((piece) => ({
						customerProfileId: piece.customerProfileId,
						adds: piece.adds,
						deletes: piece.deletes,
					})),
				},
				limiter: api.limiter,
			});
		} catch (error) {
			const refusedForContent = error instanceof VendorHttpError && ISOLATE_ON_STATUS.includes(error.statusCode);
			if (batch.length > 1 && refusedForContent && isolationBudget >= 2) {
				isolationBudget -= 2;
				const middle = Math.ceil(batch.length / 2);
				if (!(await send(batch.slice(0, middle)))) return false;
				// A split profile whose earlier part just failed sends nothing more.
				const rest = batch.slice(middle).filter((piece) => !results.isSettled(piece.itemIndex));
				return rest.length === 0 || (await send(rest));
			}
			fail(batch, requestNumber, error);
			if (!continueOnFail) stoppedAt = requestNumber;
			return continueOnFail;
		}
		for (const piece of batch) {
			const sent = requestsOf.get(piece.itemIndex) ?? [];
			sent.push(requestNumber);
			requestsOf.set(piece.itemIndex, sent);
		}
		return true;
	};

	// One request at a time, in item order: a profile's later changes never overtake its earlier ones.
	for (const chunk of chunks) {
		// A split profile whose earlier part failed sends nothing more.
		const batch = chunk.filter((piece) => !results.isSettled(piece.itemIndex));
		if (batch.length > 0 && !(await send(batch))) break;
	}

	for (let itemIndex = 0; itemIndex < itemCount; itemIndex++) {
		if (results.isSettled(itemIndex)) continue;
		const change = changes[itemIndex] as ProfileChange;
		const requests = requestsOf.get(itemIndex) ?? [];
		const expected = splitChange(change, itemIndex, MAX_AUDIENCE_CHANGES_PER_REQUEST).length;
		if (requests.length < expected) {
			results.fail(
				itemIndex,
				new NodeOperationError(this.getNode(), `Item ${itemIndex}: not sent, because request ${stoppedAt} failed first`, {
					itemIndex,
				}),
			);
			continue;
		}
		const json: IDataObject = {
			customerProfileId: change.customerProfileId,
			audienceIdType: external ? 'external' : 'internal',
			added: change.adds,
			removed: change.deletes,
			changes: change.adds.length + change.deletes.length,
			requests,
		};
		results.succeed(itemIndex, json);
	}
	return results.output();
}
