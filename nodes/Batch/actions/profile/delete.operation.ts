import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { runBulk } from '../../../shared/bulk';
import { invalidField } from '../../../shared/errors';
import { RateLimiter } from '../../../shared/rateLimit';
import { AttributeProblem, customIdOf } from '../../helpers/attributes';
import { connect, GDPR_REQUESTS_PER_SECOND } from '../../transport';

const properties: INodeProperties[] = [
	{
		displayName:
			'Sends one GDPR "remove" request per profile through Batch\'s per-app GDPR API (the credential needs an App API Key), paced at one request per second. Batch erases the data later; the output carries each request ID.',
		name: 'deleteNotice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Custom ID',
		name: 'customId',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. user-123',
		description: 'The Custom ID of the profile whose data Batch should erase. This cannot be undone.',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Callback URL',
				name: 'callbackUrl',
				type: 'string',
				default: '',
				placeholder: 'https://example.com/batch-gdpr-done',
				description: 'URL Batch calls when the request is done',
			},
			{
				displayName: 'Requests per Second',
				name: 'requestsPerSecond',
				type: 'number',
				default: GDPR_REQUESTS_PER_SECOND,
				typeOptions: { minValue: 0.01, numberPrecision: 2 },
				description: 'How fast to send the requests',
			},
		],
	},
];

export const description = updateDisplayOptions({ show: { resource: ['profile'], operation: ['delete'] } }, properties);

export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const node = this.getNode();
	const options = this.getNodeParameter('options', 0, {}) as IDataObject;
	const { transport, legacyPrefix } = await connect(this);
	if (!legacyPrefix) {
		throw new NodeOperationError(node, 'Deleting profile data needs the App API Key in the Batch API credential', {
			description: 'Batch erases profile data through its per-app GDPR API, which takes the Live or Dev API key of one app of the project.',
		});
	}
	const perSecond = Number(options.requestsPerSecond) > 0 ? Number(options.requestsPerSecond) : GDPR_REQUESTS_PER_SECOND;
	const limiter = new RateLimiter({ requests: { limit: 1, windowMs: Math.ceil(1000 / perSecond) } });
	const callbackUrl = String(options.callbackUrl ?? '').trim();

	const run = await runBulk(this, items.length, {
		prepare: (itemIndex) => {
			const value = this.getNodeParameter('customId', itemIndex);
			let problem: AttributeProblem | undefined;
			try {
				return customIdOf('customId', value);
			} catch (error) {
				problem = error as AttributeProblem;
			}
			throw invalidField(node, itemIndex, problem.field ?? 'customId', problem.message);
		},
		limits: { maxUnits: 1 },
		send: async ([entry]) => {
			const body: IDataObject = { request_type: 'remove', id: { type: 'custom_id', value: entry.payload } };
			if (callbackUrl) body.callback_url = callbackUrl;
			const response = await transport.request<IDataObject>({
				method: 'POST',
				path: `${legacyPrefix}/gdpr/request`,
				body,
				limiter,
			});
			const answer = response.body ?? {};
			return [
				{
					json: {
						customId: entry.payload,
						requestId: (answer.request_id as string | undefined) ?? null,
						requestType: 'remove',
						status: (answer.status as string | undefined) ?? 'pending',
					},
				},
			];
		},
		requestName: 'The GDPR remove request',
	});
	return run.results.output();
}
