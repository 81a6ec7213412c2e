import type { IAuthenticateGeneric, ICredentialTestRequest, ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * Crescendo Lab Profile API (CDH / User360): the key travels in a custom `apikey` header, without a
 * `Bearer` prefix, and is bound to the region it was issued for (reference §2, §3).
 */
export class CrescendoLabApi implements ICredentialType {
	name = 'crescendoLabApi';

	displayName = 'Crescendo Lab API';

	icon: Icon = { light: 'file:../nodes/CrescendoLab/crescendoLab.svg', dark: 'file:../nodes/CrescendoLab/crescendoLab.dark.svg' };

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
		{
			displayName: 'Path Prefix Override',
			name: 'pathPrefix',
			type: 'string',
			default: '',
			placeholder: '/cdh/v1',
			description:
				'Leave empty for /cdh/v1. Crescendo Lab does not publish the Profile API paths (the node infers them); set this only if Crescendo Lab gave your account another prefix.',
		},
		{
			displayName: 'Trailing Slash',
			name: 'trailingSlash',
			type: 'boolean',
			default: true,
			description:
				'Whether import and export paths end with a slash (/member/import/), as Crescendo Lab\'s design notes show. Turn it off only if Crescendo Lab told you your account uses paths without it.',
		},
		{
			displayName:
				'The credential test sends PATCH <prefix>/member with an empty body, a call that changes no profile. A 401 or 403 means the key (or its region) is wrong, a 404 that the host or path prefix is wrong. Any other answer, such as the 422 an empty body gets, means the key was accepted; it does not prove that import or export are enabled for your account.',
			name: 'testNotice',
			type: 'notice',
			default: '',
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

	// The one documented Profile API route (PATCH /cdh/v1/member, reference §0 and §5A) with an empty body:
	// it names no profile, so it changes nothing. Only a refused key, a wrong host or prefix fail the test.
	test: ICredentialTestRequest = {
		request: {
			baseURL:
				'={{$credentials.baseUrl ? $credentials.baseUrl.replace(/\\/+$/, "") : ($credentials.region === "jp" ? "https://api.user360.jp.cresclab.com" : "https://api.user360.cresclab.com")}}',
			url: '={{($credentials.pathPrefix ? "/" + $credentials.pathPrefix.trim().replace(/^\\/+|\\/+$/g, "") : "/cdh/v1") + "/member"}}',
			method: 'PATCH',
			body: {},
			ignoreHttpStatusErrors: { ignore: true, except: [401, 403, 404, 405, 500, 502, 503, 504] },
		},
		rules: [
			{ type: 'responseCode', properties: { value: 401, message: 'The API key was refused: it is wrong, or it was issued for the other region' } },
			{ type: 'responseCode', properties: { value: 403, message: 'The API key was refused for the Profile API (403)' } },
			{ type: 'responseCode', properties: { value: 404, message: 'No Profile API at this address: check Region, Base URL Override and Path Prefix Override' } },
		],
	};
}
