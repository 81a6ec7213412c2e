// Crescendo Lab fake, following ../shared/vendors/crescendo-lab.md §9 ("Simulator notes"): the Profile API
// (`apikey`, under /cdh/v1) and MAAC OpenAPI v1 (Bearer, under /openapi/v1) over one contact store, with
// the 15-requests-per-minute window, one running import and one running export at a time, the
// pending → processing → done task machine, all-or-nothing row validation, both merge semantics, and
// CSV exports served from the fake itself. Every inferred behaviour is a knob.
import { Readable } from 'node:stream';

import type { SandboxRequest, SandboxResponse, VendorContext, VendorModule } from './core.mts';
import { json, seededRandom, SlidingWindow } from './core.mts';

/** The sandbox's known Profile API key (the `crescendoLabApi` credential's fields, base URL aside). */
export const credentials = { apiKey: 'sandbox-crescendo-profile-key', region: 'tw' };
/** The sandbox's known MAAC v1 token (the `crescendoLabMaacApi` credential's fields, base URL aside). */
export const maacCredentials = { accessToken: 'sandbox-crescendo-maac-token', region: 'tw' };
/** Keys issued for the Japan region: refused while the fake plays the Taiwan host, and the reverse (§2). */
export const japanCredentials = { apiKey: 'sandbox-crescendo-profile-key-jp', accessToken: 'sandbox-crescendo-maac-token-jp', region: 'jp' };

const PROFILE_KEYS: Record<string, string> = {
	[credentials.apiKey]: 'tw',
	[japanCredentials.apiKey]: 'jp',
};
const MAAC_TOKENS: Record<string, string> = {
	[maacCredentials.accessToken]: 'tw',
	[japanCredentials.accessToken]: 'jp',
};

export interface CrescendoKnobs {
	/** Import/export POSTs allowed per window per credential (§6). */
	rateLimit: number;
	/** Window length in vendor milliseconds; scaled by the time scale (§9.3). */
	rateWindowMs: number;
	/** `Retry-After` seconds sent with a rate-limit 429 (inferred, §9.3), scaled and rounded up. */
	retryAfterSeconds: number;
	/** Whether status GETs count against the window (the vendor does not list them as limited, §6). */
	countStatusPolls: boolean;
	/**
	 * The answer to a second import/export while one runs: 429 by default, 409 the alternative, or a 400
	 * whose message says a task is running (all undocumented, §0 and §8).
	 */
	busyStatus: 409 | 429 | 400;
	/**
	 * Whether the Profile API routes end with a slash (`/member/import/`, as the design notes show, §0). The
	 * fake serves only this form: the other answers 404, as an exact router would. Inferred.
	 */
	profileTrailingSlash: boolean;
	/** Whether MAAC's mismatch file starts with a header row (its layout is not documented, §5B B2). */
	mismatchCsvHeader: boolean;
	/**
	 * Profile fields this account does not have although the node knows them (accounts differ, §4.2): the
	 * task fails with them in `useless_fields`, as for any unknown field. Not a vendor default.
	 */
	disabledFields: string[];
	/** Rows per import (§6). */
	maxRows: number;
	/** Request body cap in bytes and the status over it (413 or 400, inferred §9.5). */
	maxBodyBytes: number;
	bodyTooLargeStatus: 413 | 400;
	/** Task timing in vendor milliseconds: pending, then processing per 1,000 rows (§9.6). */
	pendingMs: number;
	processingMsPer1000: number;
	/** Export file retention (7 days, §6) and the status after it (404 or 410, inferred §9.10). */
	exportRetentionMs: number;
	expiredStatus: 404 | 410;
	/** Whether export CSVs start with a UTF-8 byte-order mark (inferred). */
	exportBom: boolean;
	/** The region the fake plays; keys of the other region get 401 (inferred status, §2). */
	region: 'tw' | 'jp';
	/**
	 * Export files served wrong, by task ID, for bad-download tests: an HTML page with status 200, a 404, or
	 * a CSV whose third line has an unclosed quote. Not a vendor knob.
	 */
	brokenExports?: Record<string, 'html' | 'notFound' | 'brokenRow'>;
	/** Replaces the contact store (seeding for export tests); not a vendor knob. */
	contacts?: Array<Record<string, unknown>>;
	/**
	 * Benchmarks: exports serve this many generated contacts instead of the store, written row by row as
	 * the client reads, so a file of a million rows never sits in the sandbox's memory. Not a vendor knob.
	 */
	generatedExport?: GeneratedExport | null;
}

export interface GeneratedExport {
	rows: number;
	/** Total columns, the profile fields included; the rest are `cl_custom_*` text, number and date fields. */
	columns: number;
	seed?: number;
}

