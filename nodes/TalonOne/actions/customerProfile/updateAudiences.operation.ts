import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { eachAsBulk, runBulk } from '../../../shared/bulk';
import { invalidField, requestFailed } from '../../../shared/errors';
import { runSync, syncOption } from '../../../shared/sync';
import { audienceNumbers, audienceTexts } from '../../helpers/audienceIds';
import type { MirrorPlan } from '../../helpers/audienceMirror';
import { memberIds, MirrorState, mirrorRequests } from '../../helpers/audienceMirror';
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

const CHANGES = { show: { mode: ['changes'] } };
const MIRROR = { show: { mode: ['mirror'] } };

const properties: INodeProperties[] = [
	{
		displayName: 'Mode',
		name: 'mode',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Add and Remove',
				value: 'changes',
				description: 'Each item names one profile and the audiences to add it to and remove it from',
			},
			{
				name: 'Mirror Audience Members',
				value: 'mirror',
				description:
					"Each item gives one audience's complete current members: new members are added, and members the node added in an earlier run that are no longer listed are removed",
			},
		],
		default: 'changes',
		description: 'Whether items give membership changes, or whole member lists to mirror',
	},
	{
		displayName: `Changes of all input items are packed into as few requests as possible: at most ${MAX_CHANGES} audience additions plus removals per request, paced under ${REQUESTS_PER_SECOND} requests per second. A profile with more than ${MAX_CHANGES} changes is split over consecutive requests, in order. Talon.One refuses a request naming an unknown audience as a whole without saying which one; the node then resends parts of it to find the audience, so only the items naming it fail (this assumes Talon.One applies nothing of a refused request, which it does not document).`,
		name: 'packingNotice',
		type: 'notice',
		default: '',
		displayOptions: CHANGES,
	},
	{
		displayName:
			"Each item is one audience with the complete list of its current members. Talon.One cannot list an audience's members, so the node remembers the members it added in the workflow's static data, which n8n saves after production runs only (not after manual runs, and not in queue mode): it removes only profiles it added itself, and a member list that is incomplete removes the members left out. Use Dry Run to see what a run would do.",
		name: 'mirrorNotice',
		type: 'notice',
		default: '',
		displayOptions: MIRROR,
	},
	{ ...profileIdField, displayOptions: CHANGES },
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
	{ ...audienceListField('audiencesToAdd', 'Audiences to Add', 'add the profile to'), displayOptions: CHANGES },
	{ ...audienceListField('audiencesToRemove', 'Audiences to Remove', 'remove the profile from'), displayOptions: CHANGES },
	{
		displayName: 'Audience',
		name: 'mirrorAudience',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. 12 or {{ $json.audienceId }}',
		description: 'The audience whose members the item lists, by the ID chosen above',
		displayOptions: MIRROR,
	},
	{
		displayName: 'Members',
		name: 'mirrorMembers',
		type: 'string',
		default: '',
		placeholder: 'e.g. {{ $json.customerIds }}',
		description:
			"The audience's current members, by profile integration ID: a comma-separated list or an expression that returns an array. Profiles the node added earlier that are not listed are removed.",
		displayOptions: MIRROR,
	},
	{
		displayName: 'Mirror Options',
		name: 'mirrorOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: MIRROR,
		options: [
			{
				displayName: 'Dry Run',
				name: 'dryRun',
				type: 'boolean',
				default: false,
				description: 'Whether to send nothing and remember nothing, and output per audience the members a run would add and remove',
			},
		],
	},
	{ ...syncOption(), displayOptions: CHANGES },
];

export const description = updateDisplayOptions(
	{ show: { resource: ['customerProfile'], operation: ['updateAudiences'] } },
	properties,
);

export async function execute(this: IExecuteFunctions, api: TalonOneApi): Promise<INodeExecutionData[][]> {
	const external = (this.getNodeParameter('audienceIdType', 0, 'internal') as string) === 'external';
	if (this.getNodeParameter('mode', 0, 'changes') === 'mirror') return await mirror.call(this, api, external);
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

/** Mirror Audience Members: one item per audience, its member list compared with the one the node remembered. */
async function mirror(this: IExecuteFunctions, api: TalonOneApi, external: boolean): Promise<INodeExecutionData[][]> {
	const node = this.getNode();
	const path = external ? MEMBERSHIPS_BY_EXTERNAL_ID_PATH : MEMBERSHIPS_PATH;
	const state = new MirrorState(this.getWorkflowStaticData('node'));
	const dryRun = this.getNodeParameter('mirrorOptions.dryRun', 0, false) === true;
	const audienceIdType = external ? 'external' : 'internal';
	const itemOf = new Map<string, number>();

	const { results } = await runBulk<MirrorPlan>(
		this,
		this.getInputData().length,
		eachAsBulk<MirrorPlan>({
			prepare: (itemIndex) => {
				const value = this.getNodeParameter('mirrorAudience', itemIndex, '');
				const refs: AudienceRef[] = external
					? audienceTexts(this, itemIndex, 'Audience', value, MAX_ID_LENGTH)
					: audienceNumbers(this, itemIndex, 'Audience', value);
				if (refs.length !== 1) throw invalidField(node, itemIndex, 'Audience', `names ${refs.length} audiences; give exactly one`);
				const members = memberIds(this, itemIndex, 'Members', this.getNodeParameter('mirrorMembers', itemIndex));
				const plan = state.plan(refs[0], external, members);
				// Two lists for one audience would each remove the other's members.
				const earlier = itemOf.get(plan.key);
				if (earlier !== undefined) {
					throw invalidField(
						node,
						itemIndex,
						'Audience',
						`item ${earlier} already gives the members of this audience; give all of an audience's members on one item (an Aggregate node can collect them)`,
					);
				}
				itemOf.set(plan.key, itemIndex);
				return plan;
			},
			// One audience's requests go one after another; so do the audiences.
			concurrency: 1,
			requestName: 'The membership request',
			send: async (plan, itemIndex) => {
				const summary: IDataObject = {
					audience: plan.ref,
					audienceIdType,
					members: plan.members.length,
					added: plan.adds,
					removed: plan.removes,
					unchanged: plan.members.length - plan.adds.length,
				};
				if (dryRun) return { ...summary, dryRun: true };
				const requests = mirrorRequests(plan);
				for (const [position, data] of requests.entries()) {
					try {
						await api.transport.request({ method: 'PUT', path, body: { data }, limiter: api.limiter });
					} catch (error) {
						state.failed(plan);
						const failure = requestFailed(node, error, itemIndex, `Request ${position + 1} of ${requests.length} for this audience`);
						if (position > 0) {
							const applied = position === 1 ? 'request 1 was' : `requests 1–${position} were`;
							failure.message += ` (${applied} applied; the next run sends this audience's changes again)`;
						}
						throw failure;
					}
				}
				state.applied(plan);
				return { ...summary, requests: requests.length };
			},
		}),
	);
	return results.output();
}
