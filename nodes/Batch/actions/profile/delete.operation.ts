import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { runEach } from '../../../shared/bulk';
import { invalidField, rejectedItem } from '../../../shared/errors';
import { AttributeProblem, customIdOf } from '../../helpers/attributes';
import type { BatchApi } from '../../transport';
import { ANSWER_EXCERPT_CHARS, GDPR_REQUEST_ID_FIELD, GDPR_REQUESTS_PER_SECOND, gdprLimiter, legacyPrefixOf } from '../../transport';

const pace = GDPR_REQUESTS_PER_SECOND === 1 ? 'one request' : `${GDPR_REQUESTS_PER_SECOND} requests`;

const properties: INodeProperties[] = [
	{
		displayName: `Batch's GDPR API works per app (iOS, Android, web… each have their own API key): one "remove" request is sent per profile and per App API Key of the credential, paced at ${pace} per second. Batch erases the data later; the output lists each app's request ID.`,
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

interface AppRequest {
	/** 1-based position of the app's key in the credential (the key itself is a secret). */
	app: number;
	requestId: string;
	status: string;
}

export async function execute(this: IExecuteFunctions, api: BatchApi): Promise<INodeExecutionData[][]> {
	const node = this.getNode();
	const options = this.getNodeParameter('options', 0, {}) as IDataObject;
	const { transport, appApiKeys } = api;
	if (appApiKeys.length === 0) {
		throw new NodeOperationError(node, 'Deleting profile data needs at least one App API Key in the Batch API credential', {
			description: 'Batch erases profile data through its per-app GDPR API, which takes the Live or Dev API key of each app of the project.',
		});
	}
	const limiter = gdprLimiter(api, Number(options.requestsPerSecond) > 0 ? Number(options.requestsPerSecond) : GDPR_REQUESTS_PER_SECOND);
	const callbackUrl = String(options.callbackUrl ?? '').trim();
	const apps = appApiKeys.length;

	return await runEach(this, {
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
		concurrency: 1,
		send: async (customId, itemIndex) => {
			const body: IDataObject = { request_type: 'remove', id: { type: 'custom_id', value: customId } };
			if (callbackUrl) body.callback_url = callbackUrl;
			const requests: AppRequest[] = [];
			const done = () =>
				requests.length === 0 ? '' : ` Already accepted: ${requests.map((r) => `app ${r.app} (request ID ${r.requestId})`).join(', ')}.`;
			const post = async (appApiKey: string): Promise<IDataObject> => {
				const response = await transport.request<IDataObject>({ method: 'POST', path: `${legacyPrefixOf(appApiKey)}/gdpr/request`, body, limiter });
				return response.body && typeof response.body === 'object' ? response.body : {};
			};
			for (const [position, appApiKey] of appApiKeys.entries()) {
				const app = position + 1;
				// Nothing accepted yet: the engine reports a failure as for any request. After that, the error
				// says which apps already accepted the request.
				const answer =
					requests.length === 0
						? await post(appApiKey)
						: await post(appApiKey).catch((error: unknown) => {
								const text = error instanceof Error ? error.message : String(error);
								throw rejectedItem(node, itemIndex, `the GDPR remove request for app ${app} of ${apps} failed: ${text}.${done()}`, 'customId');
							});
				const requestId = answer[GDPR_REQUEST_ID_FIELD];
				if (typeof requestId !== 'string' || requestId === '') {
					throw rejectedItem(
						node,
						itemIndex,
						`Batch answered the GDPR remove request for app ${app} of ${apps} without a request ID (${JSON.stringify(answer).slice(0, ANSWER_EXCERPT_CHARS)}); check the request in the dashboard's Privacy Center.${done()}`,
						'customId',
					);
				}
				requests.push({ app, requestId, status: typeof answer.status === 'string' ? answer.status : 'pending' });
			}
			const json: IDataObject = { customId, requestType: 'remove', requests: requests as unknown as IDataObject[] };
			// One app (the only form before several keys were accepted): the same fields as before.
			if (apps === 1) Object.assign(json, { requestId: requests[0].requestId, status: requests[0].status });
			return json;
		},
		requestName: 'The GDPR remove request',
	});
}
