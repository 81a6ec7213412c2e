import type {
	IAuthenticateGeneric,
	ICredentialTestRequest,
	ICredentialType,
	Icon,
	INodeProperties,
} from 'n8n-workflow';

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
			displayName: 'App API Key',
			name: 'appApiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				'Live or Dev API key of one app of the project. Only needed to delete profile data, which goes through Batch\'s per-app GDPR API.',
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

	// Batch has no read endpoint for profiles (reference §1). An empty update writes nothing: a wrong key or
	// project answers 401 AUTHENTICATION_INVALID, a valid one gets past authentication (the empty array
	// itself may be refused with a 400, inferred from reference §7 note 8).
	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl}}/{{$credentials.apiVersion}}',
			url: '/profiles/update',
			method: 'POST',
			body: [],
			ignoreHttpStatusErrors: true,
		},
		rules: [
			{
				type: 'responseSuccessBody',
				properties: {
					key: 'error_code',
					value: 'AUTHENTICATION_INVALID',
					message: 'Batch refused the REST API key or the project key',
				},
			},
		],
	};
}
