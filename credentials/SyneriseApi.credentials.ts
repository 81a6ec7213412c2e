import type {
	ICredentialDataDecryptedObject,
	ICredentialTestRequest,
	ICredentialType,
	IDataObject,
	IHttpRequestHelper,
	IHttpRequestOptions,
	Icon,
	INodeProperties,
} from 'n8n-workflow';

import { networkErrorCode, RetriesExhaustedError, withRetry } from '../nodes/shared/retry';
import {
	API_VERSION,
	LOGIN_PATH,
	LOGIN_RETRY_POLICY,
	PERMISSION_CHECK_PATH,
	REGION_HOSTS,
	syneriseBaseUrl,
	syneriseErrorMessage,
} from '../nodes/Synerise/transport';

/**
 * Synerise workspace API key (reference §3). JWT mode exchanges the key for a token at login and stores it
 * in the hidden expirable `token` field, so n8n keeps one token for every execution and worker and logs in
 * again when a call answers 401. Basic mode sends `base64(workspaceGuid:apiKey)` and needs no login.
 */
export class SyneriseApi implements ICredentialType {
	name = 'syneriseApi';

	displayName = 'Synerise API';

	icon: Icon = { light: 'file:../nodes/Synerise/synerise.svg', dark: 'file:../nodes/Synerise/synerise.dark.svg' };

	documentationUrl = 'https://hub.synerise.com/developers/api/api-authorization/profile-login/';

	properties: INodeProperties[] = [
		{
			displayName: 'Authentication Method',
			name: 'authMethod',
			type: 'options',
			options: [
				{
					name: 'JWT (Login With the API Key)',
					value: 'jwt',
					description: 'The key is exchanged for a token, which n8n stores and renews when it expires',
				},
				{
					name: 'Basic',
					value: 'basic',
					description: 'Workspace GUID and API key on every call; Basic authentication must be enabled for the key',
				},
			],
			default: 'jwt',
		},
		{
			displayName: 'Workspace API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			required: true,
			default: '',
			placeholder: '01234abc-1234-5678-9abc-def012345678',
			description: 'A workspace (not profile) API key from Settings → API Keys, with the profile permissions the node needs',
		},
		{
			displayName: 'Workspace GUID',
			name: 'workspaceGuid',
			type: 'string',
			required: true,
			default: '',
			placeholder: '89abcdef-0123-4567-89ab-cdef01234567',
			description: 'The GUID of the workspace, used as the Basic authentication user name',
			displayOptions: { show: { authMethod: ['basic'] } },
		},
		{
			displayName: 'Region',
			name: 'region',
			type: 'options',
			options: [
				{ name: 'Microsoft Azure EU (api.synerise.com)', value: REGION_HOSTS.azureEu },
				{ name: 'Microsoft Azure USA (api.azu.synerise.com)', value: REGION_HOSTS.azureUsa },
				{ name: 'Google Cloud Platform (api.geb.synerise.com)', value: REGION_HOSTS.gcp },
			],
			default: REGION_HOSTS.azureEu,
			description: 'The API host of the region the workspace lives in; a key is refused by the other hosts',
		},
		{
			displayName: 'Base URL Override',
			name: 'baseUrl',
			type: 'string',
			default: '',
			placeholder: 'https://proxy.example.com',
			description: 'Leave empty to use the region host. Set it to reach Synerise through a proxy or a local test server.',
		},
		{
			displayName:
				'Testing the credential proves that the key logs in; it does not prove that the key holds the permissions each operation needs (Synerise then answers 403 when the node runs)',
			name: 'permissionNotice',
			type: 'notice',
			default: '',
		},
		{
			displayName: 'Token',
			name: 'token',
			type: 'hidden',
			typeOptions: { expirable: true, password: true },
			default: '',
		},
	];

	async preAuthentication(this: IHttpRequestHelper, credentials: ICredentialDataDecryptedObject): Promise<IDataObject> {
		// Basic mode has no token; returning no `token` tells n8n there is nothing to store.
		if (credentials.authMethod === 'basic') return {};
		const apiKey = String(credentials.apiKey ?? '');
		const request: IHttpRequestOptions = {
			method: 'POST',
			url: `${syneriseBaseUrl(credentials)}${LOGIN_PATH}`,
			headers: { 'Api-Version': API_VERSION, Accept: 'application/json' },
			body: { apiKey },
			json: true,
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
		};
		type LoginAnswer = { statusCode: number; body: unknown };
		let response: LoginAnswer | undefined;
		try {
			response = await withRetry(
				async () => (await this.helpers.httpRequest(request)) as LoginAnswer,
				({ value, error }) => {
					if (error !== undefined) {
						const code = networkErrorCode(error);
						return code ? { retry: true, reason: code } : { retry: false };
					}
					const status = value?.statusCode ?? 0;
					return status === 429 || status >= 500 ? { retry: true, reason: `HTTP ${status}` } : { retry: false };
				},
				LOGIN_RETRY_POLICY,
			);
		} catch (error) {
			const last = error instanceof RetriesExhaustedError ? (error.lastError as LoginAnswer | undefined) : undefined;
			if (last && typeof last === 'object' && 'statusCode' in last) response = last;
			else {
				// After the retries, the network code is on the last attempt's error.
				const code = networkErrorCode(error instanceof RetriesExhaustedError ? error.lastError : error);
				throw new Error(`Synerise login failed: the login endpoint could not be reached (${code ?? 'no answer'})`);
			}
		}
		const token = (response.body as IDataObject | undefined)?.token;
		if (response.statusCode !== 200 || typeof token !== 'string' || token === '') {
			// The vendor's message only; the key must never reach an error or a log.
			const reason = (syneriseErrorMessage(response.body) ?? 'no token in the answer').split(apiKey).join('***');
			throw new Error(`Synerise login failed (HTTP ${response.statusCode}): ${reason}. Check the API key and the region.`);
		}
		return { token };
	}

	async authenticate(credentials: ICredentialDataDecryptedObject, requestOptions: IHttpRequestOptions): Promise<IHttpRequestOptions> {
		const authorization =
			credentials.authMethod === 'basic'
				? `Basic ${Buffer.from(`${credentials.workspaceGuid as string}:${credentials.apiKey as string}`).toString('base64')}`
				: `Bearer ${credentials.token as string}`;
		return { ...requestOptions, headers: { ...requestOptions.headers, Authorization: authorization } };
	}

	// Read-only: asks which of the node's permissions the key holds (reference §3.1).
	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl ? $credentials.baseUrl.replace(/\\/+$/, "") : $credentials.region}}',
			url: PERMISSION_CHECK_PATH,
			method: 'POST',
			headers: { 'Api-Version': API_VERSION },
			body: ['API_CLIENT_CREATE', 'API_BATCH_CLIENT_CREATE'],
		},
	};
}
