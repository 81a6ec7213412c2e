import { describe, expect, it } from 'vitest';

import { CsvFormatError, readCsv } from '../../../nodes/shared/csv';

async function all(source: Parameters<typeof readCsv>[0], options?: Parameters<typeof readCsv>[1]) {
	const rows = [];
	for await (const row of readCsv(source, options)) rows.push(row);
	return rows;
}

/** Splits text into chunks of `size` bytes, cutting through records, quotes and multi-byte characters. */
function* chunks(text: string, size: number) {
	const bytes = Buffer.from(text, 'utf8');
	for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

const tricky =
	'\ufeffline_uid,display_name,note,cl_custom_tier\r\n' +
	'U1,"Lin, Mei","first line\nsecond ""quoted"" line",gold\r\n' +
	'U2,山田太郎,สวัสดี,\r\n' +
	'U3,"",plain,silver\r\n';

describe('readCsv', () => {
	it('reads a header row, BOM, CRLF, quoted commas, quotes and newlines, and non-ASCII text', async () => {
		expect(await all(tricky)).toEqual([
			{ line_uid: 'U1', display_name: 'Lin, Mei', note: 'first line\nsecond "quoted" line', cl_custom_tier: 'gold' },
			{ line_uid: 'U2', display_name: '山田太郎', note: 'สวัสดี', cl_custom_tier: '' },
			{ line_uid: 'U3', display_name: '', note: 'plain', cl_custom_tier: 'silver' },
		]);
	});

	it('gives the same rows whatever the chunk boundaries, down to one byte', async () => {
		const expected = await all(tricky);
		for (const size of [1, 2, 3, 7, 64]) expect(await all(chunks(tricky, size))).toEqual(expected);
	});

	it('reads from an async stream', async () => {
		async function* stream() {
			yield* chunks(tricky, 5);
		}
		expect(await all(stream())).toHaveLength(3);
	});

	it('stops at the row limit', async () => {
		expect((await all(chunks(tricky, 4), { limit: 2 })).map((row) => row.line_uid)).toEqual(['U1', 'U2']);
	});

	it('renames columns', async () => {
		const rows = await all(tricky, { renameColumn: (name) => name.replace(/^cl_custom_/, '') });
		expect(Object.keys(rows[0])).toEqual(['line_uid', 'display_name', 'note', 'tier']);
	});

	it('returns nothing for an empty file or a header alone', async () => {
		expect(await all('')).toEqual([]);
		expect(await all('a,b\r\n')).toEqual([]);
	});

	it('names the line of a malformed row', async () => {
		const broken = 'a,b\n1,2\n3,"unterminated\n4,5\n';
		await expect(all(broken)).rejects.toBeInstanceOf(CsvFormatError);
		const wrongWidth = 'a,b\n1,2\n3,4,5\n';
		await expect(all(wrongWidth)).rejects.toThrow(/line 3/);
	});
});
