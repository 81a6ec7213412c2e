import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { runBulk } from '../../../shared/bulk';
import { jsonBytes } from '../../../shared/chunk';
import type { AttributeDeletion } from '../../helpers/attributeDeletion';
import { readDeletion } from '../../helpers/attributeDeletion';
import { concurrencyOption, readConcurrency } from '../../helpers/concurrency';
import { count, USER_BATCH_TEXT } from '../../helpers/limitTexts';
import { loadAttributeCatalogue, metadataOption, usesMetadata } from '../../helpers/metadata';
import { mapBatchResponse } from '../../helpers/responses';
import { addressKeys } from '../../helpers/user';
import { addressProperties } from '../../helpers/userFields';
import type { InsiderApi } from '../../transport';
import { ATTRIBUTE_DELETE_PATH, MAX_REQUEST_BYTES, MAX_USERS_PER_REQUEST, USER_WRITE_REQUESTS_PER_MINUTE } from '../../transport';

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
	const useMetadata = (this.getNodeParameter('options', 0, {}) as IDataObject).useMetadata;
	const catalogue = usesMetadata(this, useMetadata) ? await loadAttributeCatalogue(api.transport) : undefined;
	const { results } = await runBulk<AttributeDeletion>(this, this.getInputData().length, {
		prepare: (itemIndex) => readDeletion(this, itemIndex, catalogue),
		limits: { maxUnits: MAX_USERS_PER_REQUEST, maxBytes: MAX_REQUEST_BYTES, envelopeBytes: jsonBytes({ users: [] }) },
		concurrency: readConcurrency(this),
		keys: addressKeys,
		requestName: 'The attribute delete request',
		send: async (batch) => {
			const response = await api.transport.request({
				method: 'POST',
				path: ATTRIBUTE_DELETE_PATH,
				body: { users: batch.map((entry) => entry.payload) },
				limiter: api.limiters.userWrite,
			});
			return mapBatchResponse(this.getNode(), batch, response.body, (entry) => ({ deleted: true, ...entry.payload }));
		},
	});
	return results.output();
}
