// docs/errors.md promises the fields of an error item; this checks the items the engine builds against
// that table, for every kind of error the nodes report.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { ExpressionError } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';

import { invalidField, rejectedItem, requestFailed } from '../../../nodes/shared/errors';
import { errorJson } from '../../../nodes/shared/results';
import { VendorHttpError, VendorNetworkError } from '../../../nodes/shared/transport';
import { fakeContext } from '../../helpers/fakeContext.mts';

/** The json's keys as the page names them: `error`, `details`, `details.itemIndex`, … */
function keysOf(json: Record<string, unknown>): string[] {
	return Object.entries(json).flatMap(([key, value]) =>
		key === 'details' ? [key, ...Object.keys(value as object).map((inner) => `${key}.${inner}`)] : [key],
	);
}

function documentedFields(): { always: string[]; all: string[] } {
	const page = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'errors.md'), 'utf8');
	const table = page.slice(page.indexOf('## What an error item holds'));
	const rows = [...table.matchAll(/^\| `([\w.]+)` \| (yes|where [^|]+) \|/gm)];
	return { all: rows.map((row) => row[1]), always: rows.filter((row) => row[2] === 'yes').map((row) => row[1]) };
}

describe('error items match docs/errors.md', () => {
	const node = fakeContext().getNode();
	const expression = new ExpressionError("Referenced node doesn't exist");
	expression.context.parameter = 'email';
	const kinds: Record<string, Error> = {
		'bad input': invalidField(node, 2, 'email', 'is not a valid email address'),
		'a failed parameter': requestFailed(node, expression, 2),
		'a per-item refusal': rejectedItem(node, 2, 'unknown attribute', 'attributes.shoe', 'INVALID_ATTRIBUTE'),
		'an HTTP error': requestFailed(node, new VendorHttpError(400, { error_code: 'MALFORMED' }, 'The service answered 400'), 2),
		'a network error': requestFailed(node, new VendorNetworkError('The request failed after 6 attempts: ECONNRESET', 'ECONNRESET', 6), 2),
	};
	const { all, always } = documentedFields();

	it('the page documents the fields', () => {
		expect(all).toEqual([
			'error',
			'details',
			'details.itemIndex',
			'details.field',
			'details.httpCode',
			'details.vendorCode',
			'details.description',
		]);
		expect(always).toEqual(['error', 'details', 'details.itemIndex']);
	});

	it.each(Object.entries(kinds))('%s holds only documented fields, the always-present ones included', (_, error) => {
		const json = errorJson(error, 2);
		const keys = keysOf(json);
		for (const key of keys) expect(all).toContain(key);
		for (const key of always) expect(keys).toContain(key);
		expect(json.details).toMatchObject({ itemIndex: 2 });
		expect(String(json.error)).toMatch(/^Item 2\b/);
		// Only these keys let n8n 2 send the item to the error output by its json.
		expect(Object.keys(json).sort()).toEqual(['details', 'error']);
	});

	it('fills field, httpCode and vendorCode where they are known', () => {
		const details = (kind: string) => errorJson(kinds[kind], 2).details;
		expect(details('bad input')).toMatchObject({ field: 'email' });
		expect(details('a failed parameter')).toMatchObject({ field: 'email' });
		expect(details('a per-item refusal')).toMatchObject({ field: 'attributes.shoe', vendorCode: 'INVALID_ATTRIBUTE' });
		expect(details('an HTTP error')).toMatchObject({ httpCode: '400', vendorCode: 'MALFORMED' });
	});
});

describe('each node page describes its error items with the documented fields only', () => {
	const docs = join(__dirname, '..', '..', '..', 'docs');
	const { all } = documentedFields();
	it.each(['crescendo-lab', 'talon-one', 'synerise', 'insider', 'batch'])('%s', (page) => {
		const text = readFileSync(join(docs, `${page}.md`), 'utf8');
		const start = text.indexOf('### Error items');
		expect(start).toBeGreaterThan(0);
		const section = text.slice(start, text.indexOf('\n## ', start) === -1 ? undefined : text.indexOf('\n## ', start));
		expect(section).toContain('(errors.md)');
		// Every field the section says it sets is one the page documents.
		for (const [, field] of section.matchAll(/`([\w.]+)` (?:is set|is not set|whenever|where)/g)) expect(all).toContain(field);
		// No page promises an ad-hoc error shape any more.
		expect(text).not.toMatch(/\{ ?"?error"?[:,]/);
	});
});
