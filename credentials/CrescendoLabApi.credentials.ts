import type { IAuthenticateGeneric, ICredentialTestRequest, ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * Crescendo Lab Profile API (CDH / User360): the key travels in a custom `apikey` header, without a
 * `Bearer` prefix, and is bound to the region it was issued for (reference §2, §3).
 */
export class CrescendoLabApi implements ICredentialType {
	name = 'crescendoLabApi';

	displayName = 'Crescendo Lab API';

	icon: Icon = { light: 'file:../icons/crescendoLab.svg', dark: 'file:../icons/crescendoLab.dark.svg' };

	documentationUrl = 'https://github.com/customer-profiles/n8n-nodes-customer-profiles/blob/main/docs/crescendo-lab.md';

	properties: INodeProperties[] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'The Profile API key issued by Crescendo Lab for your organisation',
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
			description: 'The region the key was issued for; keys only work against their own region',
		},
		{
			displayName: 'Base URL Override',
			name: 'baseUrl',
			type: 'string',
			default: '',
			placeholder: 'https://api.user360.cresclab.com',
			description: 'Leave empty to use the region host. Set it to reach the API through a proxy or a test server.',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				apikey: '={{$credentials.apiKey}}',
			},
		},
	};

	// A read-only listing of one contact: answers 200 for a valid key and 401 for a wrong one.
	test: ICredentialTestRequest = {
		request: {
			baseURL:
				'={{$credentials.baseUrl ? $credentials.baseUrl.replace(/\\/+$/, "") : ($credentials.region === "jp" ? "https://api.user360.jp.cresclab.com" : "https://api.user360.cresclab.com")}}',
			url: '/cdh/v1/member',
			method: 'GET',
			qs: { limit: 1 },
		},
	};
}
