import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { readDeletion } from '../../helpers/attributeDeletion';
import { concurrencyOption } from '../../helpers/concurrency';
import { count, USER_BATCH_TEXT } from '../../helpers/limitTexts';
import { catalogueIfAsked, metadataOption } from '../../helpers/metadata';
import { sendUserBatches } from '../../helpers/userBatches';
import { addressProperties } from '../../helpers/userFields';
import type { InsiderApi } from '../../transport';
import { ATTRIBUTE_DELETE_PATH, USER_WRITE_REQUESTS_PER_MINUTE } from '../../transport';

const properties: INodeProperties[] = [
	{
		displayName: `Deletes for good. Users are sent in ${USER_BATCH_TEXT}, paced under the ${count(USER_WRITE_REQUESTS_PER_MINUTE)} requests a minute Insider shares with upserts.`,
		name: 'deleteAttributeNotice',
		type: 'notice',
		default: '',
	},
	...addressProperties(),
	{
		displayName: 'Delete',
		name: 'mode',
		type: 'options',
		options: [
			{ name: 'Whole Attribute', value: 'whole', description: 'Remove the attribute and its value' },
			{ name: 'Values of an Array Attribute', value: 'partial', description: 'Remove some values from a list attribute' },
		],
		default: 'whole',
	},
	{
		displayName: 'Attribute Names or IDs',
		name: 'attributeNames',
		type: 'multiOptions',
		typeOptions: { loadOptionsMethod: 'getAttributes' },
		default: [],
		required: true,
		description:
			'Attributes to delete; custom attributes start with "c_". Email, phone number and UUID can be deleted as attributes unless the account uses them as identifiers (Insider then refuses them for that user: use Identifier → Delete). Choose from the list, or specify IDs using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
		displayOptions: { show: { mode: ['whole'] } },
	},
	{
		displayName: 'Attribute Name or ID',
		name: 'attributeName',
		type: 'options',
		typeOptions: { loadOptionsMethod: 'getAttributes' },
		default: '',
		required: true,
		description:
			'The array attribute to remove values from. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
		displayOptions: { show: { mode: ['partial'] } },
	},
	{
		displayName: 'Values',
		name: 'values',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'value1, value2',
		description: 'Values to remove: a JSON list such as [1, 2] or comma-separated text',
		displayOptions: { show: { mode: ['partial'] } },
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			concurrencyOption,
			metadataOption('Without it, names that are not Insider default attributes are deleted as custom attributes.'),
		],
	},
];

export const description = updateDisplayOptions({ show: { resource: ['user'], operation: ['deleteAttribute'] } }, properties);

/** Reads every item's deletion, then sends them in batches and maps Insider's per-user errors back to items. */
export async function execute(this: IExecuteFunctions, api: InsiderApi): Promise<INodeExecutionData[][]> {
	const catalogue = await catalogueIfAsked(this, api.transport);
	return await sendUserBatches(this, api, {
		path: ATTRIBUTE_DELETE_PATH,
		envelope: { users: [] },
		prepare: (itemIndex) => readDeletion(this, itemIndex, catalogue),
		requestName: 'The attribute delete request',
		accepted: (entry) => ({ deleted: true, ...entry.payload }),
	});
}
