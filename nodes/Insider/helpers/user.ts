import type { IDataObject, INode } from 'n8n-workflow';

import { invalidField } from '../../shared/errors';

// Server-side rules of the Unified Customer Database (reference §4.2, §4.4), checked before sending so a
// bad item fails on its own, with the field named, instead of costing a request.
export const EMAIL_PATTERN = /^.+@.+\..+$/;
export const PHONE_PATTERN = /^\+[1-9]\d{6,14}$/;
export const EVENT_NAME_PATTERN = /^[a-z0-9][a-zA-Z0-9._-]*$/;
export const RFC3339_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
/** Event parameters the service requires on its two commerce events (§4.4). */
export const REQUIRED_EVENT_PARAMS: Record<string, string[]> = {
	purchase: ['event_group_id', 'unit_sale_price', 'currency', 'quantity'],
	cart_page_view: ['event_group_id', 'currency', 'unit_sale_price'],
};

/** Identifier keys allowed at the root of `identifiers` (§4.2); anything else goes under `custom`. */
export const DEFAULT_IDENTIFIER_KEYS = ['email', 'phone_number', 'uuid'] as const;

export interface Identifiers extends IDataObject {
	email?: string;
	phone_number?: string;
	uuid?: string;
	custom?: IDataObject;
}

/** How one user is addressed: by profile ID or by identifiers (§4.1). */
export interface UserAddress extends IDataObject {
	insider_id?: string;
	identifiers?: Identifiers;
}

export interface InsiderEvent extends IDataObject {
	event_name: string;
	timestamp: string;
	event_params?: IDataObject;
}

export interface UpsertUser extends UserAddress {
	attributes?: IDataObject;
	events?: InsiderEvent[];
	not_append?: boolean;
}

export function isPlainObject(value: unknown): value is IDataObject {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An identifier value, or undefined when the item has none (missing, null or an empty string). */
function identifierValue(node: INode, itemIndex: number, field: string, value: unknown): string | undefined {
	if (value === undefined || value === null) return undefined;
	if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
	// Numeric IDs from spreadsheets are identifiers too; the service wants them as strings.
	if (typeof value === 'number' && Number.isFinite(value)) return String(value);
	throw invalidField(node, itemIndex, field, `must be a string, got ${JSON.stringify(value)}`);
}

/**
 * Builds and checks a user address from loose input: an `insider_id` and/or identifiers. Empty identifier
 * values count as absent; at least one identifier or a profile ID must remain.
 */
export function buildAddress(
	node: INode,
	itemIndex: number,
	input: { insiderId?: unknown; identifiers?: IDataObject; custom?: IDataObject },
): UserAddress {
	const address: UserAddress = {};
	const insiderId = identifierValue(node, itemIndex, 'insider_id', input.insiderId);
	if (insiderId !== undefined) address.insider_id = insiderId;

	const identifiers: Identifiers = {};
	for (const [key, raw] of Object.entries(input.identifiers ?? {})) {
		if (key === 'custom') continue;
		if (!(DEFAULT_IDENTIFIER_KEYS as readonly string[]).includes(key)) {
			throw invalidField(
				node,
				itemIndex,
				`identifiers.${key}`,
				'only email, phone_number and uuid are default identifiers; put other identifiers under "custom"',
			);
		}
		const value = identifierValue(node, itemIndex, `identifiers.${key}`, raw);
		if (value !== undefined) identifiers[key] = value;
	}
	const customInput = { ...(isPlainObject(input.identifiers?.custom) ? input.identifiers.custom : {}), ...input.custom };
	const custom: IDataObject = {};
	for (const [key, raw] of Object.entries(customInput)) {
		const value = identifierValue(node, itemIndex, `identifiers.custom.${key}`, raw);
		if (value !== undefined) custom[key] = value;
	}
	if (Object.keys(custom).length > 0) identifiers.custom = custom;

	if (identifiers.email !== undefined && !EMAIL_PATTERN.test(identifiers.email)) {
		throw invalidField(node, itemIndex, 'identifiers.email', `not a valid email address: ${identifiers.email}`);
	}
	if (identifiers.phone_number !== undefined && !PHONE_PATTERN.test(identifiers.phone_number)) {
		throw invalidField(
			node,
			itemIndex,
			'identifiers.phone_number',
			`not an E.164 phone number (e.g. +6598765432): ${identifiers.phone_number}`,
		);
	}
	if (Object.keys(identifiers).length > 0) address.identifiers = identifiers;
	if (address.insider_id === undefined && address.identifiers === undefined) {
		throw invalidField(
			node,
			itemIndex,
			'identifiers',
			'no identifier: give an Insider ID, an email, a phone number, a UUID or a custom identifier',
		);
	}
	return address;
}

/** Checks events against the service's rules and returns them in its shape. */
export function buildEvents(node: INode, itemIndex: number, input: unknown, field = 'events'): InsiderEvent[] {
	if (input === undefined || input === null) return [];
	if (!Array.isArray(input)) throw invalidField(node, itemIndex, field, 'must be a list of events');
	return input.map((raw, position) => {
		const at = `${field}.${position}`;
		if (!isPlainObject(raw)) throw invalidField(node, itemIndex, at, 'must be an object with event_name and timestamp');
		const name = raw.event_name;
		if (typeof name !== 'string' || !EVENT_NAME_PATTERN.test(name)) {
			throw invalidField(
				node,
				itemIndex,
				`${at}.event_name`,
				`invalid event name ${JSON.stringify(name)}: it must start with a lowercase letter or digit and contain only letters, digits, ".", "_" and "-"`,
			);
		}
		const timestamp = raw.timestamp;
		if (typeof timestamp !== 'string' || !RFC3339_PATTERN.test(timestamp)) {
			throw invalidField(
				node,
				itemIndex,
				`${at}.timestamp`,
				`must be an RFC 3339 date-time such as 2024-01-10T21:35:20Z, got ${JSON.stringify(timestamp)}`,
			);
		}
		const params = raw.event_params;
		if (params !== undefined && params !== null && !isPlainObject(params)) {
			throw invalidField(node, itemIndex, `${at}.event_params`, 'must be an object');
		}
		for (const required of REQUIRED_EVENT_PARAMS[name] ?? []) {
			const value = (params as IDataObject | undefined)?.[required];
			if (value === undefined || value === null || value === '') {
				throw invalidField(node, itemIndex, `${at}.event_params.${required}`, `${required} is required on ${name} events`);
			}
		}
		const event: InsiderEvent = { ...raw, event_name: name, timestamp };
		if (params === null) delete event.event_params;
		return event;
	});
}

/** Keys that keep two requests about one user in order under concurrency. */
export function addressKeys(address: UserAddress): string[] {
	const keys: string[] = [];
	if (address.insider_id) keys.push(`iid:${address.insider_id}`);
	for (const [key, value] of Object.entries(address.identifiers ?? {})) {
		if (key === 'custom' && value && typeof value === 'object') {
			for (const [name, customValue] of Object.entries(value)) keys.push(`c.${name}:${String(customValue)}`);
		} else {
			keys.push(`${key}:${String(value)}`);
		}
	}
	return keys;
}
