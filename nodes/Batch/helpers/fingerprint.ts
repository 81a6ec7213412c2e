/**
 * JSON with object keys sorted at every level, so two objects with the same content give the same text
 * whatever order their keys arrived in. Array order is kept: Batch replaces arrays as given.
 */
export function canonicalJson(value: unknown): string {
	if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
	if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
	const keys = Object.keys(value as object)
		.filter((key) => (value as Record<string, unknown>)[key] !== undefined)
		.sort();
	return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`).join(',')}}`;
}

/** 32-bit FNV-1a over UTF-16 code units, from a given offset basis. */
function fnv1a32(text: string, basis: number): number {
	let hash = basis >>> 0;
	for (let i = 0; i < text.length; i++) {
		hash ^= text.charCodeAt(i);
		hash = Math.imul(hash, 0x01000193) >>> 0;
	}
	return hash >>> 0;
}

const hex8 = (n: number) => n.toString(16).padStart(8, '0');

/**
 * A short, stable fingerprint (16 hex characters, two independent FNV-1a hashes) of a value's canonical
 * JSON. Pure TypeScript so the node needs no runtime module; it detects change, it is not a security hash.
 */
export function fingerprint(value: unknown): string {
	const text = canonicalJson(value);
	return hex8(fnv1a32(text, 0x811c9dc5)) + hex8(fnv1a32(text, 0x050c5d1f));
}

/** One attribute value's fingerprint; shorter, as a profile stores one per attribute. */
export function valueFingerprint(value: unknown): string {
	return hex8(fnv1a32(canonicalJson(value), 0x811c9dc5));
}
