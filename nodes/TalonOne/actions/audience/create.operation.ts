import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties, JsonObject } from 'n8n-workflow';
import { NodeApiError, updateDisplayOptions } from 'n8n-workflow';

import { runEach } from '../../../shared/bulk';
import { requestFailed } from '../../../shared/errors';
import { VendorHttpError } from '../../../shared/transport';
import type { AudienceBody } from '../../helpers/audienceFields';
import { audienceBody, audienceIdField, audienceNameField } from '../../helpers/audienceFields';
import type { TalonOneApi } from '../../transport';
import { AUDIENCES_PATH, audiencePath, CONCURRENT_REQUESTS } from '../../transport';

const properties: INodeProperties[] = [
	audienceIdField,
	audienceNameField,
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Return Existing Audience',
				name: 'returnExisting',
				type: 'boolean',
				default: false,
				description:
					'Whether to return the audience instead of failing when an audience with this ID already exists. The CDP API has no read route, so the node then updates the existing audience with the name given here and returns it. Without this option, a 409 is only accepted when an earlier attempt of the same request got no answer (outcome "createdOnEarlierAttempt").',
			},
		],
	},
];

export const description = updateDisplayOptions({ show: { resource: ['audience'], operation: ['create'] } }, properties);

/**
 * Retry reasons after which the earlier attempt cannot have created the audience: a 429 is refused before
 * anything is done (inferred: reference §7 and §8 document the 429 as a rate-limit refusal). After any other reason (a lost connection, a time-out, a 5xx) the earlier attempt may
 * have been applied without its answer reaching the node.
 */
const REFUSED_BEFORE_APPLYING = /^HTTP 429$/;

/** What happened to each item, in the output's `outcome`. */
export type CreateOutcome = 'created' | 'createdOnEarlierAttempt' | 'alreadyExisted';

export async function execute(this: IExecuteFunctions, api: TalonOneApi): Promise<INodeExecutionData[][]> {
	return await runEach<AudienceBody & { returnExisting: boolean }>(this, {
		requestName: 'Creating the audience',
		concurrency: CONCURRENT_REQUESTS,
		prepare: (itemIndex) => ({
			...audienceBody(this, itemIndex),
			returnExisting: this.getNodeParameter('options.returnExisting', itemIndex, false) as boolean,
		}),
		keys: (payload) => [payload.audienceId],
		send: async ({ returnExisting, ...body }, itemIndex) => {
			// Create audience is not idempotent (reference §0): a retry after a lost answer gets 409.
			let mayHaveBeenApplied = false;
			try {
				const response = await api.transport.request<IDataObject>({
					method: 'POST',
					path: AUDIENCES_PATH,
					body,
					limiter: api.limiter,
					onRetry: (reason) => {
						if (!REFUSED_BEFORE_APPLYING.test(reason)) mayHaveBeenApplied = true;
					},
				});
				return { ...response.body, alreadyExisted: false, outcome: 'created' satisfies CreateOutcome };
			} catch (error) {
				if (!(error instanceof VendorHttpError) || error.statusCode !== 409) {
					throw requestFailed(this.getNode(), error, itemIndex, 'Creating the audience');
				}
				// The CDP API has no route to read an audience (reference §0), so the node cannot compare the
				// existing audience's name with the one sent. A 409 right after an attempt that may have been
				// applied is taken as that attempt's success; a 409 on a first attempt is a real conflict.
				if (mayHaveBeenApplied && !returnExisting) {
					return { ...body, alreadyExisted: false, outcome: 'createdOnEarlierAttempt' satisfies CreateOutcome };
				}
				if (!returnExisting) {
					throw new NodeApiError(this.getNode(), { message: error.message, httpCode: '409' } as JsonObject, {
						message: `Item ${itemIndex}: the audience "${body.audienceId}" already exists`,
						description:
							'Turn on the "Return Existing Audience" option to get the existing audience instead, or use Audience → Update.',
						httpCode: '409',
						itemIndex,
					});
				}
				const existing = await api.transport.request<IDataObject>({
					method: 'PUT',
					path: audiencePath(body.audienceId),
					body,
					limiter: api.limiter,
				});
				const outcome: CreateOutcome = mayHaveBeenApplied ? 'createdOnEarlierAttempt' : 'alreadyExisted';
				return { ...existing.body, alreadyExisted: !mayHaveBeenApplied, outcome };
			}
		},
	});
}
