import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import type { SyneriseApi } from '../../transport';
import { buildProfile, IDENTIFIER_FIELDS, readProfileOptions } from '../../helpers/profile';
import { customAttributesField, PROFILE_PATHS, profileFields, profileOptions, queuedResult, runPerItem } from './common';

const properties: INodeProperties[] = [
	{
		displayName:
			'Needs at least one identifier: email, phone, UUID or custom ID. Creating with an identifier that already exists updates that profile.',
		name: 'createNotice',
		type: 'notice',
		default: '',
	},
	profileFields,
	{
		displayName: 'Additional Fields',
		name: 'additionalFields',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		options: [customAttributesField],
	},
	profileOptions([
		{
			displayName: 'Create Synchronously',
			name: 'instant',
			type: 'boolean',
			default: false,
			description:
				'Whether to use the instant route, which stores the profile before answering, and return the stored profile. Otherwise Synerise queues the profile and it appears after a few seconds.',
		},
	]),
];

export const description = updateDisplayOptions({ show: { resource: ['profile'], operation: ['create'] } }, properties);

export async function execute(this: IExecuteFunctions, api: SyneriseApi): Promise<INodeExecutionData[][]> {
	return await runPerItem(
		this,
		api,
		(itemIndex) => {
			const profile = buildProfile(this, itemIndex, readProfileOptions(this, itemIndex, true));
			const instant = ((this.getNodeParameter('options', itemIndex, {}) as IDataObject).instant ?? false) === true;
			const identifier = IDENTIFIER_FIELDS.find((field) => typeof profile[field] === 'string')!;
			const value = profile[identifier] as string;
			return {
				keys: IDENTIFIER_FIELDS.filter((field) => typeof profile[field] === 'string').map((field) => `${field}:${profile[field] as string}`),
				send: async (api) => {
					if (!instant) {
						const response = await api.request({ method: 'POST', path: '/v4/clients', body: profile });
						return queuedResult(this, { accepted: true }, { statusCode: response.statusCode, [identifier]: value });
					}
					// The instant route answers once the profile is stored (reference §6.2); read it back by the
					// identifier it was created with, as the answer itself carries no profile.
					await api.request({ method: 'POST', path: '/v4/clients/instant', body: profile, encoding: 'text' });
					const segment = PROFILE_PATHS.getBy[identifier];
					const stored = await api.request<IDataObject>({
						method: 'GET',
						path: `/v4/clients/${segment}/${encodeURIComponent(value)}`,
					});
					return stored.body;
				},
			};
		},
		'The create request',
	);
}
