import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { jsonBytes } from '../../../shared/chunk';
import { emptyValuesOption } from '../../../shared/emptyValues';
import { readSyncSettings, runSync, syncOption } from '../../../shared/sync';
import { EMPTY_VALUES } from '../../helpers/contactRow';
import type { ContactRow } from '../../helpers/contactRow';
import { contactPreparer, importEnvelope, importLimits, importTaskSender, readImportSettings } from '../../helpers/importTask';
import { contactTracking } from '../../helpers/sync';
import { pollingOptions } from '../../helpers/timing';
import type { CrescendoApi } from '../../transport';
import {
	CUSTOM_FIELD_PREFIX,
	DEFAULT_REQUESTS_PER_MINUTE,
	MAAC_FIELDS,
	MAX_CONTACTS_PER_IMPORT,
	MAX_IMPORT_BODY_BYTES,
	MAX_TAG_LENGTH,
	PROFILE_API_FIELDS,
	STATUS_CHECKS_PER_MINUTE,
} from '../../transport';

/** The limits as the UI writes them. */
const CONTACTS = MAX_CONTACTS_PER_IMPORT.toLocaleString('en-US');
const MEGABYTES = MAX_IMPORT_BODY_BYTES / (1024 * 1024);

const properties: INodeProperties[] = [
	{
		displayName: 'Import Key',
		name: 'importKey',
		type: 'options',
		options: [
			{ name: 'Connect ID', value: 'connect_id' },
			{ name: 'Customer ID', value: 'customer_id' },
			{ name: 'Display Email', value: 'display_email' },
			{ name: 'Display Mobile', value: 'display_mobile' },
			{ name: 'LINE UID', value: 'line_uid' },
		],
		default: 'customer_id',
		displayOptions: { show: { '/authentication': ['profileApi'] } },
		description:
			'The field that matches input contacts to existing contact profiles. Every item needs a value for it; items without one fail before anything is sent.',
	},
	{
		displayName: 'Import Key',
		name: 'importKey',
		type: 'options',
		options: [
			{ name: 'Customer ID', value: 'customer_id' },
			{ name: 'Email', value: 'email' },
			{ name: 'LINE UID', value: 'line_uid' },
			{ name: 'Mobile', value: 'mobile' },
		],
		default: 'customer_id',
		displayOptions: { show: { '/authentication': ['maacApi'] } },
		description:
			'The field that matches input contacts to existing MAAC contacts. Every item needs a value for it; items without one fail before anything is sent.',
	},
	{
		displayName: 'Contact Fields',
		name: 'columns',
		type: 'resourceMapper',
		noDataExpression: true,
		default: { mappingMode: 'defineBelow', value: null },
		required: true,
		typeOptions: {
			loadOptionsDependsOn: ['authentication'],
			resourceMapper: {
				resourceMapperMethod: 'getContactFields',
				mode: 'add',
				fieldWords: { singular: 'field', plural: 'fields' },
				addAllFields: false,
				supportAutoMap: true,
			},
		},
		description:
			'Contact fields to send. "Map Automatically" sends every field of the input item under its own name; fields that are not mapped are never sent, so Crescendo Lab keeps their stored values. A field Crescendo Lab does not know fails its item (see Unknown Fields).',
	},
	{
		displayName: `Only one import runs at a time: the node splits the items into tasks of at most ${CONTACTS} contacts and ${MEGABYTES} MB, starts them one after another, and keeps task starts under ${DEFAULT_REQUESTS_PER_MINUTE} a minute (status checks are paced apart, at most ${STATUS_CHECKS_PER_MINUTE} a minute).`,
		name: 'importNotice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			emptyValuesOption(EMPTY_VALUES),
			{
				displayName: 'Unknown Fields',
				name: 'unknownFields',
				type: 'options',
				options: [
					{
						name: 'Refuse the Item',
						value: 'refuse',
						description: 'The item fails, naming the field, and is not sent; the other items go on',
					},
					{
						name: 'Leave the Field Out',
						value: 'omit',
						description: 'The item is sent without the field; its output lists the fields left out under "omittedFields"',
					},
				],
				default: 'refuse',
				description: `What to do with a field the import does not know (for example a column of a CSV file that is not a contact field). Crescendo Lab fails the whole task of up to ${CONTACTS} contacts on one unknown field, so it never reaches the service. Profile API fields: ${PROFILE_API_FIELDS.join(', ')} and custom fields named ${CUSTOM_FIELD_PREFIX}KEY (this list is not published by Crescendo Lab and is inferred). MAAC v1 fields: ${MAAC_FIELDS.join(', ')}.`,
			},
			{
				displayName: 'Tags',
				name: 'tags',
				type: 'string',
				default: '',
				placeholder: 'vip, newsletter',
				description: `Comma-separated tags added to every imported contact (at most ${MAX_TAG_LENGTH} characters each). Tags are only added, never removed.`,
			},
			{
				displayName: 'Wait for Completion',
				name: 'waitForCompletion',
				type: 'boolean',
				default: true,
				description:
					'Whether to wait until every task has finished and report its outcome. When off, the node still waits for each task before starting the next (Crescendo Lab runs one at a time) but returns as soon as the last one has started, with the task IDs.',
			},
			...pollingOptions,
		],
	},
	{
		...syncOption('contacts', {}, { clearRemovedFields: true }),
		description: `Send only the contacts that are new or changed since the last run, or preview what would be sent. Every contact skipped saves room in the ${CONTACTS} contacts of a task and in the ${DEFAULT_REQUESTS_PER_MINUTE} task starts a minute. A contact is remembered once its task has finished and imported it (so this needs Wait for Completion); a contact of MAAC's mismatch file (key LINE UID) fails its item and is sent again next run. When a task counts mismatches without naming them (other keys), its contacts are remembered as sent.`,
	},
];

export const description = updateDisplayOptions({ show: { resource: ['contact'], operation: ['import'] } }, properties);

/**
 * Checks every contact before anything is sent, packs them into import tasks (at most the vendor's
 * contacts and bytes per task), then starts the tasks one after another (each once the previous one has
 * ended) and gives every contact its outcome. With the Sync option, only new and changed contacts go into
 * the tasks (helpers/sync.ts), so unchanged ones cost neither task room nor task starts.
 */
export async function execute(this: IExecuteFunctions, api: CrescendoApi): Promise<INodeExecutionData[][]> {
	const settings = readImportSettings(this);
	const sync = readSyncSettings(this);
	const remembers = sync.changedOnly && !sync.dryRun;
	if (remembers && !settings.waitForCompletion) {
		// A started task may still fail or not match a contact: remembering it as sent would never send it again.
		throw new NodeOperationError(this.getNode(), 'Sync "Send: Only Changed Since Last Run" needs Wait for Completion', {
			description: 'A contact is remembered only once its task has finished and imported it. Turn Wait for Completion on, or set Send to All.',
		});
	}
	const envelope = importEnvelope(api, settings);
	return await runSync<ContactRow>(this, this.getInputData().length, contactTracking(api.surface, settings.importKey, settings.tags), {
		requestName: 'The import task',
		limits: importLimits(envelope),
		bytes: (contact) => jsonBytes(contact.row),
		prepare: contactPreparer(this, api, settings),
		// With the Sync option only a contact the task imported is an accepted one.
		send: importTaskSender(this, api, settings, envelope, remembers),
	});
}
