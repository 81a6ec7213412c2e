import type {
	ICredentialDataDecryptedObject,
	ICredentialTestRequest,
	ICredentialType,
	IHttpRequestOptions,
	INodeProperties,
	Icon,
} from 'n8n-workflow';

/**
 * `destination-hostname` is a bare hostname (`format: hostname` in Talon.One's third-party spec, reference
 * §0): a scheme and trailing slashes that users paste from the Campaign Manager's address bar are dropped.
 */
export function bareHostname(value: unknown): string {
	return String(value ?? '')
		.trim()
		.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')
		.replace(/\/+$/, '');
}

/**
 * Talon.One's third-party "Customer data platforms" API: one shared gateway that forwards to the deployment
 * named in `destination-hostname` (reference §2, §3).
 */
export class TalonOneCdpApi implements ICredentialType {
	name = 'talonOneCdpApi';

	displayName = 'Talon.One CDP API';

	icon: Icon = { light: 'file:../nodes/TalonOne/talonOne.svg', dark: 'file:../nodes/TalonOne/talonOne.dark.svg' };

	documentationUrl = 'https://docs.talon.one/docs/dev/technology-partners/cdp/integrating-cdp';

	properties: INodeProperties[] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			required: true,
			default: '',
			description:
				'An Integration API key created as a third-party key with platform "Customer Data Platform" (Application → Settings → Integration API Keys)',
		},
		{
			displayName: 'Deployment Hostname',
			name: 'deploymentHostname',
			type: 'string',
			required: true,
			default: '',
			placeholder: 'mycompany.europe-west1.talon.one',
			description:
				'The host of your Campaign Manager, sent as the destination-hostname header. Talon.One expects the bare hostname: a leading https:// and a trailing / are removed before sending.',
		},
		{
			displayName: 'Platform Name',
			name: 'platformName',
			type: 'string',
			required: true,
			default: 'n8n',
			description:
				'Name of the calling platform, sent as the customer-data-platform-name header; audiences created by the node record it as their integration',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://integration.talon.one',
			description: 'The CDP gateway. Change it only to reach a test server.',
		},
		{
			displayName:
				'The credential test only proves that Talon.One did not refuse the key for this deployment hostname (no 401). The CDP API has no read-only route, so it sends an audience creation without fields, which Talon.One refuses (400) without creating anything; it does not prove that the platform name or the Campaign Manager attributes are right.',
			name: 'testNotice',
			type: 'notice',
			default: '',
		},
	];

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> {
		return {
			...requestOptions,
			headers: {
				...requestOptions.headers,
				Authorization: `ApiKey-v1 ${String(credentials.apiKey ?? '')}`,
				'destination-hostname': bareHostname(credentials.deploymentHostname),
				'customer-data-platform-name': String(credentials.platformName ?? ''),
			},
		};
	}

	// The CDP group has no read-only route (reference §0). An audience creation with neither of its two
	// required fields cannot create anything: the gateway answers 401 for a key it refuses and otherwise
	// lets the request through to be refused for its body (400; inferred: the key is checked first, as
	// every documented 401 comes from the gateway). So the only failing outcome is a 401 body.
	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl}}',
			url: '/cdp/audiences',
			method: 'POST',
			body: {},
			ignoreHttpStatusErrors: true,
		},
		rules: [
			{
				type: 'responseSuccessBody',
				properties: {
					key: 'StatusCode',
					value: 401,
					message:
						'Talon.One refused the API key for this deployment: it must be a third-party key for "Customer Data Platform" of the deployment named in Deployment Hostname',
				},
			},
		],
	};
}
