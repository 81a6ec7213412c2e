import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { eachAsBulk } from '../../../shared/bulk';
import { invalidField } from '../../../shared/errors';
import { textList } from '../../../shared/lists';
import type { EmptyValuesRule } from '../../../shared/emptyValues';
import { applyEmptyValues, emptyValuesOption, readEmptyValues } from '../../../shared/emptyValues';
import { parseJsonParameter } from '../../../shared/mapping';
import { runSync, syncOption } from '../../../shared/sync';
import { audienceNumbers } from '../../helpers/audienceIds';
import { audienceListField, profileIdField } from '../../helpers/profileFields';
import { requiredText } from '../../helpers/requiredText';
import { profileUpdateTracking } from '../../helpers/sync';
import type { TalonOneApi } from '../../transport';
import {
	CONCURRENT_REQUESTS,
	customerProfilePath,
	MAX_AUDIENCE_CHANGES_PER_REQUEST,
	MAX_ID_LENGTH,
	REQUESTS_PER_SECOND,
} from '../../transport';

/** Talon.One stores empty text as given and deletes an attribute sent as null (reference §5.1). */
const EMPTY_VALUES: EmptyValuesRule = { empty: 'text', choices: ['skip', 'null', 'keep'], default: 'keep' };

const properties: INodeProperties[] = [
	{
		displayName: `Each item updates one profile. Requests are paced under ${REQUESTS_PER_SECOND} per second and retried on 429 and 5xx, and two updates of the same profile never overlap. One item may carry at most ${MAX_AUDIENCE_CHANGES_PER_REQUEST.toLocaleString('en-US')} audience changes; use Update Audiences for bulk membership changes.`,
		name: 'limitsNotice',
		type: 'notice',
		default: '',
	},
	profileIdField,
	{
		displayName: 'Attributes',
		name: 'attributesMode',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Map Automatically',
				value: 'autoMapInputData',
				description: 'Send every field of the input item as an attribute, except the fields listed to exclude',
			},
			{ name: 'Define Below', value: 'defineBelow', description: 'Set attributes one by one' },
			{ name: 'JSON', value: 'json', description: 'Give the attributes as one JSON object' },
			{ name: 'None', value: 'none', description: 'Change audiences only' },
		],
		default: 'defineBelow',
		description: 'How the attributes to set on the profile are given',
	},
	{
		displayName:
			'A null value deletes the attribute from the profile. Attributes must already exist in the Campaign Manager unless "Skip Non-Existing Attributes" is on.',
		name: 'nullNotice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Fields to Exclude',
		name: 'excludeFields',
		type: 'string',
		default: '',
		placeholder: 'e.g. customerId, email',
		description: 'Comma-separated input fields that are not attributes, such as the field holding the profile ID',
		displayOptions: { show: { attributesMode: ['autoMapInputData'] } },
	},
	{
		displayName: 'Attributes to Set',
		name: 'attributeValues',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Attribute',
		default: {},
		displayOptions: { show: { attributesMode: ['defineBelow'] } },
		options: [
			{
				displayName: 'Attribute',
				name: 'attribute',
				values: [
					{
						displayName: 'Name',
						name: 'name',
						type: 'string',
						default: '',
						description: 'Name of the customer profile attribute, as defined in the Campaign Manager',
					},
					{
						displayName: 'Value',
						name: 'value',
						type: 'string',
						default: '',
						description: 'Value to set; an expression may return a number, boolean, list or null',
					},
				],
			},
		],
	},
	{
		displayName: 'Attributes (JSON)',
		name: 'attributesJson',
		type: 'json',
		default: '{}',
		description: 'An object of attribute name to value, e.g. {"Language": "english", "Nickname": null}',
		displayOptions: { show: { attributesMode: ['json'] } },
	},
	{
		displayName: 'Attributes to Delete',
		name: 'deleteAttributes',
		type: 'string',
		default: '',
		placeholder: 'e.g. Nickname, ShippingCountry',
		description: 'Comma-separated attribute names to remove from the profile (sent as null)',
		displayOptions: { hide: { attributesMode: ['none'] } },
	},
	audienceListField('audiencesToAdd', 'Audience IDs to Add', "add the profile to, by Talon.One's numeric audience ID"),
	audienceListField('audiencesToRemove', 'Audience IDs to Remove', "remove the profile from, by Talon.One's numeric audience ID"),
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			emptyValuesOption(EMPTY_VALUES),
			{
				displayName: 'Run Rule Engine',
				name: 'runRuleEngine',
				type: 'boolean',
				default: false,
				description:
					'Whether to evaluate campaigns and apply their effects. Talon.One always runs them when audiences change.',
			},
			{
				displayName: 'Skip Non-Existing Attributes',
				name: 'skipNonExistingAttributes',
				type: 'boolean',
				default: false,
				description:
					'Whether attributes that are not defined in the Campaign Manager are silently dropped instead of failing the item',
			},
		],
	},
	syncOption('profiles', {}, { clearRemovedFields: true }),
];

