import type { IDataObject } from 'n8n-workflow';

import type { SyncTracking } from '../../shared/sync';
import { flatFields, nullFields, pickFields, splitRecordKey } from '../../shared/sync';
import type { Surface } from '../transport';
import { MAAC_IMPORT_KEYS, PROFILE_IMPORT_KEYS } from '../transport';
import type { ContactRow } from './contactRow';

/** Where the Sync option's state of a Crescendo Lab node lives in its static data (the fallback store). */
export const SYNC_STATE_KEY = 'crescendoLabContactSync';

/**
 * The name under which the Sync option compares MAAC v1's request-level tags (the "Tags" option, sent once
 * per task for every contact, §5B B1): adding a tag there changes every contact. Not a column: no row
 * carries it, and narrowing leaves it out of the row (the task's tags still reach the contact).
 */
export const TASK_TAGS_FIELD = 'Tags (option)';

/** A contact's key for the Sync option: the import key and its value as sent (phones in E.164), e.g. `customer_id:crm-42`. */
export function contactKey(importKey: string, keyValue: string): string {
	return `${importKey}:${keyValue}`;
}

/**
 * Change detection of an import row. Rows are JSON objects, each with its own fields (an absent field is
 * kept by Crescendo Lab, §5A and §9.8), so one task can carry a narrowed row next to a whole one: Only
 * Changed Fields sends a known contact its import key and the fields that changed.
 */
export function contactTracking(surface: Surface, importKey: string, taskTags: string[]): SyncTracking<ContactRow> {
	return {
		stateKey: SYNC_STATE_KEY,
		record: (contact) => {
			const fields = flatFields(contact.row, [], [importKey]);
			if (surface === 'maacApi' && taskTags.length > 0) fields[TASK_TAGS_FIELD] = taskTags;
			return { id: contactKey(importKey, contact.keyValue), fields };
		},
		narrow: (contact, fields) => ({ ...contact, row: pickFields(contact.row, fields, [], [importKey]) }),
		// Clear Removed Fields: the Profile API clears a field sent as null; MAAC v1 ignores empty values
		// (§5A and §9.8), so it cannot clear one. Import keys are identifiers and are never cleared.
		...(surface === 'profileApi'
			? {
					clear: (contact: ContactRow, fields: string[]): ContactRow => ({ ...contact, row: nullFields(contact.row, fields, []) }),
					clearable: (field: string) => field !== TASK_TAGS_FIELD && !PROFILE_IMPORT_KEYS.includes(field) && !MAAC_IMPORT_KEYS.includes(field),
				}
			: {}),
		missing: (id): IDataObject => ({ importKey, keyValue: splitRecordKey(id)[1] }),
		unchanged: (contact): IDataObject => ({
			importKey,
			keyValue: contact.keyValue,
			...(contact.omitted.length > 0 ? { omittedFields: contact.omitted } : {}),
		}),
	};
}
