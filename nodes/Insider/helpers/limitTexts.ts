import { MAX_REQUEST_BYTES, MAX_USERS_PER_REQUEST } from '../transport';

// Limits as the notices state them, built from the constants in transport.ts so no figure is written twice.

/** A count as the UI writes it, with thousands separated by commas. */
export function count(value: number): string {
	return value.toLocaleString('en-US');
}

/** The batch limits of upsert and attribute delete (§6), in users and megabytes. */
export const USER_BATCH_TEXT = `requests of up to ${count(MAX_USERS_PER_REQUEST)} users and ${MAX_REQUEST_BYTES / 1_000_000} MB`;

const WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'];

/** A small count in words, as the notices write them ("one export a day"); digits above ten. */
export function inWords(value: number): string {
	return WORDS[value] ?? count(value);
}
