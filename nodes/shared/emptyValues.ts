import type { IDataObject, INodeProperties, INodePropertyOptions } from 'n8n-workflow';

// The "Empty Values" option of every node, written once: its values, how it is shown, how a saved value is
// read (older values included) and how it is applied to the fields an item sends.

/**
 * What happens to an empty value: `skip` leaves the field out, so the vendor keeps what it has; `null` sends
 * null, which clears the stored value; `keep` sends the value as given.
 */
export type EmptyValues = 'skip' | 'null' | 'keep';

/**
 * Which values are empty, a vendor fact: `text` is a string that is `''` or only whitespace, `null` is null,
 * `textOrNull` is either. Nothing else is ever empty (`0`, `false`, `[]` and `{}` are values), and a field
 * that is `undefined` is absent: it is never sent, whatever the policy.
 */
export type EmptyKinds = 'text' | 'null' | 'textOrNull';

/** One node's "Empty Values" option. */
export interface EmptyValuesRule {
	empty: EmptyKinds;
	/** The values the vendor supports (always shown in the order skip, null, keep). */
	choices: readonly EmptyValues[];
	default: EmptyValues;
	/** Vendor wording added to the option's description, where the vendor needs it. */
	note?: string;
	/** Vendor wording added to one value's description. */
	choiceNotes?: Partial<Record<EmptyValues, string>>;
	/** An older parameter of the same collection whose saved values still decide the policy. */
	legacy?: { name: string; values: Record<string, EmptyValues> };
}

const CHOICES: Record<EmptyValues, INodePropertyOptions> = {
	skip: { name: 'Skip the Field', value: 'skip', description: 'Leave the field out, so the stored value stays' },
	null: { name: 'Send Null (Clear the Field)', value: 'null', description: 'Send null, which clears the stored value' },
	keep: { name: 'Send As Given', value: 'keep', description: 'Send the empty value unchanged' },
};

const ORDER: EmptyValues[] = ['skip', 'null', 'keep'];

const EMPTY_TEXT: Record<EmptyKinds, string> = {
	text: "empty text ('' or only spaces)",
	null: 'null',
	textOrNull: "empty text ('' or only spaces) or null",
};

export function isEmptyValue(value: unknown, empty: EmptyKinds): boolean {
	if (value === null) return empty !== 'text';
	return empty !== 'null' && typeof value === 'string' && value.trim() === '';
}

/** The option as every node shows it, with the values this vendor supports. */
export function emptyValuesOption(rule: EmptyValuesRule): INodeProperties {
	const defaultValue = rule.default;
	return {
		displayName: 'Empty Values',
		name: 'emptyValues',
		type: 'options',
		options: ORDER.filter((choice) => rule.choices.includes(choice)).map((choice) => {
			const note = rule.choiceNotes?.[choice];
			return note ? { ...CHOICES[choice], description: `${CHOICES[choice].description} (${note})` } : CHOICES[choice];
		}),
		default: defaultValue,
		description: `What to do with fields whose value is ${EMPTY_TEXT[rule.empty]}${rule.note ? `. ${rule.note}` : ''}`,
	};
}

/**
 * The policy of a node's options collection: its `emptyValues` when that is one of the vendor's values,
 * else what an older parameter saved, else the default. A value the node never offered runs as the default,
 * as it always has.
 */
export function readEmptyValues(options: IDataObject, rule: EmptyValuesRule): EmptyValues {
	const value = options.emptyValues;
	if (rule.choices.includes(value as EmptyValues)) return value as EmptyValues;
	if (rule.legacy) {
		const saved = options[rule.legacy.name];
		if (typeof saved === 'string' && Object.prototype.hasOwnProperty.call(rule.legacy.values, saved)) return rule.legacy.values[saved];
	}
	return rule.default;
}

/** The fields to send: absent ones left out, empty ones skipped, nulled or kept as the policy says. */
export function applyEmptyValues(fields: IDataObject, policy: EmptyValues, empty: EmptyKinds): IDataObject {
	const out: IDataObject = {};
	for (const [key, value] of Object.entries(fields)) {
		if (value === undefined) continue;
		if (!isEmptyValue(value, empty) || policy === 'keep') out[key] = value;
		else if (policy === 'null') out[key] = null;
	}
	return out;
}
