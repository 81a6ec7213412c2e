import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { runSync, syncOption } from '../../../shared/sync';
import { audienceNumbers, audienceTexts } from '../../helpers/audienceIds';
import type { AudienceRef, ProfileChange } from '../../helpers/membershipChanges';
import { batchUnits, changeUnits } from '../../helpers/membershipChanges';
import { MembershipRequests } from '../../helpers/membershipRequests';
import { audienceListField, profileIdField } from '../../helpers/profileFields';
import { requiredText } from '../../helpers/requiredText';
import { membershipTracking } from '../../helpers/sync';
import type { TalonOneApi } from '../../transport';
import {
	MAX_AUDIENCE_CHANGES_PER_REQUEST,
	MAX_ID_LENGTH,
	MEMBERSHIPS_BY_EXTERNAL_ID_PATH,
	MEMBERSHIPS_PATH,
	REQUESTS_PER_SECOND,
} from '../../transport';

const MAX_CHANGES = MAX_AUDIENCE_CHANGES_PER_REQUEST.toLocaleString('en-US');

const properties: INodeProperties[] = [
	{
		displayName: `Changes of all input items are packed into as few requests as possible: at most ${MAX_CHANGES} audience additions plus removals per request, paced under ${REQUESTS_PER_SECOND} requests per second. A profile with more than ${MAX_CHANGES} changes is split over consecutive requests, in order. Talon.One refuses a request naming an unknown audience as a whole without saying which one; the node then resends parts of it to find the audience, so only the items naming it fail (this assumes Talon.One applies nothing of a refused request, which it does not document).`,
		name: 'packingNotice',
		type: 'notice',
		default: '',
	},
	profileIdField,
	{
		displayName: 'Audiences Identified By',
		name: 'audienceIdType',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Talon.One Audience ID',
				value: 'internal',
				description: "Talon.One's numeric audience ID",
			},
			{
				name: 'External Audience ID',
				value: 'external',
				description: 'The ID your platform gave the audience when creating it (its integration ID)',
			},
		],
		default: 'internal',
		description: 'How the audiences below are identified',
	},
	audienceListField('audiencesToAdd', 'Audiences to Add', 'add the profile to'),
	audienceListField('audiencesToRemove', 'Audiences to Remove', 'remove the profile from'),
	syncOption(),
];

export const description = updateDisplayOptions(
	{ show: { resource: ['customerProfile'], operation: ['updateAudiences'] } },
	properties,
);

export async function execute(this: IExecuteFunctions, api: TalonOneApi): Promise<INodeExecutionData[][]> {
	const external = (this.getNodeParameter('audienceIdType', 0, 'internal') as string) === 'external';
	const memberships = new MembershipRequests(this, api, external ? MEMBERSHIPS_BY_EXTERNAL_ID_PATH : MEMBERSHIPS_PATH);

	return await runSync<ProfileChange>(this, this.getInputData().length, membershipTracking(external), {
		prepare: (itemIndex) => {
			const list = (name: string, field: string): AudienceRef[] => {
				const value = this.getNodeParameter(name, itemIndex, '');
				return external
					? audienceTexts(this, itemIndex, field, value, MAX_ID_LENGTH)
					: audienceNumbers(this, itemIndex, field, value);
			};
			const change: ProfileChange = {
				customerProfileId: requiredText(
					this,
					itemIndex,
					'Customer Profile ID',
					this.getNodeParameter('customerProfileId', itemIndex),
					MAX_ID_LENGTH,
				),
				adds: list('audiencesToAdd', 'Audiences to Add'),
				deletes: list('audiencesToRemove', 'Audiences to Remove'),
			};
			memberships.note(change);
			return change;
		},
		limits: { maxUnits: MAX_AUDIENCE_CHANGES_PER_REQUEST },
		// A profile over the cap fills a batch on its own; `send` spreads it over consecutive requests.
		units: batchUnits,
		requestName: 'The membership request',
		send: async (batch) => {
			const outcomes = await memberships.send(batch);
			return batch.map(({ payload }, position) => {
				const outcome = outcomes[position];
				if ('error' in outcome) return outcome;
				return {
					json: {
						customerProfileId: payload.customerProfileId,
						audienceIdType: external ? 'external' : 'internal',
						added: payload.adds,
						removed: payload.deletes,
						changes: changeUnits(payload),
						requests: outcome.requests,
					},
				};
			});
		},
	});
}
