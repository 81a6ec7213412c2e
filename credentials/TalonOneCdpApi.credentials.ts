import type { IAuthenticateGeneric, ICredentialTestRequest, ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

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
			description: 'The host of your Campaign Manager, sent as the destination-hostname header. A leading https:// is accepted.',
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
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization: '=ApiKey-v1 {{$credentials.apiKey}}',
				'destination-hostname': '={{$credentials.deploymentHostname}}',
				'customer-data-platform-name': '={{$credentials.platformName}}',
			},
		},
	};

	// The CDP API has no read-only route. The test sends an audience update for zero profiles: it passes the
	// gateway's key, deployment and platform checks and changes nothing.
	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl}}',
			url: '/cdp/customer_profiles/audiences',
			method: 'PUT',
			body: { data: [] },
		},
		rules: [
			{
				type: 'responseCode',
				properties: { value: 401, message: 'The API key was refused: it must be a third-party key for "Customer Data Platform"' },
			},
			{
				type: 'responseCode',
				properties: { value: 400, message: 'The gateway refused the request: check the deployment hostname and platform name' },
			},
			{
				type: 'responseCode',
				properties: { value: 404, message: 'The gateway found no deployment or application for this hostname and key' },
			},
		],
	};
}