export const description = updateDisplayOptions(
	{ show: { resource: ['customerProfile'], operation: ['update'] } },
	properties,
);

interface ProfileUpdate {
	customerProfileId: string;
	skipNonExistingAttributes: boolean;
	body: IDataObject;
}

function attributesOf(ctx: IExecuteFunctions, itemIndex: number): IDataObject {
	const mode = ctx.getNodeParameter('attributesMode', itemIndex, 'defineBelow') as string;
	let attributes: IDataObject = {};
	if (mode === 'autoMapInputData') {
		attributes = { ...ctx.getInputData()[itemIndex].json };
		for (const field of textList(ctx.getNodeParameter('excludeFields', itemIndex, ''))) delete attributes[field];
	} else if (mode === 'defineBelow') {
		const rows = ctx.getNodeParameter('attributeValues.attribute', itemIndex, []) as Array<{ name?: string; value?: unknown }>;
		rows.forEach((row, position) => {
			const name = typeof row.name === 'string' ? row.name.trim() : '';
			if (name === '') throw invalidField(ctx.getNode(), itemIndex, `Attributes to Set[${position}].Name`, 'must not be empty');
			attributes[name] = row.value as IDataObject[string];
		});
	} else if (mode === 'json') {
		let parsed: unknown;
		try {
			parsed = parseJsonParameter(ctx.getNodeParameter('attributesJson', itemIndex, '{}'));
		} catch (error) {
			throw invalidField(ctx.getNode(), itemIndex, 'Attributes (JSON)', `is not valid JSON: ${(error as Error).message}`);
		}
		if (parsed === undefined) parsed = {};
		if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
			throw invalidField(ctx.getNode(), itemIndex, 'Attributes (JSON)', 'must be an object of attribute name to value');
		}
		attributes = { ...(parsed as IDataObject) };
	}
	const policy = readEmptyValues(ctx.getNodeParameter('options', itemIndex, {}) as IDataObject, EMPTY_VALUES);
	attributes = applyEmptyValues(attributes, policy, EMPTY_VALUES.empty);
	if (mode !== 'none') {
		for (const name of textList(ctx.getNodeParameter('deleteAttributes', itemIndex, ''))) attributes[name] = null;
	}
	return attributes;
}

export async function execute(this: IExecuteFunctions, api: TalonOneApi): Promise<INodeExecutionData[][]> {
	return await runSync(this, this.getInputData().length, profileUpdateTracking<ProfileUpdate>(), eachAsBulk<ProfileUpdate>({
		requestName: 'Updating the customer profile',
		concurrency: CONCURRENT_REQUESTS,
		prepare: (itemIndex) => {
			const customerProfileId = requiredText(
				this,
				itemIndex,
				'Customer Profile ID',
				this.getNodeParameter('customerProfileId', itemIndex),
				MAX_ID_LENGTH,
			);
			const attributes = attributesOf(this, itemIndex);
			const adds = audienceNumbers(this, itemIndex, 'Audience IDs to Add', this.getNodeParameter('audiencesToAdd', itemIndex, ''));
			const deletes = audienceNumbers(
				this,
				itemIndex,
				'Audience IDs to Remove',
				this.getNodeParameter('audiencesToRemove', itemIndex, ''),
			);
			const body: IDataObject = {
				attributes,
				runRuleEngine: this.getNodeParameter('options.runRuleEngine', itemIndex, false) as boolean,
			};
			if (adds.length + deletes.length > MAX_AUDIENCE_CHANGES_PER_REQUEST) {
				throw invalidField(
					this.getNode(),
					itemIndex,
					'Audience IDs to Add',
					`with the audiences to remove, ${adds.length + deletes.length} changes; one profile update allows at most ${MAX_AUDIENCE_CHANGES_PER_REQUEST} (use Update Audiences for more)`,
				);
			}
			if (adds.length > 0 || deletes.length > 0) body.audiencesChanges = { adds, deletes };
			return {
				customerProfileId,
				skipNonExistingAttributes: this.getNodeParameter('options.skipNonExistingAttributes', itemIndex, false) as boolean,
				body,
			};
		},
		keys: (update) => [update.customerProfileId],
		send: async (update) => {
			const response = await api.transport.request<IDataObject>({
				method: 'PUT',
				path: customerProfilePath(update.customerProfileId),
				qs: { skipNonExistingAttributes: update.skipNonExistingAttributes },
				body: update.body,
				limiter: api.limiter,
			});
			return response.body;
		},
	}));
}
