import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { eachAsBulk } from '../../../shared/bulk';
import { additionalFields, profileFields, profileOptions } from '../../helpers/fields';
import { buildProfile, IDENTIFIER_FIELDS, readProfileOptions } from '../../helpers/profile';
import { queuedResult } from '../../helpers/queuedResult';
import { profileTracking } from '../../helpers/sync';
import { runSync, syncOption } from '../../../shared/sync';
import type { SyneriseApi } from '../../transport';
import { INSTANT_CREATE_PATH, PROFILE_PATHS, PROFILES_PATH, SINGLE_CONCURRENCY } from '../../transport';

const properties: INodeProperties[] = [
	{
		displayName:
			'Needs at least one identifier: email, phone, UUID or custom ID. Creating with an identifier that already exists updates that profile.',
		name: 'createNotice',
		type: 'notice',
		default: '',
	},
	profileFields,
	additionalFields,
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
	syncOption('profiles', {}, { clearRemovedFields: true }),
];

export const description = updateDisplayOptions({ show: { resource: ['profile'], operation: ['create'] } }, properties);

interface CreatePayload {
	profile: IDataObject;
	instant: boolean;
	identifier: (typeof IDENTIFIER_FIELDS)[number];
	value: string;
}

export async function execute(this: IExecuteFunctions, api: SyneriseApi): Promise<INodeExecutionData[][]> {
	return await runSync(this, this.getInputData().length, profileTracking<CreatePayload>((payload) => payload.profile, (payload, profile) => ({ ...payload, profile })), eachAsBulk<CreatePayload>({
		prepare: (itemIndex) => {
			const profile = buildProfile(this, itemIndex, readProfileOptions(this, itemIndex, true));
			const instant = ((this.getNodeParameter('options', itemIndex, {}) as IDataObject).instant ?? false) === true;
			const identifier = IDENTIFIER_FIELDS.find((field) => typeof profile[field] === 'string')!;
			return { profile, instant, identifier, value: profile[identifier] as string };
		},
		keys: ({ profile }) =>
			IDENTIFIER_FIELDS.filter((field) => typeof profile[field] === 'string').map((field) => `${field}:${profile[field] as string}`),
		concurrency: SINGLE_CONCURRENCY,
		requestName: 'The create request',
		send: async ({ profile, instant, identifier, value }) => {
			if (!instant) {
				const response = await api.request({ method: 'POST', path: PROFILES_PATH, body: profile });
				return queuedResult(this, { accepted: true }, { statusCode: response.statusCode, [identifier]: value });
			}
			// The instant route answers once the profile is stored (reference §6.2); read it back by the
			// identifier it was created with, as the answer itself carries no profile.
			await api.request({ method: 'POST', path: INSTANT_CREATE_PATH, body: profile, encoding: 'text' });
			const stored = await api.request<IDataObject>({
				method: 'GET',
				path: PROFILE_PATHS.by(PROFILE_PATHS.getBy[identifier], encodeURIComponent(value)),
			});
			return stored.body;
		},
	}));
}
