// Real-n8n runs of the Crescendo Lab node against the sandbox fake (issue #3 "Done when").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';

import type { Sandbox } from '../../sandbox/index.mts';
import { startSandbox } from '../../sandbox/index.mts';
import { credentials as profileKey, exportColumns, exportRow, maacCredentials } from '../../sandbox/crescendoLab.mts';
import { N8n } from './harness.mts';
import { linearWorkflow } from './workflows.mts';
import { MAX_RUN_DATA_CHARS } from '../../nodes/shared/runData';

/** Sandbox time runs 20× faster: the vendor's 15 per 60 s becomes 15 per 3 s, so the node runs at 300/min. */
const TIME_SCALE = 0.05;
const OPTIONS = { maxRequestsPerMinute: 300, pollIntervalSeconds: 0.25, firstCheckSeconds: 0.25, maxWaitSeconds: 120 };
const CREDENTIAL = { id: 'crescendoSandbox01', name: 'Crescendo Lab sandbox' };
const MAAC_CREDENTIAL = { id: 'crescendoMaacSbx01', name: 'Crescendo Lab MAAC sandbox' };
const uid = (n: number) => `U${n.toString(16).padStart(32, '0')}`;
const CONTACTS = 25_000;

let sandbox: Sandbox;
let n8n: N8n;

const crescendoLab = () => sandbox.control('crescendoLab');

beforeAll(async () => {
	sandbox = await startSandbox({ only: ['crescendoLab'], ports: 'random', timeScale: TIME_SCALE });
	n8n = N8n.create();
	const baseUrl = sandbox.vendor('crescendoLab').url;
	await n8n.importCredentials([
		{ ...CREDENTIAL, type: 'crescendoLabApi', data: { ...sandbox.credentials.crescendoLab, baseUrl } },
		{ ...MAAC_CREDENTIAL, type: 'crescendoLabMaacApi', data: { ...maacCredentials, baseUrl } },
	]);
});

afterAll(async () => {
	n8n?.dispose();
	await sandbox?.close();
});

