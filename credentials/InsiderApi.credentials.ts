import type { IAuthenticateGeneric, Icon, ICredentialTestRequest, ICredentialType, INodeProperties } from 'n8n-workflow';

export class InsiderApi implements ICredentialType {
	name = 'insiderApi';

	displayName = 'Insider API';

	icon: Icon = { light: 'file:../nodes/Insider/insider.svg', dark: 'file:../nodes/Insider/insider.dark.svg' };

	documentationUrl = 'https://github.com/customer-profiles/n8n-nodes-customer-profiles/blob/main/docs/insider.md#credential';

	properties: INodeProperties[] = [
		{
			displayName: 'Partner Name',
			name: 'partnerName',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'mybrand',
			description: 'Your Insider account (partner) name as shown in the panel; it is sent in lowercase',
		},
		{
			displayName: 'Request Token',
			name: 'requestToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'The Unified Customer Database API token from InOne → Settings → Integration Settings',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://unification.useinsider.com',
			description: 'Change only to go through a proxy or to reach a test server',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				'X-PARTNER-NAME': '={{String($credentials.partnerName).trim().toLowerCase()}}',
				'X-REQUEST-TOKEN': '={{$credentials.requestToken}}',
			},
		},
	};

	// Read-only: lists the account's attribute columns (§5.9).
	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}',
			url: '/api/user/v3/metadata/columns',
			method: 'POST',
			body: { table: 'contacts' },
		},
	};
}
