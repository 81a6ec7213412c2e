import type {
	IAuthenticateGeneric,
	IAuthenticateRuleResponseCode,
	ICredentialTestRequest,
	ICredentialType,
	Icon,
	INodeProperties,
} from 'n8n-workflow';

/**
 * Statuses that fail the credential test: every status from 300 to 599 except 400, the answer a valid key
 * and project get for the test's empty array.
 */
export const CREDENTIAL_TEST_FAILURES: number[] = Array.from({ length: 300 }, (_, k) => 300 + k).filter((status) => status !== 400);

/**
 * Batch (batch.com) CEP Profile API: a company-wide REST API key sent as a Bearer token plus the project
 * key in `X-Batch-Project` (reference §2). The legacy per-app GDPR API takes the same REST key in
 * `X-Authorization` and the app's API key in the URL (reference §3.4), so both headers are sent.
 */
export class BatchApi implements ICredentialType {
	name = 'batchApi';

	displayName = 'Batch API';

	icon: Icon = { light: 'file:../nodes/Batch/batch.svg', dark: 'file:../nodes/Batch/batch.dark.svg' };

	documentationUrl = 'https://doc.batch.com/developer/api/cep/profiles';

	properties: INodeProperties[] = [
		{
			displayName: 'REST API Key',
			name: 'restApiKey',
			type: 'string',
			typeOptions: { password: true },
			required: true,
			default: '',
			description: 'The company-wide REST API key from Settings → General in the Batch dashboard (visible to managers and admins)',
		},
		{
			displayName: 'Project Key',
			name: 'projectKey',
			type: 'string',
			required: true,
			default: '',
			placeholder: 'project_0664hxvwffvbpn278gxdyhsadddqgna6',
			description: 'The key of the project whose profiles the node writes, from Settings → General',
		},
		{
			displayName: 'App API Keys',
			name: 'appApiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				'Live or Dev API key of each app of the project (iOS, Android, web…), separated by commas. Only needed to delete profile data: Batch\'s GDPR API works per app, so the node sends one request per key.',
		},
		{
			displayName: 'API Version',
			name: 'apiVersion',
			type: 'string',
			default: '2.11',
			description: 'Version of the CEP API, as in https://api.batch.com/2.11/profiles/update',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://api.batch.com',
			description: 'Change only to reach a proxy or a local test server',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization: '=Bearer {{$credentials.restApiKey}}',
				'X-Batch-Project': '={{$credentials.projectKey}}',
				'X-Authorization': '={{$credentials.restApiKey}}',
			},
		},
	};

	// Batch has no read endpoint for profiles (reference §1). An empty update writes nothing: a valid key and
	// project get past authentication and the empty array itself is refused with a 400 (inferred from
	// reference §7 note 8), or accepted. Every other status fails the test on the status itself (reference §0):
	// 401 for a wrong key or project, 403, 404 for a wrong version or base URL, 5xx, and anything unexpected.
	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl}}/{{$credentials.apiVersion}}',
			url: '/profiles/update',
			method: 'POST',
			body: [],
			ignoreHttpStatusErrors: { ignore: true, except: CREDENTIAL_TEST_FAILURES },
		},
		rules: [
			{ type: 'responseCode', properties: { value: 401, message: 'Batch refused the REST API key or the project key' } },
			{ type: 'responseCode', properties: { value: 403, message: 'Batch refused access with these keys (403)' } },
			{
				type: 'responseCode',
				properties: { value: 404, message: 'Batch has no such route: check the API Version and the Base URL (404)' },
			},
			...[500, 502, 503, 504].map((value): IAuthenticateRuleResponseCode => ({
				type: 'responseCode',
				properties: { value, message: `Batch answered ${value}: the service is failing or under maintenance, try again later` },
			})),
		],
	};
}