describe('Crescendo Lab in real n8n', () => {
	it('imports 25,000 contacts as 3 tasks run one after another, without a 429, and the store equals the input', async () => {
		await crescendoLab().reset();
		const inputCode = `return Array.from({ length: ${CONTACTS} }, (_, i) => ({ json: {
			customer_id: 'crm-' + i,
			display_name: ['陳大文', '山田太郎', 'สมชาย', 'Zoë, "Z"'][i % 4] + ' ' + i,
			display_email: 'user' + i + '@example.com',
			gender: i % 3 === 0 ? 'female' : 'male',
			note: i % 1000 === 0 ? 'first line\\nsecond line' : '',
		} }));`;
		const workflow = linearWorkflow({
			id: 'crescendoImport25k',
			inputCode,
			nodes: [
				{
					name: 'Crescendo Lab',
					type: 'crescendoLab',
					parameters: {
						authentication: 'profileApi',
						resource: 'contact',
						operation: 'import',
						importKey: 'customer_id',
						columns: { mappingMode: 'autoMapInputData', value: null },
						options: OPTIONS,
					},
					credentials: { crescendoLabApi: CREDENTIAL },
				},
			],
		});
		const run = await n8n.run(workflow);
		expect(run.status, run.logs.slice(-3000)).toBe('success');

		const out = run.items('Crescendo Lab');
		expect(out).toHaveLength(CONTACTS);
		out.forEach((item, i) => {
			expect(item.pairedItem).toEqual({ item: i });
			expect(item.json.keyValue).toBe(`crm-${i}`);
			expect(item.json.outcome).toBe('imported');
		});
		const perTask = new Map<string, number>();
		for (const item of out) perTask.set(item.json.taskId, (perTask.get(item.json.taskId) ?? 0) + 1);
		expect([...perTask.values()]).toEqual([10_000, 10_000, 5_000]);

		const state = await crescendoLab().state();
		const stats = await crescendoLab().stats();
		expect(state.tasks.map((t: any) => [t.rows, t.status, t.result.success])).toEqual([
			[10_000, 'done', true],
			[10_000, 'done', true],
			[5_000, 'done', true],
		]);
		for (let i = 1; i < state.tasks.length; i++) expect(state.tasks[i].createdAt).toBeGreaterThanOrEqual(state.tasks[i - 1].doneAt);
		expect(stats.byStatus['429'] ?? 0).toBe(0);
		expect(stats.byStatus['409'] ?? 0).toBe(0);
		expect(stats.byRoute['POST /cdh/v1/member/import/']).toBe(3);

		// The store equals the input: empty notes were skipped (never sent), so those contacts have none.
		expect(state.contacts).toHaveLength(CONTACTS);
		const names = ['陳大文', '山田太郎', 'สมชาย', 'Zoë, "Z"'];
		state.contacts.forEach((contact: any, i: number) => {
			const { id, created_at, updated_at, tags, ...fields } = contact;
			expect(fields).toEqual({
				customer_id: `crm-${i}`,
				display_name: `${names[i % 4]} ${i}`,
				display_email: `user${i}@example.com`,
				gender: i % 3 === 0 ? 'female' : 'male',
				...(i % 1000 === 0 ? { note: 'first line\nsecond line' } : {}),
			});
			expect(tags).toEqual([]);
		});
		expect(run.logs).not.toContain(profileKey.apiKey);
		console.log(
			`[crescendo e2e] ${CONTACTS} contacts: node ${run.executionTime('Crescendo Lab')} ms, ` +
				`${stats.requests} vendor requests (${JSON.stringify(stats.byRoute)})`,
		);
	});

	it('exports the store to items and to a CSV file, routes bad import items to the error output, and imports over MAAC v1', async () => {
		await crescendoLab().reset();
		const seed = [
			{ customer_id: 'q1', display_name: '王小明, "Ming"', note: 'line one\nline two\r\nline three', cl_custom_points: '12', tags: ['vip', 'tw'] },
			{ customer_id: 'q2', display_name: '山田太郎', city: '東京', cl_custom_tier: 'gold' },
			{ customer_id: 'q3', display_name: 'สมชาย ใจดี', city: 'กรุงเทพมหานคร', address: '"quoted" street, 5' },
			{ line_uid: uid(1), display_name: 'LINE friend', tags: ['line'] },
			...Array.from({ length: 2000 }, (_, i) => ({ customer_id: `s${i}`, display_email: `s${i}@example.com`, note: `row ${i}, with a comma` })),
		];
		await crescendoLab().configure({ knobs: { contacts: seed } });
		const profile = { authentication: 'profileApi', resource: 'contact' };
		const workflow = linearWorkflow({
			id: 'crescendoExport',
			inputItems: [{}],
			nodes: [
				{
					name: 'Export Items',
					type: 'crescendoLab',
					parameters: { ...profile, operation: 'export', output: 'items', options: OPTIONS },
					credentials: { crescendoLabApi: CREDENTIAL },
				},
				{
					name: 'Export File',
					type: 'crescendoLab',
					parameters: { ...profile, operation: 'export', output: 'binary', binaryPropertyName: 'data', options: { ...OPTIONS, fileName: 'contacts.csv' } },
					credentials: { crescendoLabApi: CREDENTIAL },
					after: { node: 'Input' },
				},
				{
					name: 'Read File',
					type: 'n8n-nodes-base.code',
					typeVersion: 2,
					parameters: {
						jsCode: "const buffer = await this.helpers.getBinaryDataBuffer(0, 'data');\nreturn [{ json: { base64: buffer.toString('base64'), fileName: $input.first().binary.data.fileName } }];",
					},
				},
				{
					name: 'Bad Input',
					type: 'n8n-nodes-base.code',
					typeVersion: 2,
					parameters: {
						jsCode: "return [{ json: { customer_id: 'ok-1' } }, { json: { display_name: 'no key' } }, { json: { customer_id: 'ok-2', birthday: '2024-13-45x' } }, { json: { customer_id: 'ok-3' } }];",
					},
					after: { node: 'Input' },
				},
				{
					name: 'Import Mixed',
					type: 'crescendoLab',
					parameters: {
						...profile,
						operation: 'import',
						importKey: 'customer_id',
						columns: { mappingMode: 'autoMapInputData', value: null },
						options: OPTIONS,
					},
					credentials: { crescendoLabApi: CREDENTIAL },
					onError: 'continueErrorOutput',
				},
				{
					name: 'LINE Input',
					type: 'n8n-nodes-base.code',
					typeVersion: 2,
					parameters: {
						jsCode: `return [{ json: { line_uid: '${uid(1)}', email: 'friend@example.com', mobile: '0912345678' } }, { json: { line_uid: '${uid(2)}' } }];`,
					},
					after: { node: 'Input' },
				},
				{
					name: 'MAAC Import',
					type: 'crescendoLab',
					parameters: {
						authentication: 'maacApi',
						resource: 'contact',
						operation: 'import',
						importKey: 'line_uid',
						columns: { mappingMode: 'autoMapInputData', value: null },
						options: { ...OPTIONS, tags: 'n8n' },
					},
					credentials: { crescendoLabMaacApi: MAAC_CREDENTIAL },
				},
			],
		});
		const run = await n8n.run(workflow);
		expect(run.status, run.logs.slice(-3000)).toBe('success');

		// The store, less the contacts the imports in this run created or changed (the exports may have run
		// before or after them).
		const state = await crescendoLab().state();
		const untouched = (c: any) => !String(c.customer_id).startsWith('ok-') && c.line_uid !== uid(1);
		const seeded = state.contacts.filter(untouched);
		const columns = exportColumns(seeded);
		const expected = seeded.map((contact: any) => exportRow(contact, columns));
		expect(expected).toHaveLength(seed.length - 1);

		const rows = run.items('Export Items').map((item) => item.json).filter(untouched);
		expect(rows).toEqual(expected);
		expect(rows[0]).toMatchObject({ display_name: '王小明, "Ming"', note: 'line one\nline two\r\nline three', tags: 'vip,tw', cl_custom_points: '12' });

		const [file] = run.items('Export File');
		expect(file.binary?.data).toMatchObject({ fileName: 'contacts.csv', mimeType: 'text/csv' });
		const [read] = run.items('Read File');
		const text = Buffer.from(read.json.base64, 'base64').toString('utf8');
		expect((parse(text, { bom: true, columns: true }) as any[]).filter(untouched)).toEqual(expected);
		expect(state.downloadsWithCredential).toBe(0);
		expect(state.tasks.filter((t: any) => t.kind === 'export')).toHaveLength(2);

		const imported = run.items('Import Mixed', 0);
		const failed = run.items('Import Mixed', 1);
		expect(imported.map((i) => [i.json.keyValue, i.pairedItem])).toEqual([
			['ok-1', { item: 0 }],
			['ok-3', { item: 3 }],
		]);
		expect(failed.map((i) => [i.json.error, i.pairedItem])).toEqual([
			['Item 1, field "customer_id": is empty; every contact needs a value for the import key', { item: 1 }],
			['Item 2, field "birthday": must be a date written YYYY-MM-DD', { item: 2 }],
		]);

		// MAAC v1 through n8n's own credential signing (Bearer), with the mismatch file read without it.
		const maac = run.items('MAAC Import').map((item) => item.json);
		expect(maac).toMatchObject([
			{ keyValue: uid(1), outcome: 'imported', taskResult: { success: true, updated_num: 1, mismatch_num: 1 } },
			{ keyValue: uid(2), outcome: 'notMatched' },
		]);
		const friend = state.contacts.find((c: any) => c.line_uid === uid(1));
		expect(friend).toMatchObject({ display_name: 'LINE friend', display_email: 'friend@example.com', display_mobile: '+886912345678', tags: ['line', 'n8n'] });
		expect(state.tasks.find((t: any) => t.surface === 'maacApi')).toMatchObject({ importKey: 'line_uid', rows: 2 });
		expect(run.logs).not.toContain(profileKey.apiKey);
		expect(run.logs).not.toContain(maacCredentials.accessToken);
	});
});