const DEFAULT_KNOBS: CrescendoKnobs = {
	rateLimit: 15,
	rateWindowMs: 60_000,
	retryAfterSeconds: 4,
	countStatusPolls: false,
	busyStatus: 429,
	profileTrailingSlash: true,
	mismatchCsvHeader: false,
	disabledFields: [],
	maxRows: 10_000,
	maxBodyBytes: 10 * 1024 * 1024,
	bodyTooLargeStatus: 413,
	pendingMs: 1_000,
	processingMsPer1000: 1_000,
	exportRetentionMs: 7 * 24 * 3600_000,
	expiredStatus: 410,
	exportBom: true,
	region: 'tw',
};

type Surface = 'profileApi' | 'maacApi';

/** Profile fields (§4.2) in the order the export writes them; custom `cl_custom_*` columns follow. */
export const EXPORT_COLUMNS = [
	'line_uid',
	'customer_id',
	'connect_id',
	'display_name',
	'full_name',
	'display_email',
	'display_mobile',
	'gender',
	'birthday',
	'region',
	'city',
	'address',
	'company',
	'member_level',
	'note',
	'tags',
	'created_at',
	'updated_at',
];
const PROFILE_IMPORT_KEYS = ['line_uid', 'display_email', 'display_mobile', 'connect_id', 'customer_id'];
const PROFILE_WRITABLE = new Set(EXPORT_COLUMNS.filter((c) => c !== 'created_at' && c !== 'updated_at'));
const MAAC_IMPORT_KEYS = ['line_uid', 'customer_id', 'email', 'mobile'];
/** MAAC v1 column → store field (`line_display_name` is kept as the display name, inferred). */
const MAAC_FIELD_MAP: Record<string, string> = {
	line_uid: 'line_uid',
	line_display_name: 'display_name',
	email: 'display_email',
	mobile: 'display_mobile',
	customer_id: 'customer_id',
	gender: 'gender',
	birthday: 'birthday',
	tags: 'tags',
};
const GENDERS: Record<Surface, string[]> = { profileApi: ['male', 'female', 'unknown', 'others'], maacApi: ['male', 'female'] };
const LINE_UID = /^U[0-9a-f]{32}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const MOBILE = /^\+\d{6,15}$/;

export type Contact = Record<string, unknown> & { tags: string[] };

interface Task {
	id: number;
	kind: 'import' | 'export';
	surface: Surface;
	credential: string;
	createdAt: number;
	startedAt: number;
	doneAt: number;
	rows: Array<Record<string, unknown>>;
	importKey?: string;
	tags?: string[];
	result?: Record<string, unknown>;
	applied: boolean;
	/** Export: the CSV as of creation (exports may be stale, §9.10). */
	csv?: string;
	/** Export of generated contacts, written while it is downloaded (the `generatedExport` knob). */
	generated?: GeneratedExport;
	file?: string;
	expiresAt?: number;
}

/** ISO-8601 with microseconds and a +08:00 offset, as in the vendor examples (§9.12). */
export function taipeiTime(ms: number): string {
	const shifted = new Date(ms + 8 * 3600_000).toISOString().replace('Z', '');
	return `${shifted}000+08:00`;
}

