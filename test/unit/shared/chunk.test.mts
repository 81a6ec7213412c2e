import { describe, expect, it } from 'vitest';

import { jsonBytes, packChunks } from '../../../nodes/shared/chunk';

describe('packChunks', () => {
	it('returns no chunks for no entries', () => {
		expect(packChunks([], { maxUnits: 10 })).toEqual({ chunks: [], oversize: [] });
	});

	it('keeps one entry in one chunk', () => {
		expect(packChunks([{ a: 1 }], { maxUnits: 10 }).chunks).toEqual([[{ a: 1 }]]);
	});

	it('splits by count exactly at the boundary', () => {
		const entries = Array.from({ length: 2001 }, (_, i) => i);
		const { chunks } = packChunks(entries, { maxUnits: 1000 });
		expect(chunks.map((c) => c.length)).toEqual([1000, 1000, 1]);
		expect(chunks.flat()).toEqual(entries);
	});

	it('fills a request up to exactly the byte cap, counting envelope and commas', () => {
		// Each entry is the string "xxxxxxxx" → 10 bytes of JSON.
		const entries = Array.from({ length: 5 }, () => 'x'.repeat(8));
		const envelope = 2; // [ and ]
		const twoEntries = envelope + 10 + 1 + 10;
		const { chunks } = packChunks(entries, { maxUnits: 100, maxBytes: twoEntries, envelopeBytes: envelope });
		expect(chunks.map((c) => c.length)).toEqual([2, 2, 1]);
		for (const chunk of chunks) expect(jsonBytes(chunk)).toBeLessThanOrEqual(twoEntries);
		// One byte less and only one entry fits per request.
		const tighter = packChunks(entries, { maxUnits: 100, maxBytes: twoEntries - 1, envelopeBytes: envelope });
		expect(tighter.chunks.map((c) => c.length)).toEqual([1, 1, 1, 1, 1]);
	});

	it('reports an entry larger than the byte cap instead of sending it, and packs the rest', () => {
		const entries = ['small', 'y'.repeat(100), 'tiny'];
		const { chunks, oversize } = packChunks(entries, { maxUnits: 10, maxBytes: 50 });
		expect(chunks).toEqual([['small', 'tiny']]);
		expect(oversize).toHaveLength(1);
		expect(oversize[0].entry).toBe(entries[1]);
		expect(oversize[0].reason).toContain('50 bytes');
	});

	it('packs weighted entries without splitting one across requests', () => {
		const entries = [{ n: 600 }, { n: 400 }, { n: 1 }, { n: 999 }, { n: 1000 }, { n: 1001 }];
		const { chunks, oversize } = packChunks(entries, { maxUnits: 1000 }, { units: (e) => e.n });
		expect(chunks.map((c) => c.map((e) => e.n))).toEqual([[600, 400], [1, 999], [1000]]);
		expect(oversize.map((o) => o.entry.n)).toEqual([1001]);
	});

	it('measures multi-byte text in UTF-8 bytes, not characters', () => {
		expect(jsonBytes('日本')).toBe(8);
		const { chunks } = packChunks(['日本', '日本'], { maxUnits: 10, maxBytes: 2 + 8 + 1 + 7 });
		expect(chunks).toHaveLength(2);
	});
});