describe('Crescendo Lab awkward input in real n8n (#18.1, #18.7)', () => {
	it('an unknown CSV column fails only its items, naming it, before the task starts; "Leave the Field Out" sends the rest', async () => {
		await crescendoLab().reset();
		await crescendoLab().configure({ knobs: { contacts: [{ customer_id: 'maac-known', display_name: 'Known' }] } });
		const csvRows = "[{ id: 1, customer_id: 'csv-1', display_name: 'Row one' }, { id: 2, customer_id: 'csv-2' }, { customer_id: 'csv-3', display_name: 'No id' }]";
		const importNode = (name: string, options: Record<string, unknown>) => ({
			name,
			type: 'crescendoLab',
			parameters: {
				authentication: 'profileApi',
				resource: 'contact',
				operation: 'import',
				importKey: 'customer_id',
				columns: { mappingMode: 'autoMapInputData', value: null },
				options: { ...OPTIONS, ...options },
			},
			credentials: { crescendoLabApi: CREDENTIAL },
			onError: 'continueErrorOutput' as const,
			after: { node: 'Input' },
		});
		const workflow = linearWorkflow({
			id: 'crescendoAwkwardInput',
			inputCode: `return ${csvRows}.map((json) => ({ json }));`,
			nodes: [
				importNode('Refuse Unknown', {}),
				importNode('Leave Out Unknown', { unknownFields: 'omit' }),
				{
					name: 'MAAC Input',
					type: 'n8n-nodes-base.code',
					typeVersion: 2,
					parameters: { jsCode: "return [{ json: { customer_id: 'maac-known' } }, { json: { customer_id: 'maac-stranger' } }];" },
					after: { node: 'Input' },
				},
				{
					name: 'MAAC by Customer ID',
					type: 'crescendoLab',
					parameters: {
						authentication: 'maacApi',
						resource: 'contact',
						operation: 'import',
						importKey: 'customer_id',
						columns: { mappingMode: 'autoMapInputData', value: null },
						options: OPTIONS,
					},
					credentials: { crescendoLabMaacApi: MAAC_CREDENTIAL },
				},
			],
		});
		const run = await n8n.run(workflow);
		expect(run.status, run.logs.slice(-3000)).toBe('success');

		// #18.1 default: the items with "id" fail on "id" (not on customer_id), the other is imported.
		const refused = run.items('Refuse Unknown', 1).map((item) => [item.json.error, item.pairedItem]);
		expect(refused).toEqual([
			[expect.stringMatching(/^Item 0, field "id": the Profile API import has no such field/), { item: 0 }],
			[expect.stringMatching(/^Item 1, field "id": the Profile API import has no such field/), { item: 1 }],
		]);
		expect(run.items('Refuse Unknown', 0).map((item) => [item.json.keyValue, item.json.outcome])).toEqual([['csv-3', 'imported']]);
		// "Leave the Field Out": every row imported, the dropped field named on its items.
		const omitted = run.items('Leave Out Unknown', 0).map((item) => [item.json.keyValue, item.json.outcome, item.json.omittedFields ?? null]);
		expect(omitted).toEqual([
			['csv-1', 'imported', ['id']],
			['csv-2', 'imported', ['id']],
			['csv-3', 'imported', null],
		]);
		const state = await crescendoLab().state();
		const profileTasks = state.tasks.filter((t: any) => t.surface === 'profileApi');
		// No task ever carried the unknown field: both succeeded.
		expect(profileTasks.map((t: any) => [t.rows, t.result.success]).sort()).toEqual([
			[1, true],
			[3, true],
		]);

		// #18.7: MAAC v1 with customer_id gives no per-contact result: "submitted" with the counters, never "imported".
		const maac = run.items('MAAC by Customer ID').map((item) => item.json);
		expect(maac).toMatchObject([
			{ keyValue: 'maac-known', outcome: 'submitted', taskResult: { success: true, updated_num: 1, mismatch_num: 1 } },
			{ keyValue: 'maac-stranger', outcome: 'submitted', taskResult: { mismatch_num: 1 } },
		]);
		expect(maac[0].reason).toMatch(/reports only counters/);
	});
});

