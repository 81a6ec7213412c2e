import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { eachAsBulk } from '../../../shared/bulk';
import { invalidField } from '../../../shared/errors';
import { additionalFields, profileFields, profileOptions } from '../../helpers/fields';
import { buildProfile, pathValue, readProfileOptions } from '../../helpers/profile';
import { queuedResult } from '../../helpers/queuedResult';
import { updateTracking } from '../../helpers/sync';
import { runSync, syncOption } from '../../../shared/sync';
import type { SyneriseApi } from '../../transport';
import { PROFILE_PATHS, SINGLE_CONCURRENCY } from '../../transport';

const properties: INodeProperties[] = [
	{
		displayName: 'Update By',
		name: 'identifierType',
		type: 'options',
		options: [
			{ name: 'Client ID', value: 'clientId', description: 'The numeric ID Synerise gave the profile' },
			{ name: 'Custom ID', value: 'customId' },
			{ name: 'Email', value: 'email' },
		],
		default: 'email',
		description: 'Which identifier finds the profile to update (Synerise has update routes for these three)',
	},
	{
		displayName: 'Value',
		name: 'identifierValue',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'jane@example.com',
		description: 'The value of the chosen identifier of the profile to update',
	},
	{
		displayName:
			'Only the mapped fields are sent; the profile keeps every other field. A null value resets a profile field or deletes a custom attribute. Synerise applies updates a few seconds later.',
		name: 'updateNotice',
		type: 'notice',
		default: '',
	},
	profileFields,
	additionalFields,
	profileOptions(),
	syncOption('profiles', {}, { clearRemovedFields: true }),
];

export const description = updateDisplayOptions({ show: { resource: ['profile'], operation: ['update'] } }, properties);

interface UpdatePayload {
	type: string;
	raw: string;
	path: string;
	profile: IDataObject;
}

export async function execute(this: IExecuteFunctions, api: SyneriseApi): Promise<INodeExecutionData[][]> {
	return await runSync(this, this.getInputData().length, updateTracking<UpdatePayload>(), eachAsBulk<UpdatePayload>({
		prepare: (itemIndex) => {
			const type = this.getNodeParameter('identifierType', itemIndex) as string;
			const raw = String(this.getNodeParameter('identifierValue', itemIndex) ?? '').trim();
			const value = pathValue(this.getNode(), itemIndex, type, raw);
			const profile = buildProfile(this, itemIndex, readProfileOptions(this, itemIndex, false));
			if (Object.keys(profile).length === 0) {
				throw invalidField(this.getNode(), itemIndex, 'Profile Fields', 'nothing to update: map at least one field');
			}
			const path = type === 'clientId' ? PROFILE_PATHS.byId(value) : PROFILE_PATHS.by(PROFILE_PATHS.updateBy[type], value);
			return { type, raw, path, profile };
		},
		keys: ({ type, raw }) => [`${type}:${raw.toLowerCase()}`],
		concurrency: SINGLE_CONCURRENCY,
		requestName: 'The update request',
		send: async ({ type, raw, path, profile }) => {
			const response = await api.request({ method: 'POST', path, body: profile });
			return queuedResult(this, { accepted: true }, { statusCode: response.statusCode, [type]: raw, updatedFields: Object.keys(profile) });
		},
	}));
}