function csvField(value: unknown): string {
	const text = value === undefined || value === null ? '' : String(value);
	return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One export row per contact, as strings, the way the CSV writes them. */
export function exportRow(contact: Contact, columns: string[]): Record<string, string> {
	const row: Record<string, string> = {};
	for (const column of columns) {
		const value = column === 'tags' ? contact.tags.join(',') : contact[column];
		row[column] = value === undefined || value === null ? '' : String(value);
	}
	return row;
}

export function exportColumns(contacts: Contact[]): string[] {
	const custom = new Set<string>();
	for (const contact of contacts) for (const key of Object.keys(contact)) if (key.startsWith('cl_custom_')) custom.add(key);
	return [...EXPORT_COLUMNS, ...[...custom].sort()];
}

export function toCsv(contacts: Contact[]): string {
	const columns = exportColumns(contacts);
	const lines = [columns.join(',')];
	for (const contact of contacts) {
		const row = exportRow(contact, columns);
		lines.push(columns.map((column) => csvField(row[column])).join(','));
	}
	return `${lines.join('\r\n')}\r\n`;
}

/** Local Taiwan numbers become E.164 (§9.9). */
function normaliseMobile(value: string): string {
	const compact = value.replace(/[\s-]/g, '');
	return /^09\d{8}$/.test(compact) ? `+886${compact.slice(1)}` : compact;
}

const WORDS = ['north', 'garden', 'silver', 'harbour', 'maple', 'river', 'lantern', 'copper', 'meadow', 'summit', 'cedar', 'orbit', 'velvet', 'prairie', 'falcon', 'amber'];
const CITIES = ['Taipei', 'Kaohsiung', 'Taichung', 'Tainan', 'Hsinchu', 'Keelung', 'Chiayi', 'Yilan'];

/** The columns of a generated export: the profile fields, then custom fields up to `columns`. */
export function generatedColumns(columns: number): string[] {
	const custom = Array.from({ length: Math.max(0, columns - EXPORT_COLUMNS.length) }, (_, i) => {
		const kind = ['text', 'score', 'date', 'flag'][i % 4];
		return `cl_custom_${kind}_${String(i).padStart(2, '0')}`;
	});
	return [...EXPORT_COLUMNS, ...custom].slice(0, Math.max(columns, 1));
}

const POOL_SIZE = 251;

/**
 * Values of one column for generated rows: a pool of realistic strings built once per export, so a
 * million-row file costs little more than writing it. Row-unique fields (IDs, email, mobile) are made per row.
 */
function columnPool(column: string, index: number, seed: number): string[] {
	const random = seededRandom(seed * 7_919 + index);
	const word = () => WORDS[Math.floor(random() * WORDS.length)];
	const title = (text: string) => `${text[0].toUpperCase()}${text.slice(1)}`;
	const day = () => new Date(Date.UTC(2020, 0, 1) + Math.floor(random() * 1800) * 86_400_000).toISOString().slice(0, 10);
	return Array.from({ length: POOL_SIZE }, (_, n) => {
		switch (column) {
			case 'display_name':
			case 'full_name':
				return `${title(word())} ${title(word())}`;
			case 'gender':
				return ['male', 'female', 'unknown', 'others'][n % 4];
			case 'birthday':
				return day();
			case 'region':
				return 'TW';
			case 'city':
				return CITIES[n % CITIES.length];
			case 'address':
				return `"${1 + Math.floor(random() * 300)} ${title(word())} Rd., ${CITIES[n % CITIES.length]}"`;
			case 'tags':
				return `"${word()},${word()}"`;
			case 'member_level':
				return ['bronze', 'silver', 'gold', 'platinum'][n % 4];
			case 'created_at':
			case 'updated_at':
				return `${day()}T08:00:00.000000+08:00`;
			default:
				if (column.includes('_score_')) return String(Math.floor(random() * 100_000));
				if (column.includes('_date_')) return day();
				if (column.includes('_flag_')) return random() < 0.5 ? 'true' : 'false';
				return `${word()} ${word()} ${word()}`;
		}
	});
}

type RowWriter = (row: number) => string;

const ROW_UNIQUE: Record<string, (row: number) => string> = {
	line_uid: (row) => `U${row.toString(16).padStart(32, '0')}`,
	customer_id: (row) => `C${String(row).padStart(9, '0')}`,
	connect_id: (row) => `cn-${(Math.imul(row, 2654435761) >>> 0).toString(36)}`,
	display_email: (row) => `${WORDS[row % WORDS.length]}.${row}@example.com`,
	display_mobile: (row) => `+8869${String(row % 100_000_000).padStart(8, '0')}`,
};
/** Pool sizes of consecutive pooled columns (primes, so rows combine the runs in many ways). */
const RUN_POOLS = [251, 241, 239, 233, 229, 227, 223, 211];
const RUN_COLUMNS = 12;

/**
 * Writes generated rows as CSV lines; the same row and seed always give the same line. Runs of pooled
 * columns are joined once per pool entry, so a row is a handful of concatenations, not one per column.
 */
export function generatedRowWriter(columns: string[], seed = 1): RowWriter {
	const parts: Array<(row: number) => string> = [];
	let run: string[][] = [];
	const closeRun = () => {
		if (run.length === 0) return;
		const size = RUN_POOLS[parts.length % RUN_POOLS.length];
		const joined = Array.from({ length: size }, (_, n) => run.map((pool) => pool[n % POOL_SIZE]).join(','));
		const step = 2 * parts.length + 1;
		parts.push((row) => joined[(Math.imul(row, step) >>> 0) % size]);
		run = [];
	};
	columns.forEach((column, index) => {
		const unique = ROW_UNIQUE[column];
		if (unique) {
			closeRun();
			parts.push(unique);
			return;
		}
		run.push(columnPool(column, index, seed));
		if (run.length === RUN_COLUMNS) closeRun();
	});
	closeRun();
	return (row) => {
		let line = parts[0](row);
		for (let i = 1; i < parts.length; i++) line += `,${parts[i](row)}`;
		return line;
	};
}

/** Streams a generated export: the header, then rows written only as fast as the reader takes them. */
export function generatedCsv(spec: GeneratedExport, bom: boolean): Readable {
	const columns = generatedColumns(spec.columns);
	const write = generatedRowWriter(columns, spec.seed);
	let row = 0;
	let headerSent = false;
	return new Readable({
		read() {
			const lines: string[] = [];
			if (!headerSent) {
				headerSent = true;
				lines.push((bom ? '\uFEFF' : '') + columns.join(','));
			}
			// About 64 KB per push at ~1 KB per row.
			for (let n = 0; n < 64 && row < spec.rows; n++, row++) lines.push(write(row));
			if (lines.length > 0) this.push(`${lines.join('\r\n')}\r\n`);
			if (row >= spec.rows) this.push(null);
		},
	});
}

export function create(): VendorModule {
	let knobs: CrescendoKnobs = { ...DEFAULT_KNOBS };
	let ctx: VendorContext | undefined;
	let contacts = new Map<number, Contact>();
	let tasks: Task[] = [];
	let nextContactId = 1;
	let nextTaskId = 1001;
	let window = new SlidingWindow(knobs.rateLimit, knobs.rateWindowMs);
	let downloadsWithCredential = 0;

	const now = () => ctx?.now() ?? Date.now();
	const scale = (ms: number) => (ctx ? ctx.scale(ms) : ms);

	const seed = (rows: Array<Record<string, unknown>>) => {
		contacts = new Map();
		nextContactId = 1;
		for (const row of rows) {
			const id = nextContactId++;
			const stamp = taipeiTime(now());
			const tags = Array.isArray(row.tags) ? row.tags.map(String) : typeof row.tags === 'string' && row.tags ? row.tags.split(',') : [];
			contacts.set(id, { created_at: stamp, updated_at: stamp, ...row, tags });
		}
	};

	const statusOf = (task: Task, at: number): string => (at < task.startedAt ? 'pending' : at < task.doneAt ? 'processing' : 'done');

	/** An index of the store by one field, built once per task so large imports stay linear. */
	const indexBy = (field: string) => {
		const index = new Map<string, number>();
		for (const [id, contact] of contacts) {
			const value = contact[field];
			if (value !== undefined && value !== null && !index.has(String(value))) index.set(String(value), id);
		}
		return {
			find: (value: string): [number, Contact] | undefined => {
				const id = index.get(value);
				return id === undefined ? undefined : [id, contacts.get(id)!];
			},
			add: (value: string, id: number) => index.set(value, id),
		};
	};

	/** All-or-nothing row validation; returns the failure body, or undefined when every row is valid (§9.7). */
	const validate = (task: Task): Record<string, unknown> | undefined => {
		const key = task.importKey!;
		const counters = { blank_error: 0, duplicate_error: 0, gender_error: 0, mobile_error: 0, birthday_error: 0, line_uid_error: 0 };
		const useless = new Set<string>();
		const seen = new Set<string>();
		let keyColumnSeen = false;
		for (const row of task.rows) {
			if (key in row) keyColumnSeen = true;
			const keyValue = row[key];
			if (keyValue === undefined || keyValue === null || String(keyValue).trim() === '') counters.blank_error++;
			else if (seen.has(String(keyValue))) counters.duplicate_error++;
			else seen.add(String(keyValue));
			for (const [field, value] of Object.entries(row)) {
				const known =
					task.surface === 'maacApi'
						? field in MAAC_FIELD_MAP
						: (PROFILE_WRITABLE.has(field) || field.startsWith('cl_custom_')) && !knobs.disabledFields.includes(field);
				if (!known) useless.add(field);
				if (value === null || value === undefined || value === '') continue;
				if (field === 'gender' && !GENDERS[task.surface].includes(String(value))) counters.gender_error++;
				if (field === 'birthday' && (!DATE.test(String(value)) || Number.isNaN(Date.parse(String(value))))) counters.birthday_error++;
				if ((field === 'mobile' || field === 'display_mobile') && !MOBILE.test(normaliseMobile(String(value)))) counters.mobile_error++;
				if (field === 'line_uid' && !LINE_UID.test(String(value))) counters.line_uid_error++;
			}
		}
		const missFields = keyColumnSeen ? [] : [key];
		const failed = Object.values(counters).some((n) => n > 0) || useless.size > 0 || missFields.length > 0;
		if (!failed) return undefined;
		return { success: false, ...counters, miss_fields: missFields, useless_fields: [...useless].sort() };
	};

	const applyImport = (task: Task) => {
		const failure = validate(task);
		const times = { start_time: taipeiTime(task.startedAt), end_time: taipeiTime(task.doneAt) };
		if (failure) {
			task.result = failure;
			return;
		}
		let created = 0;
		let updated = 0;
		const mismatched: string[] = [];
		const stamp = taipeiTime(task.doneAt);
		const keyIndex = indexBy(task.surface === 'profileApi' ? task.importKey! : MAAC_FIELD_MAP[task.importKey!]);
		for (const source of task.rows) {
			if (task.surface === 'profileApi') {
				// Upsert: a value overwrites, null clears, an absent field stays (§9.8 A).
				const keyValue = String(source[task.importKey!]);
				const keyField = task.importKey!;
				const value = keyField === 'display_mobile' ? normaliseMobile(keyValue) : keyValue;
				let found = keyIndex.find(value);
				if (!found) {
					const id = nextContactId++;
					found = [id, { created_at: stamp, updated_at: stamp, tags: [] }];
					contacts.set(id, found[1]);
					keyIndex.add(value, id);
					created++;
				} else updated++;
				const contact = found[1];
				for (const [field, raw] of Object.entries(source)) {
					if (field === 'tags') {
						if (Array.isArray(raw)) for (const tag of raw.map(String)) if (!contact.tags.includes(tag)) contact.tags.push(tag);
						continue;
					}
					if (raw === null) delete contact[field];
					else contact[field] = field === 'display_mobile' ? normaliseMobile(String(raw)) : raw;
				}
				for (const tag of task.tags ?? []) if (!contact.tags.includes(tag)) contact.tags.push(tag);
				contact.updated_at = stamp;
			} else {
				// MAAC v1: only non-empty values overwrite, tags only grow, unknown contacts are mismatches (§9.8 B).
				const keyField = MAAC_FIELD_MAP[task.importKey!];
				const raw = String(source[task.importKey!]);
				const found = keyIndex.find(keyField === 'display_mobile' ? normaliseMobile(raw) : raw);
				if (!found || found[1].status === 'blocked') {
					mismatched.push(raw);
					continue;
				}
				updated++;
				const contact = found[1];
				for (const [column, value] of Object.entries(source)) {
					const field = MAAC_FIELD_MAP[column];
					if (column === 'tags') {
						if (Array.isArray(value)) for (const tag of value.map(String)) if (!contact.tags.includes(tag)) contact.tags.push(tag);
						continue;
					}
					if (value === null || value === undefined || value === '') continue;
					contact[field] = field === 'display_mobile' ? normaliseMobile(String(value)) : value;
				}
				for (const tag of task.tags ?? []) if (!contact.tags.includes(tag)) contact.tags.push(tag);
				contact.updated_at = stamp;
			}
		}
		task.result = {
			success: true,
			tags: task.tags ?? [],
			total_num: task.rows.length,
			created_num: created,
			updated_num: updated,
			mismatch_num: mismatched.length,
			...times,
		};
		if (task.surface === 'maacApi' && task.importKey === 'line_uid' && mismatched.length > 0) {
			task.file = `mismatch-${task.id}.csv`;
			task.csv = `${knobs.mismatchCsvHeader ? 'line_uid\r\n' : ''}${mismatched.join('\r\n')}\r\n`;
			task.result.mismatch_export_link = `${ctx?.baseUrl() ?? ''}/files/${task.file}`;
		}
	};

	/**
	 * Moves tasks along their timers; finished imports change the store in task order. A handler that also
	 * reads the time passes the same instant, so a task it reports as done has been finished here.
	 */
	const advance = (at = now()) => {
		for (const task of tasks) {
			if (task.applied || at < task.doneAt) continue;
			task.applied = true;
			if (task.kind === 'import') applyImport(task);
			else task.expiresAt = task.doneAt + scale(knobs.exportRetentionMs);
		}
	};

	const running = (kind: Task['kind']) => tasks.some((task) => task.kind === kind && !task.applied && now() < task.doneAt);

	/** Checks the credential of a surface; answers 401 with the vendor's body shape when it is wrong (§9.2). */
	const authenticate = (req: SandboxRequest, surface: Surface): { credential: string } | SandboxResponse => {
		if (surface === 'profileApi') {
			const key = String(req.headers.apikey ?? '');
			const region = PROFILE_KEYS[key];
			if (!key) return json(401, { detail: 'Missing API key' });
			if (!region) return json(401, { detail: 'Invalid API key' });
			if (region !== knobs.region) return json(401, { detail: 'This API key belongs to another region' });
			return { credential: key };
		}
		const header = String(req.headers.authorization ?? '');
		const match = /^Bearer (.+)$/.exec(header);
		if (!match) return json(401, { detail: 'Authentication credentials were not provided.' });
		const region = MAAC_TOKENS[match[1]];
		if (!region) return json(401, { detail: 'Invalid token.' });
		if (region !== knobs.region) return json(401, { detail: 'Invalid token for this region.' });
		return { credential: match[1] };
	};

	const isAuthFailure = (value: { credential: string } | SandboxResponse): value is SandboxResponse => 'status' in value;

	/** The per-credential window on task-starting POSTs (§9.3). */
	const rateCheck = (credential: string): SandboxResponse | undefined => {
		const verdict = window.hit(credential, now());
		if (verdict.ok) return undefined;
		const seconds = Math.max(1, Math.ceil(Math.max(knobs.retryAfterSeconds * (ctx?.timeScale ?? 1), verdict.retryAfterMs / 1000)));
		return json(429, { detail: 'Too many requests' }, { 'retry-after': String(seconds) });
	};

	/** A bad request in the surface's own error shape: Django REST for MAAC, FastAPI for CDH (§8). */
	const badRequest = (surface: Surface, message: string, loc: string[]): SandboxResponse =>
		surface === 'maacApi'
			? json(400, { detail: message })
			: json(422, { detail: [{ loc: ['body', ...loc], msg: message, type: 'value_error' }] });

	const startImport = (surface: Surface) => (req: SandboxRequest): SandboxResponse => {
		advance();
		const auth = authenticate(req, surface);
		if (isAuthFailure(auth)) return auth;
		const limited = rateCheck(auth.credential);
		if (limited) return limited;
		if (running('import')) return json(knobs.busyStatus, { detail: 'Another import task is running; try again later' });
		if (!/^application\/json\b/i.test(String(req.headers['content-type'] ?? ''))) {
			return badRequest(surface, 'the request body must be JSON (Content-Type: application/json)', []);
		}
		if (req.rawBody.length > knobs.maxBodyBytes) {
			return json(knobs.bodyTooLargeStatus, { detail: `Request body exceeds ${knobs.maxBodyBytes} bytes` });
		}
		if (req.bodyError) return json(400, { detail: `Malformed JSON: ${req.bodyError}` });
		const body = (req.body ?? {}) as Record<string, unknown>;
		const keys = surface === 'maacApi' ? MAAC_IMPORT_KEYS : PROFILE_IMPORT_KEYS;
		if (typeof body.import_key !== 'string' || !keys.includes(body.import_key)) {
			return badRequest(surface, `import_key must be one of ${keys.join(', ')}`, ['import_key']);
		}
		if (!Array.isArray(body.data) || body.data.length === 0) return badRequest(surface, 'data must be a non-empty list', ['data']);
		if (body.data.length > knobs.maxRows) {
			return badRequest(surface, `data may hold at most ${knobs.maxRows} rows`, ['data']);
		}
		if (body.tags !== undefined && (!Array.isArray(body.tags) || body.tags.some((tag) => typeof tag !== 'string'))) {
			return badRequest(surface, 'tags must be a list of text', ['tags']);
		}
		// The request has three documented fields (§5B B1); anything else is refused, not ignored.
		const extra = Object.keys(body).find((name) => !['import_key', 'data', 'tags'].includes(name));
		if (extra !== undefined) return badRequest(surface, `unknown field ${extra}`, [extra]);
		const badRow = body.data.findIndex((row) => row === null || typeof row !== 'object' || Array.isArray(row));
		if (badRow >= 0) return badRequest(surface, `data[${badRow}] must be an object`, ['data', String(badRow)]);
		const badTags = body.data.findIndex(
			(row) => (row as Record<string, unknown>).tags !== undefined && !Array.isArray((row as Record<string, unknown>).tags),
		);
		if (badTags >= 0) return badRequest(surface, `data[${badTags}].tags must be a list`, ['data', String(badTags), 'tags']);
		const at = now();
		const startedAt = at + scale(knobs.pendingMs);
		const task: Task = {
			id: nextTaskId++,
			kind: 'import',
			surface,
			credential: auth.credential,
			createdAt: at,
			startedAt,
			doneAt: startedAt + scale((knobs.processingMsPer1000 * body.data.length) / 1000),
			rows: body.data as Array<Record<string, unknown>>,
			importKey: body.import_key,
			tags: (body.tags as unknown[] | undefined)?.map(String),
			applied: false,
		};
		tasks.push(task);
		return surface === 'maacApi' ? json(200, { id: task.id, result: 'start importing' }) : json(200, { task_id: task.id });
	};

	const statusCheck = (req: SandboxRequest, surface: Surface): { credential: string } | SandboxResponse => {
		const auth = authenticate(req, surface);
		if (isAuthFailure(auth)) return auth;
		if (knobs.countStatusPolls) {
			const limited = rateCheck(auth.credential);
			if (limited) return limited;
		}
		return auth;
	};

	const importStatus = (surface: Surface) => (req: SandboxRequest): SandboxResponse => {
		const at = now();
		advance(at);
		const auth = statusCheck(req, surface);
		if (isAuthFailure(auth)) return auth;
		const task = tasks.find((t) => t.kind === 'import' && String(t.id) === req.params.taskId && t.surface === surface);
		if (!task || task.credential !== auth.credential) return json(404, { detail: 'Not Found' });
		const status = statusOf(task, at);
		const body: Record<string, unknown> =
			surface === 'maacApi' ? { category: 'import_member', status } : { task_id: task.id, status };
		body.created_at = taipeiTime(task.createdAt);
		body.updated_at = taipeiTime(Math.min(at, status === 'done' ? task.doneAt : at));
		if (status === 'done') body.result = task.result;
		return json(200, body);
	};

	const startExport = (req: SandboxRequest): SandboxResponse => {
		advance();
		const auth = authenticate(req, 'profileApi');
		if (isAuthFailure(auth)) return auth;
		const limited = rateCheck(auth.credential);
		if (limited) return limited;
		// Exports are gated like imports, independently of them (inferred, §9.4).
		if (running('export')) return json(knobs.busyStatus, { detail: 'Another export task is running; try again later' });
		if (req.bodyError) return json(400, { detail: `Malformed JSON: ${req.bodyError}` });
		const filter = (req.body ?? {}) as Record<string, unknown>;
		const generated = knobs.generatedExport ?? undefined;
		let rows = generated ? [] : [...contacts.values()];
		if (filter.updated_at_min !== undefined) {
			if (typeof filter.updated_at_min !== 'string' || !DATE.test(filter.updated_at_min)) {
				return badRequest('profileApi', 'updated_at_min must be YYYY-MM-DD', ['updated_at_min']);
			}
			const min = filter.updated_at_min;
			rows = rows.filter((contact) => String(contact.updated_at ?? '').slice(0, 10) >= min);
		}
		const at = now();
		const startedAt = at + scale(knobs.pendingMs);
		const task: Task = {
			id: nextTaskId++,
			kind: 'export',
			surface: 'profileApi',
			credential: auth.credential,
			createdAt: at,
			startedAt,
			doneAt: startedAt + scale((knobs.processingMsPer1000 * Math.max(generated?.rows ?? rows.length, 1)) / 1000),
			rows: [],
			applied: false,
			// Snapshot at creation: the file may be older than the store when it is downloaded (§9.10).
			csv: generated ? undefined : (knobs.exportBom ? '\uFEFF' : '') + toCsv(rows),
			generated: generated ? { ...generated } : undefined,
			file: `export-${nextTaskId - 1}-${Math.floor((ctx?.random() ?? Math.random()) * 1e9)}.csv`,
		};
		tasks.push(task);
		return json(200, { task_id: task.id });
	};

	const exportStatus = (req: SandboxRequest): SandboxResponse => {
		const at = now();
		advance(at);
		const auth = statusCheck(req, 'profileApi');
		if (isAuthFailure(auth)) return auth;
		const task = tasks.find((t) => t.kind === 'export' && String(t.id) === req.params.taskId);
		if (!task || task.credential !== auth.credential) return json(404, { detail: 'Not Found' });
		const status = statusOf(task, at);
		const done = status === 'done';
		return json(200, {
			task_id: task.id,
			status,
			download_url: done ? `${ctx?.baseUrl() ?? ''}/files/${task.file}` : null,
			expires_at: done && task.expiresAt ? taipeiTime(task.expiresAt) : null,
			created_at: taipeiTime(task.createdAt),
			updated_at: taipeiTime(done ? task.doneAt : at),
		});
	};

	/** Signed file links need no credential; one that arrives with it is counted, so tests can catch leaks. */
	const download = (req: SandboxRequest): SandboxResponse => {
		advance();
		if (req.headers.apikey || req.headers.authorization) downloadsWithCredential++;
		const task = tasks.find((t) => t.file === req.params.file && t.applied);
		if (!task || (task.csv === undefined && !task.generated)) return json(404, { detail: 'Not Found' });
		if (task.expiresAt !== undefined && now() > task.expiresAt) return json(knobs.expiredStatus, { detail: 'The file has expired' });
		if (task.generated) return { status: 200, raw: generatedCsv(task.generated, knobs.exportBom), contentType: 'text/csv; charset=utf-8' };
		if (task.csv === undefined) return json(404, { detail: 'Not Found' });
		const broken = knobs.brokenExports?.[String(task.id)];
		if (broken === 'notFound') return json(404, { detail: 'Not Found' });
		if (broken === 'html') {
			return { status: 200, raw: '<!doctype html><html><body><h1>Sign in</h1></body></html>', contentType: 'text/html; charset=utf-8' };
		}
		if (broken === 'brokenRow') {
			const lines = task.csv.split('\n');
			lines.splice(2, 0, '"unclosed,quote,row');
			return { status: 200, raw: lines.join('\n'), contentType: 'text/csv; charset=utf-8' };
		}
		// Served in small chunks, so clients meet records split across reads.
		const bytes = Buffer.from(task.csv, 'utf8');
		const parts: Buffer[] = [];
		for (let offset = 0; offset < bytes.length; offset += 16 * 1024) parts.push(bytes.subarray(offset, offset + 16 * 1024));
		return { status: 200, raw: Readable.from(parts), contentType: 'text/csv; charset=utf-8' };
	};

	/**
	 * `PATCH /cdh/v1/member`, the route derived from the documented operation ID (§0, §5A), which the
	 * credential test calls. The key is checked first (401); then a body that names no profile by one of the
	 * unify keys is refused in FastAPI's shape (422), and nothing changes. The body beyond that is inferred.
	 */
	const updateProfile = (req: SandboxRequest): SandboxResponse => {
		advance();
		const auth = authenticate(req, 'profileApi');
		if (isAuthFailure(auth)) return auth;
		if (req.bodyError) return json(422, { detail: [{ loc: ['body'], msg: `Malformed JSON: ${req.bodyError}`, type: 'value_error.jsondecode' }] });
		const body = (req.body ?? {}) as Record<string, unknown>;
		const key = PROFILE_IMPORT_KEYS.find((name) => typeof body[name] === 'string' && body[name] !== '');
		if (!key) {
			return json(422, { detail: [{ loc: ['body'], msg: `one of ${PROFILE_IMPORT_KEYS.join(', ')} is required`, type: 'value_error.missing' }] });
		}
		const found = indexBy(key).find(String(body[key]));
		if (!found) return json(404, { detail: 'Not Found' });
		for (const [field, value] of Object.entries(body)) if (PROFILE_WRITABLE.has(field) && field !== 'tags') found[1][field] = value;
		found[1].updated_at = taipeiTime(now());
		return json(200, found[1]);
	};

	/**
	 * Serves a Profile API route in the configured slash form only; the other form answers 404 with FastAPI's
	 * body, so a client sending the wrong form is told, never silently served (§0).
	 */
	const profileRoute = (withSlash: boolean, handler: (req: SandboxRequest) => SandboxResponse) => (req: SandboxRequest) =>
		withSlash === knobs.profileTrailingSlash ? handler(req) : json(404, { detail: 'Not Found' });
	const profileRoutes = [true, false].flatMap((withSlash) => {
		const end = withSlash ? '/' : '';
		return [
			{ method: 'POST', path: `/cdh/v1/member/import${end}`, handler: profileRoute(withSlash, startImport('profileApi')) },
			{ method: 'GET', path: `/cdh/v1/member/import/:taskId${end}`, handler: profileRoute(withSlash, importStatus('profileApi')) },
			{ method: 'POST', path: `/cdh/v1/member/export${end}`, handler: profileRoute(withSlash, startExport) },
			{ method: 'GET', path: `/cdh/v1/member/export/:taskId${end}`, handler: profileRoute(withSlash, exportStatus) },
		];
	});

	/** MAAC v1 contact listing (B3): pages of 300 with an opaque `next` token, a 400 on a malformed date. */
	const listMembers = (req: SandboxRequest): SandboxResponse => {
		advance();
		const auth = authenticate(req, 'maacApi');
		if (isAuthFailure(auth)) return auth;
		for (const name of ['updated_at_min', 'updated_at_max']) {
			const value = req.query.get(name);
			if (value !== null && !DATE.test(value)) return json(400, { detail: `${name} must be YYYY-MM-DD` });
		}
		let rows = [...contacts.entries()];
		const filters: Array<[string, string]> = [
			['line_uid', 'line_uid'],
			['email', 'display_email'],
			['mobile', 'display_mobile'],
			['customer_id', 'customer_id'],
		];
		for (const [param, field] of filters) {
			const value = req.query.get(param);
			if (value !== null) rows = rows.filter(([, contact]) => contact[field] === value);
		}
		const start = Number(Buffer.from(req.query.get('start') ?? '', 'base64url').toString() || 0);
		const page = rows.slice(start, start + 300).map(([id, contact]) => ({
			member_id: id,
			line_uid: contact.line_uid ?? null,
			display_name: contact.display_name ?? null,
			email: contact.display_email ?? null,
			mobile: contact.display_mobile ?? null,
			customer_id: contact.customer_id ?? null,
			gender: contact.gender ?? 'unknown',
			birthday: contact.birthday ?? null,
			tags: contact.tags,
			created_at: contact.created_at,
			updated_at: contact.updated_at,
		}));
		const body: Record<string, unknown> = { results: page };
		if (start + 300 < rows.length) body.next = Buffer.from(String(start + 300)).toString('base64url');
		return json(200, body);
	};

	return {
		name: 'crescendoLab',
		// Both surfaces answer an unknown path as their web frameworks do: 404 `{"detail": "Not Found"}`.
		unknownRoute: () => json(404, { detail: 'Not Found' }),
		routes: [
			...profileRoutes,
			{ method: 'PATCH', path: '/cdh/v1/member', handler: updateProfile },
			{ method: 'POST', path: '/openapi/v1/member/import/', handler: startImport('maacApi') },
			{ method: 'GET', path: '/openapi/v1/member/import/:taskId/', handler: importStatus('maacApi') },
			{ method: 'GET', path: '/openapi/v1/member/', handler: listMembers },
			{ method: 'GET', path: '/files/:file', handler: download },
		],
		state() {
			const at = now();
			advance(at);
			return {
				contacts: [...contacts.entries()].map(([id, contact]) => ({ id, ...contact })),
				tasks: tasks.map((task) => ({
					id: task.id,
					kind: task.kind,
					surface: task.surface,
					rows: task.kind === 'import' ? task.rows.length : undefined,
					importKey: task.importKey,
					status: statusOf(task, at),
					createdAt: task.createdAt,
					startedAt: task.startedAt,
					doneAt: task.doneAt,
					result: task.result,
				})),
				downloadsWithCredential,
			};
		},
		reset() {
			contacts = new Map();
			tasks = [];
			nextContactId = 1;
			nextTaskId = 1001;
			window.reset();
			downloadsWithCredential = 0;
		},
		configure(next) {
			const { contacts: seedRows, ...rest } = next as Partial<CrescendoKnobs>;
			knobs = { ...knobs, ...rest };
			if (seedRows) seed(seedRows);
			// Adjusted in place: a config call (or a time-scale change) must not forget the requests counted so far.
			window.limit = knobs.rateLimit;
			window.windowMs = scale(knobs.rateWindowMs);
			return { ...knobs };
		},
		attach(context) {
			ctx = context;
			window = new SlidingWindow(knobs.rateLimit, scale(knobs.rateWindowMs));
		},
	};
}