describe('Crescendo Lab export too large for items in real n8n (#16.6)', () => {
	it('fails the item with the estimated size and the ways out, and n8n finishes the run instead of dying', async () => {
		await crescendoLab().reset();
		// More rows than MAX_RUN_DATA_CHARS holds (about 3.3 KB of run data per row of 100 columns).
		const rows = Math.ceil((MAX_RUN_DATA_CHARS / 3_000) * 1.1);
		await crescendoLab().configure({ knobs: { generatedExport: { rows, columns: 100 }, pendingMs: 100, processingMsPer1000: 1 } });
		const workflow = linearWorkflow({
			id: 'crescendoExportTooLarge',
			inputCode: 'return [{ json: {} }];',
			nodes: [
				{
					name: 'Export Items',
					type: 'crescendoLab',
					parameters: { authentication: 'profileApi', resource: 'contact', operation: 'export', output: 'items', options: { ...OPTIONS, limit: rows } },
					credentials: { crescendoLabApi: CREDENTIAL },
					onError: 'continueErrorOutput' as const,
				},
			],
		});
		const run = await n8n.run(workflow);
		await crescendoLab().configure({ knobs: { generatedExport: null } });
		expect(run.exitCode, run.logs.slice(-3000)).toBe(0);
		expect(run.logs).not.toMatch(/Invalid string length/);
		expect(run.items('Export Items', 0)).toHaveLength(0);
		const [failed] = run.items('Export Items', 1);
		expect(failed.json.error).toMatch(/^Item 0: export task \d+ is too large to output as items: after [\d,]+ rows the items already hold about \d+ MB of run data, more than n8n can save/);
		expect(JSON.stringify(failed.json)).toMatch(/CSV File \(Binary\).*Max Rows/);
	});
});
