import type { IAuthenticateGeneric, ICredentialTestRequest, ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * Crescendo Lab MAAC OpenAPI v1: a token generated in the MAAC console (API → API token), sent as
 * `Authorization: Bearer <token>` and bound to its region (reference §2, §3, §5B).
 */
export class CrescendoLabMaacApi implements ICredentialType {
	name = 'crescendoLabMaacApi';

	displayName = 'Crescendo Lab MAAC API';

	icon: Icon = { light: 'file:../nodes/CrescendoLab/crescendoLab.svg', dark: 'file:../nodes/CrescendoLab/crescendoLab.dark.svg' };

	documentationUrl = 'https://github.com/customer-profiles/n8n-nodes-customer-profiles/blob/main/docs/crescendo-lab.md';

	properties: INodeProperties[] = [
		{
			displayName: 'Access Token',
			name: 'accessToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'The MAAC OpenAPI v1 token (MAAC console → API → API token)',
		},
		{
			displayName: 'Region',
			name: 'region',
			type: 'options',
			options: [
				{ name: 'Taiwan / Thailand', value: 'tw' },
				{ name: 'Japan', value: 'jp' },
			],
			default: 'tw',
			description: 'The region the token was issued for; tokens only work against their own region',
		},
		{
			displayName: 'Base URL Override',
			name: 'baseUrl',
			type: 'string',
			default: '',
			placeholder: 'https://api.cresclab.com',
			description: 'Leave empty to use the region host. Set it to reach the API through a proxy or a test server.',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization: '=Bearer {{$credentials.accessToken}}',
			},
		},
	};

	// The contact listing (B3) is read-only and answers 401 for a wrong token.
	test: ICredentialTestRequest = {
		request: {
			baseURL:
				'={{$credentials.baseUrl ? $credentials.baseUrl.replace(/\\/+$/, "") : ($credentials.region === "jp" ? "https://api.jp.cresclab.com" : "https://api.cresclab.com")}}',
			url: '/openapi/v1/member/',
			method: 'GET',
		},
	};
}
