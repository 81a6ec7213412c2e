// Fake of Insider's Unified Customer Database API (reference: shared/vendors/insider.md, §9 "Simulator
// notes"). In-memory users with identifiers, attributes and events; the upsert validation and merge rules;
// profile reads with a unit quota; raw exports delivered to a callback URL and served for 24 hours; the
// attribute, identifier, profile and PII deletions; per-endpoint sliding-window limits answering 429; both
// error envelope families. Knobs (via `configure`) cover the limits and every "(inferred)" variant.
import { randomUUID } from 'node:crypto';

import type { Route, SandboxRequest, SandboxResponse, VendorContext, VendorModule } from './core.mts';
import { json, SlidingWindow } from './core.mts';

export const credentials = { partnerName: 'sandboxpartner', requestToken: 'sandbox-insider-token-7f3a9c' };

type Dict = Record<string, any>;

export interface InsiderUser {
	insider_id: string;
	identifiers: { email?: string; phone_number?: string; uuid?: string; custom?: Dict };
	attributes: Dict & { custom?: Dict };
	events: Array<{ event_name: string; timestamp: string; event_params?: Dict }>;
	anonymous?: boolean;
}

export interface InsiderKnobs {
	partner: string;
	tokens: string[];
	revokedTokens: string[];
	/** Route patterns (e.g. `POST /api/user/v1/delete`) the token has no access to → 403. */
	deniedRoutes: string[];
	/** `forbidden`: wrong partner or token → 403 (the upsert page); `specific`: 400 partner / 401 token (§3). */
	authFailure: 'forbidden' | 'specific';
	maxBodyBytes: number;
	maxUsersPerRequest: number;
	/** Requests per minute per group (§6); upsert and attribute delete share `userWrite`. */
	rateLimits: Record<'userWrite' | 'identityUpdate' | 'identityDelete' | 'userDelete' | 'anonymize' | 'metadata', number>;
	/** Seconds sent in `Retry-After` with a 429 (scaled); null sends none. */
	retryAfterSeconds: number | null;
	profileQuotaUnits: number;
	/**
	 * Cost of one profile read: base plus per requested event type. Insider's sample answers 2.5 units for
	 * three event types (§0); the split into 1 + 0.5 each is inferred (§5.2).
	 */
	profileCostBase: number;
	profileCostPerEvent: number;
	/** Delay before accepted upserts and attribute deletes show in state (eventual consistency). */
	applyDelayMs: number;
	/** Time to build an export before the link is posted to the hook. */
	exportDelayMs: number;
	exportResponse: 'empty' | 'url';
	exportsPerDay: number;
	linkTtlMs: number;
	attributeDeleteResponse: 'envelope' | 'empty';
	/** Deleting an unknown user: 404 no-such-user (inferred) or 200. */
	deleteUnknownUser: 404 | 200;
	/** The next N vendor requests answer 500 with the unknown-error body (§7). */
	fail500: number;
	/** The next N vendor requests answer an edge 502 with an HTML body. */
	failEdge: number;
	/** Post per-user failures of an upsert to its `error_callback_endpoint`. */
	errorCallbacks: boolean;
	/**
	 * Default identifiers the account uses as identifiers (Identity Resolution settings): Delete Attribute
	 * refuses these names for it; the others are plain attributes it may delete (§0).
	 */
	identifierAttributes: string[];
	/** Accept `not_append` at the root of an upsert (some older material; the samples put it per user). */
	rootNotAppend: boolean;
	/** Accept `POST /api/user/v1/delete` with a bare `insider_id` (undocumented; Insider's own node sends it, §0). */
	deleteByInsiderId: boolean;
	segments: Record<string, { type: 'dynamic' | 'static' }>;
	customIdentifiers: string[];
	attributeCatalogue: Array<{ key: string; display_name: string; type: string }>;
	eventCatalogue: Array<{ key: string; display_name: string; params: Array<{ key: string; display_name: string }> }>;
	/**
	 * Files served as given under `/<partner>/p/<name>`, for bad-download tests (a web page behind a link, a
	 * CSV with a broken row). Not a vendor knob.
	 */
	staticFiles: Record<string, { status?: number; contentType: string; body: string }>;
	/**
	 * UUIDs the workspace refuses per user, standing in for service-side rules a client cannot check in
	 * advance (used to exercise per-user rejections). Not a vendor knob.
	 */
	rejectUuids: string[];
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

export const defaultKnobs = (): InsiderKnobs => ({
	partner: credentials.partnerName,
	tokens: [credentials.requestToken],
	revokedTokens: [],
	deniedRoutes: [],
	authFailure: 'forbidden',
	maxBodyBytes: 5_000_000,
	maxUsersPerRequest: 1000,
	rateLimits: { userWrite: 25_000, identityUpdate: 2_000, identityDelete: 1_000, userDelete: 10_000, anonymize: 500, metadata: 1_000 },
	retryAfterSeconds: 1,
	profileQuotaUnits: 1000,
	profileCostBase: 1,
	profileCostPerEvent: 0.5,
	applyDelayMs: 0,
	exportDelayMs: 300,
	exportResponse: 'url',
	exportsPerDay: 1,
	linkTtlMs: DAY,
	attributeDeleteResponse: 'envelope',
	staticFiles: {},
	rejectUuids: [],
	deleteUnknownUser: 404,
	fail500: 0,
	failEdge: 0,
	errorCallbacks: true,
	identifierAttributes: ['email', 'phone_number', 'uuid'],
	deleteByInsiderId: false,
	rootNotAppend: false,
	segments: { '1': { type: 'dynamic' }, '2': { type: 'static' } },
	customIdentifiers: ['user_loyalty_id', 'crm_id'],
	attributeCatalogue: [
		{ key: 'email', display_name: 'Email', type: 'string' },
		{ key: 'phone_number', display_name: 'Phone Number', type: 'string' },
		{ key: 'name', display_name: 'Name', type: 'string' },
		{ key: 'surname', display_name: 'Surname', type: 'string' },
		{ key: 'age', display_name: 'Age', type: 'number' },
		{ key: 'email_optin', display_name: 'Email Opt-in', type: 'boolean' },
		{ key: 'gdpr', display_name: 'GDPR Opt-in', type: 'boolean' },
		{ key: 'city', display_name: 'City', type: 'string' },
		{ key: 'c_loyalty_tier', display_name: 'Loyalty Tier', type: 'string' },
		{ key: 'c_favorite_colors', display_name: 'Favorite Colors', type: 'array' },
	],
	eventCatalogue: [
		{ key: 'purchase', display_name: 'Purchase', params: [{ key: 'product_id', display_name: 'Product ID' }] },
		{ key: 'page_view', display_name: 'Page View', params: [{ key: 'url', display_name: 'URL' }] },
	],
});

// Rules of §4.2 and §4.4, as the service states them in its error keys.
const EMAIL_RULE = '^.+@.+\\..+$';
const PHONE_RULE = '^\\+[1-9]\\d{6,14}$';
const EVENT_NAME_RULE = '^[a-z0-9][a-zA-Z0-9._-]*$';
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const REQUIRED_PARAMS: Record<string, string[]> = {
	purchase: ['event_group_id', 'unit_sale_price', 'currency', 'quantity'],
	cart_page_view: ['event_group_id', 'currency', 'unit_sale_price'],
};
const BOOLEAN_ATTRIBUTES = ['email_optin', 'gdpr_optin', 'sms_optin', 'whatsapp_optin'];
/**
 * Default attributes, which live at the root of `attributes` (§0, §4.3: the upsert and attribute-delete
 * parameter tables of Insider's Postman collection, and the root keys of its samples).
 */
export const DEFAULT_ATTRIBUTES = [
	'age', 'app_version', 'birthday', 'city', 'country', 'email', 'email_optin', 'gdpr_optin', 'gender', 'language',
	'list_id', 'lo', 'name', 'phone_number', 'sms_optin', 'static_segment_id', 'surname', 'uuid', 'whatsapp_optin',
];
const IDENTIFIER_KEYS = ['email', 'phone_number', 'uuid'];
/** Attributes Delete PII removes (§5.8). */
const PII_ATTRIBUTES = ['name', 'surname', 'email', 'phone_number', 'birthday', 'gender', 'age', 'city', 'country', 'uuid'];

const ERR = {
	badRequest: (reason: string) => ({ error: `${reason}: bad request` }),
	noUser: { error: 'no such user for these identifiers: no data' },
	tooMany: { error: 'rejected: too many requests' },
	accessDenied: { success: false, message: 'Access Denied. You do not have sufficient access to perform this action.' },
	partnerInvalid: { success: false, message: 'Partner is invalid.' },
	tokenFailed: { success: false, message: 'Partner token authentication failed.' },
	unknown: { success: false, message: 'The request processing has failed because of an unknown error.' },
	invalidJson: { success: false, message: 'Request data is not in valid JSON format.' },
};

const isObject = (value: unknown): value is Dict => typeof value === 'object' && value !== null && !Array.isArray(value);

function csvCell(value: unknown): string {
	if (value === undefined || value === null) return '';
	const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
	return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

interface ExportJob {
	id: number;
	segmentId: number;
	format: string;
	hook: string;
	file: string;
	url: string;
	requestedAt: number;
	readyAt?: number;
	delivered?: { status?: number; error?: string };
	rows?: Dict[];
	columns?: string[];
}

export function create(): VendorModule {
	let knobs = defaultKnobs();
	let ctx: VendorContext | undefined;
	let users: InsiderUser[] = [];
	let exportsList: ExportJob[] = [];
	let callbacks: Array<{ url: string; payload: unknown; status?: number; error?: string }> = [];
	let successfulExports: Record<string, number> = {};
	let quotaSpent: Array<{ at: number; cost: number }> = [];
	const windows = new Map<string, SlidingWindow>();
	const timers = new Set<ReturnType<typeof setTimeout>>();
	let sequence = 0;

	const now = () => ctx?.now() ?? Date.now();
	const scale = (ms: number) => (ctx ? ctx.scale(ms) : ms);
	const later = (ms: number, run: () => void) => {
		if (ms <= 0) return run();
		const timer = setTimeout(() => {
			timers.delete(timer);
			run();
		}, ms);
		timers.add(timer);
	};

	// ---- users -------------------------------------------------------------------------------------
	const matches = (user: InsiderUser, identifiers: Dict): boolean =>
		Object.entries(identifiers).some(([key, value]) =>
			key === 'custom'
				? isObject(value) && Object.entries(value).some(([name, v]) => user.identifiers.custom?.[name] === v)
				: (user.identifiers as Dict)[key] === value,
		);
	// Lookups by identifier go through an index, so a 20,000-user store answers in linear time.
	let index = new Map<string, InsiderUser>();
	const keysOf = (identifiers: Dict): string[] =>
		Object.entries(identifiers).flatMap(([key, value]) =>
			key === 'custom' && isObject(value) ? Object.entries(value).map(([name, v]) => `c.${name}=${JSON.stringify(v)}`) : [`${key}=${JSON.stringify(value)}`],
		);
	const indexUser = (user: InsiderUser) => {
		index.set(`iid=${user.insider_id}`, user);
		for (const key of keysOf(user.identifiers)) if (!index.has(key)) index.set(key, user);
	};
	const reindex = () => {
		index = new Map();
		users.forEach(indexUser);
	};
	const findUser = (address: Dict): InsiderUser | undefined => {
		// insider_id wins over identifiers when both are given (inferred, §4.1).
		if (typeof address.insider_id === 'string') return index.get(`iid=${address.insider_id}`);
		if (isObject(address.identifiers)) {
			for (const key of keysOf(address.identifiers)) {
				const user = index.get(key);
				if (user && matches(user, address.identifiers)) return user;
			}
		}
		return undefined;
	};
	const hasAddress = (address: Dict) =>
		typeof address.insider_id === 'string' || (isObject(address.identifiers) && Object.keys(address.identifiers).length > 0);

	/** Identifier errors of one user, keyed the service's way (§4.2, §5.1). */
	const identifierErrors = (prefix: string, address: Dict, add: (key: string, message: string) => void) => {
		if (!hasAddress(address)) {
			add(`${prefix}.identifiers.required`, 'either insider_id or idenifiers must be specified');
			return;
		}
		if (!isObject(address.identifiers)) return;
		for (const [key, value] of Object.entries(address.identifiers)) {
			if (key === 'custom') continue;
			if (!IDENTIFIER_KEYS.includes(key)) add(`${prefix}.identifiers.*.in(phone_number,email,uuid)`, 'key must be one of phone_number(pn), email(em) or uuid');
			else if (typeof value !== 'string') add(`${prefix}.identifiers.*.type(string)`, `${key} must be string: ${JSON.stringify(value)}`);
			else if (key === 'email' && !new RegExp(EMAIL_RULE).test(value)) add(`${prefix}.identifiers.*.regexp(${EMAIL_RULE})`, `not a valid email address: ${value}`);
			else if (key === 'phone_number' && !new RegExp(PHONE_RULE).test(value)) add(`${prefix}.identifiers.*.regexp(${PHONE_RULE})`, `user has an invalid phone number: ${value}`);
		}
	};

	const upsertErrors = (user: Dict, i: number): Record<string, string[]> => {
		const errors: Record<string, string[]> = {};
		const add = (key: string, message: string) => (errors[key] ??= []).push(message);
		const prefix = `users.${i}`;
		if (!isObject(user)) {
			add(`${prefix}.type(object)`, 'user must be an object');
			return errors;
		}
		identifierErrors(prefix, user, add);
		const uuid = isObject(user.identifiers) ? user.identifiers.uuid : undefined;
		if (typeof uuid === 'string' && knobs.rejectUuids.includes(uuid)) add(`${prefix}.identifiers.uuid.blocked`, `uuid is blocked in this workspace: ${uuid}`);
		if (user.attributes === undefined && user.events === undefined) add(`${prefix}.attributes.required`, 'either attributes or events must be specified');
		if (user.attributes !== undefined) {
			const attributes = user.attributes;
			if (!isObject(attributes) || Object.keys(attributes).length === 0) add(`${prefix}.attributes.min(1)`, 'attributes must contain at least one attribute');
			else {
				if (attributes.age !== undefined && attributes.age !== null && typeof attributes.age !== 'number') add(`${prefix}.attributes.age.type(number)`, `age must be a number: ${JSON.stringify(attributes.age)}`);
				for (const key of BOOLEAN_ATTRIBUTES) {
					if (attributes[key] !== undefined && attributes[key] !== null && typeof attributes[key] !== 'boolean') add(`${prefix}.attributes.${key}.type(bool)`, `${key} must be a boolean: ${JSON.stringify(attributes[key])}`);
				}
				if (attributes.birthday !== undefined && attributes.birthday !== null && !(typeof attributes.birthday === 'string' && RFC3339.test(attributes.birthday) && attributes.birthday.endsWith('Z'))) {
					add(`${prefix}.attributes.birthday.regexp(rfc3339)`, `birthday must be RFC 3339 ending with Z: ${JSON.stringify(attributes.birthday)}`);
				}
				if (attributes.custom !== undefined && !isObject(attributes.custom)) add(`${prefix}.attributes.custom.type(object)`, 'custom must be an object');
				// A default attribute under `custom` is refused for that user; the key follows the service's
				// `users.<i>.<path>.<rule>` form, the rule name and message are inferred (§5.1).
				for (const key of Object.keys(isObject(attributes.custom) ? attributes.custom : {})) {
					if (DEFAULT_ATTRIBUTES.includes(key)) add(`${prefix}.attributes.custom.*.not_in(defaults_column)`, `${key} is a default attribute, it cannot be sent as a custom attribute`);
				}
			}
		}
		if (user.events !== undefined) {
			if (!Array.isArray(user.events)) add(`${prefix}.events.type(array)`, 'events must be an array');
			else
				user.events.forEach((event: Dict, k: number) => {
					const at = `${prefix}.events.${k}`;
					if (!isObject(event)) return add(`${at}.type(object)`, 'event must be an object');
					if (typeof event.event_name !== 'string' || !new RegExp(EVENT_NAME_RULE).test(event.event_name)) add(`${at}.event_name.regexp(${EVENT_NAME_RULE})`, `invalid event name: ${event.event_name}`);
					if (typeof event.timestamp !== 'string') add(`${at}.timestamp.required`, 'timestamp is required');
					else if (!RFC3339.test(event.timestamp)) add(`${at}.timestamp.regexp(rfc3339)`, `invalid timestamp: ${event.timestamp}`);
					for (const param of REQUIRED_PARAMS[event.event_name] ?? []) {
						const value = isObject(event.event_params) ? event.event_params[param] : undefined;
						if (value === undefined || value === null || value === '') add(`${at}.event_params.*.required`, `${param} parameter is required on ${event.event_name} event`);
					}
				});
		}
		return errors;
	};

	const mergeArray = (current: unknown, incoming: unknown[], replace: boolean): unknown[] => {
		if (replace || !Array.isArray(current)) return [...incoming];
		const out = [...current];
		for (const value of incoming) if (!out.some((existing) => JSON.stringify(existing) === JSON.stringify(value))) out.push(value);
		return out;
	};

	const applyUpsert = (input: Dict, replaceArrays: boolean) => {
		let user = findUser(input);
		if (!user) {
			user = { insider_id: typeof input.insider_id === 'string' ? input.insider_id : randomUUID(), identifiers: {}, attributes: {}, events: [] };
			users.push(user);
		}
		// Upsert adds identifier types the user lacks but never changes an existing one (§1).
		for (const [key, value] of Object.entries(isObject(input.identifiers) ? input.identifiers : {})) {
			if (key === 'custom' && isObject(value)) {
				user.identifiers.custom ??= {};
				for (const [name, v] of Object.entries(value)) user.identifiers.custom[name] ??= v;
			} else if ((user.identifiers as Dict)[key] === undefined) (user.identifiers as Dict)[key] = value;
		}
		const replace = input.append === false ? true : input.append === true ? false : input.not_append === true || replaceArrays;
		const merge = (target: Dict, source: Dict) => {
			for (const [key, value] of Object.entries(source)) {
				if (key === 'custom' && target === user!.attributes) continue;
				target[key] = Array.isArray(value) ? mergeArray(target[key], value, replace) : value;
			}
		};
		if (isObject(input.attributes)) {
			merge(user.attributes, input.attributes);
			if (isObject(input.attributes.custom)) merge((user.attributes.custom ??= {}), input.attributes.custom);
		}
		indexUser(user);
		for (const event of Array.isArray(input.events) ? input.events : []) {
			// Re-sending an identical event does not duplicate it (§8).
			if (!user.events.some((existing) => JSON.stringify(existing) === JSON.stringify(event))) user.events.push(event);
		}
	};

	// ---- reads -------------------------------------------------------------------------------------
	/** A user's attributes as reads and exports name them: `gdpr`, `c_<custom>`, identifiers, `iid` (§4.3). */
	const readableAttributes = (user: InsiderUser): Dict => {
		const out: Dict = {};
		for (const key of IDENTIFIER_KEYS) if ((user.identifiers as Dict)[key] !== undefined) out[key] = (user.identifiers as Dict)[key];
		for (const [key, value] of Object.entries(user.attributes)) {
			if (key === 'custom') continue;
			out[key === 'gdpr_optin' ? 'gdpr' : key] = value;
		}
		for (const [key, value] of Object.entries(user.attributes.custom ?? {})) out[`c_${key}`] = value;
		return out;
	};
	const selectAttributes = (user: InsiderUser, wanted: string[]): Dict => {
		const all = readableAttributes(user);
		if (wanted.includes('*')) return all;
		const out: Dict = {};
		for (const name of wanted) {
			const key = name === 'gdpr_optin' ? 'gdpr' : name;
			if (all[key] !== undefined && all[key] !== null) out[key] = all[key];
		}
		return out;
	};
	const eventTime = (event: { timestamp: string }) => Math.floor(Date.parse(event.timestamp) / 1000);
	const projectEvent = (event: InsiderUser['events'][number], params: string[]): Dict => {
		const out: Dict = {};
		for (const param of params) {
			if (param === 'timestamp') out.created_date = event.timestamp;
			else if (event.event_params?.[param] !== undefined) out[param] = event.event_params[param];
			else if (event.event_params?.custom?.[param] !== undefined) out[param] = event.event_params.custom[param];
		}
		return out;
	};
	const selectionError = (body: Dict): string | undefined => {
		if (body.attributes === undefined && body.events === undefined) return 'attributes or events must be specified';
		if (body.attributes !== undefined && (!Array.isArray(body.attributes) || body.attributes.some((name: unknown) => typeof name !== 'string'))) return 'attributes must be a list of names';
		if (body.events !== undefined) {
			const events = body.events;
			if (!isObject(events) || typeof events.start_date !== 'number' || typeof events.end_date !== 'number' || !Array.isArray(events.wanted)) {
				return 'events needs start_date, end_date and wanted';
			}
			if (events.wanted.some((entry: unknown) => !isObject(entry) || typeof entry.event_name !== 'string' || !Array.isArray(entry.params))) {
				return 'each wanted event needs event_name and params';
			}
		}
		return undefined;
	};

	// ---- exports -----------------------------------------------------------------------------------
	const buildExport = (job: ExportJob, body: Dict) => {
		const wantedAttributes: string[] | undefined = body.attributes;
		const attributeRows = users.map((user) => ({ user, attributes: wantedAttributes ? selectAttributes(user, wantedAttributes) : {} }));
		const attributeColumns: string[] = [];
		for (const { attributes } of attributeRows) for (const key of Object.keys(attributes)) if (!attributeColumns.includes(key)) attributeColumns.push(key);
		const events = isObject(body.events) ? body.events : undefined;
		const eventParams: string[] = [];
		if (events) for (const wanted of events.wanted) for (const param of wanted.params) if (!eventParams.includes(param)) eventParams.push(param);
		const columns = ['iid', ...attributeColumns.map((key) => `a_${key}`), ...(events ? ['e_event_name', ...eventParams.map((param) => `e_${param === 'timestamp' ? 'created_date' : param}`)] : [])];
		const rows: Dict[] = [];
		for (const { user, attributes } of attributeRows) {
			const base: Dict = { iid: user.insider_id };
			for (const key of attributeColumns) base[`a_${key}`] = attributes[key];
			const userEvents = events
				? user.events.filter((event) => {
						const t = eventTime(event);
						return t >= events.start_date && t <= events.end_date && events.wanted.some((wanted: Dict) => wanted.event_name === event.event_name);
					})
				: [];
			if (userEvents.length === 0) rows.push(base);
			for (const event of userEvents) {
				const wanted = events!.wanted.find((entry: Dict) => entry.event_name === event.event_name);
				const projected = projectEvent(event, wanted.params);
				const row: Dict = { ...base, e_event_name: event.event_name };
				for (const [key, value] of Object.entries(projected)) row[`e_${key}`] = value;
				rows.push(row);
			}
		}
		job.columns = columns;
		job.rows = rows;
	};
	const fileBody = (job: ExportJob): { raw: string | Buffer; contentType: string } => {
		const rows = job.rows ?? [];
		const columns = job.columns ?? ['iid'];
		if (job.format === 'json') return { raw: rows.map((row) => JSON.stringify(row)).join('\n') + '\n', contentType: 'application/json' };
		if (job.format === 'parquet') return { raw: Buffer.concat([Buffer.from('PAR1'), Buffer.from(JSON.stringify(rows)), Buffer.from('PAR1')]), contentType: 'application/octet-stream' };
		const lines = [columns.join(','), ...rows.map((row) => columns.map((column) => csvCell(row[column])).join(','))];
		return { raw: lines.join('\r\n') + '\r\n', contentType: 'text/csv' };
	};

	const post = async (url: string, payload: unknown): Promise<{ status?: number; error?: string }> => {
		try {
			const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) });
			await response.arrayBuffer().catch(() => undefined);
			return { status: response.status };
		} catch (error) {
			return { error: (error as Error).message };
		}
	};

	// ---- plumbing ----------------------------------------------------------------------------------
	const group = (route: string): keyof InsiderKnobs['rateLimits'] | undefined => {
		if (route.endsWith('/upsert') || route.endsWith('/attribute/delete')) return 'userWrite';
		if (route === 'PATCH /api/user/v1/identity') return 'identityUpdate';
		if (route === 'DELETE /api/user/v1/identity') return 'identityDelete';
		if (route.endsWith('/user/v1/delete')) return 'userDelete';
		if (route.endsWith('/anonymize')) return 'anonymize';
		if (route.includes('/metadata/')) return 'metadata';
		return undefined;
	};
	const tooMany = (retryAfterMs?: number): SandboxResponse => {
		const headers: Record<string, string> = {};
		if (knobs.retryAfterSeconds !== null) {
			const seconds = Math.max(1, Math.ceil(Math.max(scale(knobs.retryAfterSeconds * 1000), retryAfterMs ?? 0) / 1000));
			headers['retry-after'] = String(seconds);
		}
		return json(429, ERR.tooMany, headers);
	};

	/** Auth, injected failures, content type, JSON, size and the rate limit, in the order the host applies them. */
	const guard = (req: SandboxRequest, options: { body?: boolean } = { body: true }): SandboxResponse | undefined => {
		const partner = String(req.headers['x-partner-name'] ?? '');
		const token = String(req.headers['x-request-token'] ?? '');
		const partnerOk = partner === knobs.partner;
		const tokenOk = knobs.tokens.includes(token) && !knobs.revokedTokens.includes(token);
		if (!partnerOk || !tokenOk) {
			if (knobs.authFailure === 'specific') return !partnerOk ? json(400, ERR.partnerInvalid) : json(401, ERR.tokenFailed);
			return json(403, ERR.accessDenied);
		}
		if (knobs.deniedRoutes.includes(req.route)) return json(403, ERR.accessDenied);
		if (knobs.fail500 > 0) {
			knobs.fail500--;
			return json(500, ERR.unknown);
		}
		if (knobs.failEdge > 0) {
			knobs.failEdge--;
			return { status: 502, raw: '<html><head><title>502 Bad Gateway</title></head><body>cloudflare</body></html>', contentType: 'text/html' };
		}
		if (options.body) {
			const type = String(req.headers['content-type'] ?? '');
			if (req.rawBody.length > 0 && !type.includes('application/json')) return json(400, { error: 'content type must be application/json' });
			if (req.bodyError || (req.rawBody.length > 0 && req.body === undefined)) return json(400, ERR.invalidJson);
			if (req.rawBody.length > knobs.maxBodyBytes) return json(400, { error: `request body is bigger than maximum allowed size ${knobs.maxBodyBytes.toLocaleString('en-US')} bytes` });
		}
		const name = group(req.route);
		if (name) {
			let window = windows.get(name);
			if (!window) windows.set(name, (window = new SlidingWindow(knobs.rateLimits[name], scale(MINUTE))));
			window.limit = knobs.rateLimits[name];
			window.windowMs = scale(MINUTE);
			const hit = window.hit(name, now());
			if (!hit.ok) return tooMany(hit.retryAfterMs);
		}
		return undefined;
	};
	const bodyOf = (req: SandboxRequest): Dict => (isObject(req.body) ? req.body : {});
	/**
	 * Fields each request body may carry (§5, Insider's Postman collection "Insider One APIs"); anything
	 * else is refused with the 400 envelope rather than ignored (message wording inferred, §7).
	 */
	const undocumented = (value: unknown, allowed: string[], at = ''): SandboxResponse | undefined => {
		if (!isObject(value)) return undefined;
		const extra = Object.keys(value).find((key) => !allowed.includes(key));
		return extra === undefined ? undefined : json(400, ERR.badRequest(`${at}${extra} is not an allowed field`));
	};
	const undocumentedInList = (list: unknown, allowed: string[], at: string): SandboxResponse | undefined => {
		if (!Array.isArray(list)) return undefined;
		for (let i = 0; i < list.length; i++) {
			const refused = undocumented(list[i], allowed, `${at}.${i}.`);
			if (refused) return refused;
		}
		return undefined;
	};

	// ---- routes ------------------------------------------------------------------------------------
	const routes: Route[] = [
		{
			method: 'POST',
			path: '/api/user/v1/upsert',
			handler: (req) => {
				const refused = guard(req);
				if (refused) return refused;
				const body = bodyOf(req);
				// `not_append` at the root appears in some older material only (inferred, §5.1): behind a knob.
				const extra =
					undocumented(body, ['users', 'skip_hook', 'error_callback_endpoint', ...(knobs.rootNotAppend ? ['not_append'] : [])]) ??
					undocumentedInList(body.users, ['identifiers', 'insider_id', 'attributes', 'events', 'not_append', 'append'], 'users');
				if (extra) return extra;
				if (!Array.isArray(body.users)) return json(400, ERR.badRequest('users must be defined'));
				if (body.users.length === 0) return json(400, ERR.badRequest('users must contain at least 1 user'));
				if (body.users.length > knobs.maxUsersPerRequest) return json(400, ERR.badRequest(`users must contain at most ${knobs.maxUsersPerRequest} users`));
				const errors: Record<string, string[]> = {};
				const accepted: Dict[] = [];
				body.users.forEach((user: Dict, i: number) => {
					const own = upsertErrors(user, i);
					if (Object.keys(own).length === 0) accepted.push(user);
					else Object.assign(errors, own);
				});
				const failed = body.users.length - accepted.length;
				const replaceArrays = body.not_append === true; // root-level flag some docs show (inferred)
				later(scale(knobs.applyDelayMs), () => accepted.forEach((user) => applyUpsert(user, replaceArrays)));
				if (failed > 0 && knobs.errorCallbacks && typeof body.error_callback_endpoint === 'string') {
					const url = body.error_callback_endpoint;
					const payload = { fail: { count: failed, errors } };
					void post(url, payload).then((outcome) => callbacks.push({ url, payload, ...outcome }));
				}
				return json(200, {
					data: {
						successful: accepted.length > 0 ? { count: accepted.length } : {},
						fail: failed > 0 ? { count: failed, errors } : {},
					},
				});
			},
		},
		{
			method: 'POST',
			path: '/api/user/v1/profile',
			handler: (req) => {
				const refused = guard(req);
				if (refused) return refused;
				const body = bodyOf(req);
				const extra = undocumented(body, ['identifiers', 'insider_id', 'attributes', 'events', 'quota']) ?? undocumented(body.events, ['start_date', 'end_date', 'wanted'], 'events.');
				if (extra) return extra;
				if (!hasAddress(body)) return json(400, ERR.badRequest('either insider_id or idenifiers must be specified'));
				const problem = selectionError(body);
				if (problem) return json(400, ERR.badRequest(problem));
				// A quota of units per minute; cost grows with the event types asked for (inferred, §5.2).
				const cost = knobs.profileCostBase + knobs.profileCostPerEvent * (body.events?.wanted?.length ?? 0);
				const horizon = now() - scale(MINUTE);
				quotaSpent = quotaSpent.filter((entry) => entry.at > horizon);
				const used = quotaSpent.reduce((sum, entry) => sum + entry.cost, 0);
				if (used + cost > knobs.profileQuotaUnits) return tooMany(quotaSpent[0] ? quotaSpent[0].at + scale(MINUTE) - now() : undefined);
				quotaSpent.push({ at: now(), cost });
				const user = findUser(body);
				if (!user) return json(404, ERR.noUser);
				const answer: Dict = {};
				if (body.attributes) answer.attributes = { ...selectAttributes(user, body.attributes), iid: user.insider_id };
				if (body.events) {
					const events: Dict = {};
					for (const wanted of body.events.wanted) {
						const list = user.events
							.filter((event) => event.event_name === wanted.event_name)
							.filter((event) => eventTime(event) >= body.events.start_date && eventTime(event) <= body.events.end_date)
							.map((event) => projectEvent(event, wanted.params));
						if (list.length > 0) events[wanted.event_name] = list;
					}
					answer.events = events;
				}
				if (body.quota === true) answer.quota = { cost, used: used + cost, total: knobs.profileQuotaUnits };
				return json(200, answer);
			},
		},
		{
			method: 'POST',
			path: '/api/raw/v1/export',
			handler: (req) => {
				const refused = guard(req);
				if (refused) return refused;
				const body = bodyOf(req);
				const extra =
					undocumented(body, ['segment', 'attributes', 'events', 'format', 'hook']) ??
					undocumented(body.segment, ['segment_id'], 'segment.') ??
					undocumented(body.events, ['start_date', 'end_date', 'wanted'], 'events.') ??
					undocumentedInList(isObject(body.events) ? body.events.wanted : undefined, ['event_name', 'params', 'filters'], 'events.wanted');
				if (extra) return extra;
				const segmentId = body.segment?.segment_id;
				if (typeof segmentId !== 'number') return json(400, ERR.badRequest('segment.segment_id must be a number'));
				const segment = knobs.segments[String(segmentId)];
				if (!segment) return json(400, ERR.badRequest(`segment ${segmentId} not found`));
				if (segment.type !== 'dynamic') return json(400, ERR.badRequest('only dynamic segments can be exported'));
				if (!['csv', 'parquet', 'json'].includes(body.format)) return json(400, ERR.badRequest('format must be one of csv, parquet, json'));
				if (typeof body.hook !== 'string' || !/^https?:\/\//.test(body.hook)) return json(400, ERR.badRequest('hook must be a URL'));
				const problem = selectionError(body);
				if (problem) return json(400, ERR.badRequest(problem));
				const day = new Date(now()).toISOString().slice(0, 10);
				// One successful export per UTC day; failed requests above did not count (§5.3).
				if ((successfulExports[day] ?? 0) >= knobs.exportsPerDay) return json(429, ERR.tooMany);
				successfulExports[day] = (successfulExports[day] ?? 0) + 1;
				const id = ++sequence;
				const file = `export-${id}.${body.format}`;
				const url = `${ctx?.baseUrl() ?? ''}/${knobs.partner}/p/${file}`;
				const job: ExportJob = { id, segmentId, format: body.format, hook: body.hook, file, url, requestedAt: now() };
				exportsList.push(job);
				later(scale(knobs.exportDelayMs), () => {
					buildExport(job, body);
					job.readyAt = now();
					void post(job.hook, { url: job.url }).then((outcome) => (job.delivered = outcome));
				});
				return knobs.exportResponse === 'url' ? json(200, { url }) : { status: 200 };
			},
		},
		{
			method: 'GET',
			path: '/:partner/p/:file',
			handler: (req) => {
				const fixed = req.params.partner === knobs.partner ? knobs.staticFiles[req.params.file] : undefined;
				if (fixed) return { status: fixed.status ?? 200, raw: fixed.body, contentType: fixed.contentType };
				const job = exportsList.find((entry) => entry.file === req.params.file && req.params.partner === knobs.partner);
				const denied = (text: string): SandboxResponse => ({
					status: 403,
					raw: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>${text}</Message></Error>`,
					contentType: 'application/xml',
				});
				if (!job || job.readyAt === undefined) return { status: 404, raw: '<Error><Code>NoSuchKey</Code></Error>', contentType: 'application/xml' };
				if (now() > job.readyAt + scale(knobs.linkTtlMs)) return denied('Request has expired');
				return { status: 200, ...fileBody(job) };
			},
		},
		{
			method: 'POST',
			path: '/api/user/v1/attribute/delete',
			handler: (req) => {
				const refused = guard(req);
				if (refused) return refused;
				const body = bodyOf(req);
				const extra = undocumented(body, ['users']) ?? undocumentedInList(body.users, ['identifiers', 'insider_id', 'whole', 'partial', 'custom'], 'users');
				if (extra) return extra;
				if (!Array.isArray(body.users)) return json(400, ERR.badRequest('users must be defined'));
				if (body.users.length > knobs.maxUsersPerRequest) return json(400, ERR.badRequest(`users must contain at most ${knobs.maxUsersPerRequest} users`));
				const errors: Record<string, string[]> = {};
				const add = (key: string, message: string) => (errors[key] ??= []).push(message);
				const accepted: Array<{ entry: Dict; user: InsiderUser }> = [];
				body.users.forEach((entry: Dict, i: number) => {
					const before = Object.keys(errors).length;
					identifierErrors(`users.${i}`, entry, add);
					const whole: unknown[] = Array.isArray(entry.whole) ? entry.whole : [];
					for (const name of whole) if (knobs.identifierAttributes.includes(String(name))) add(`users.${i}.whole.*.not_in(identifiers)`, `identifier attributes cannot be deleted: ${name}`);
					const customWhole: unknown[] = isObject(entry.custom) && Array.isArray(entry.custom.whole) ? entry.custom.whole : [];
					const customPartial = isObject(entry.custom) && isObject(entry.custom.partial) ? Object.keys(entry.custom.partial) : [];
					for (const name of [...customWhole, ...customPartial]) {
						if (DEFAULT_ATTRIBUTES.includes(String(name))) add(`users.${i}.custom.*.not_in(defaults_column)`, `${name} is a default attribute, it cannot be deleted as a custom attribute`);
					}
					if (Object.keys(errors).length > before) return;
					const user = findUser(entry);
					if (!user) return add(`users.${i}.identifiers.exists`, 'no such user for these identifiers');
					accepted.push({ entry, user });
				});
				const failed = body.users.length - accepted.length;
				later(scale(knobs.applyDelayMs), () => {
					for (const { entry, user } of accepted) {
						const remove = (target: Dict, whole: unknown, partial: unknown) => {
							for (const name of Array.isArray(whole) ? whole : []) delete target[String(name)];
							for (const [name, values] of Object.entries(isObject(partial) ? partial : {})) {
								if (Array.isArray(target[name]) && Array.isArray(values)) {
									target[name] = target[name].filter((value: unknown) => !values.some((v) => JSON.stringify(v) === JSON.stringify(value)));
								}
							}
						};
						remove(user.attributes, entry.whole, entry.partial);
						if (isObject(entry.custom)) remove((user.attributes.custom ??= {}), entry.custom.whole, entry.custom.partial);
					}
				});
				if (failed === 0 && knobs.attributeDeleteResponse === 'empty') return json(200, {});
				return json(200, {
					data: {
						successful: accepted.length > 0 ? { count: accepted.length } : {},
						fail: failed > 0 ? { count: failed, errors } : {},
					},
				});
			},
		},
		{
			method: 'PATCH',
			path: '/api/user/v1/identity',
			handler: (req) => {
				const refused = guard(req);
				if (refused) return refused;
				const body = bodyOf(req);
				const extra = undocumented(body, ['old_identifier', 'new_identifier']);
				if (extra) return extra;
				const entry = (side: unknown): [string, string | undefined, unknown] | undefined => {
					if (!isObject(side)) return undefined;
					const keys = Object.keys(side);
					if (keys.length !== 1) return undefined;
					if (keys[0] === 'custom') {
						if (!isObject(side.custom) || Object.keys(side.custom).length !== 1) return undefined;
						const [name, value] = Object.entries(side.custom)[0];
						return ['custom', name, value];
					}
					return [keys[0], undefined, side[keys[0]]];
				};
				const old = entry(body.old_identifier);
				const next = entry(body.new_identifier);
				if (!old || !next) return json(400, ERR.badRequest('there must be exactly 1 entry for both new and old identifiers'));
				const valid = (side: [string, string | undefined, unknown]) =>
					side[0] === 'custom' ? knobs.customIdentifiers.includes(side[1]!) : IDENTIFIER_KEYS.includes(side[0]);
				if (!valid(old) || !valid(next) || old[0] !== next[0] || old[1] !== next[1]) return json(400, ERR.badRequest('no valid identifier'));
				if (old[2] === next[2]) return json(400, ERR.badRequest('identifier values are the same'));
				if (findUser({ identifiers: body.new_identifier })) return json(400, ERR.badRequest('new identifier already has a user assigned to it'));
				const user = findUser({ identifiers: body.old_identifier });
				if (!user) return json(404, ERR.noUser);
				if (old[0] === 'custom') user.identifiers.custom![old[1]!] = next[2];
				else (user.identifiers as Dict)[old[0]] = next[2];
				reindex();
				return json(200, {});
			},
		},
		{
			method: 'DELETE',
			path: '/api/user/v1/identity',
			handler: (req) => {
				const refused = guard(req);
				if (refused) return refused;
				const body = bodyOf(req);
				const extra = undocumented(body, ['identifiers']);
				if (extra) return extra;
				const identifiers = body.identifiers;
				const count = (value: Dict) => Object.entries(value).reduce((sum, [key, v]) => sum + (key === 'custom' && isObject(v) ? Object.keys(v).length : 1), 0);
				if (!isObject(identifiers) || count(identifiers) !== 1) return json(400, ERR.badRequest('there must be exactly 1 identifier'));
				const user = findUser({ identifiers });
				if (!user) return json(404, ERR.noUser);
				if (count(user.identifiers) <= 1) return json(400, ERR.badRequest('you cannot delete the sole identifier specified for a user'));
				if (isObject(identifiers.custom)) {
					for (const name of Object.keys(identifiers.custom)) delete user.identifiers.custom?.[name];
					if (user.identifiers.custom && Object.keys(user.identifiers.custom).length === 0) delete user.identifiers.custom;
				} else {
					for (const key of Object.keys(identifiers)) delete (user.identifiers as Dict)[key];
				}
				reindex();
				return json(200, {});
			},
		},
		{
			method: 'POST',
			path: '/api/user/v1/delete',
			handler: (req) => {
				const refused = guard(req);
				if (refused) return refused;
				const body = bodyOf(req);
				const extra = undocumented(body, knobs.deleteByInsiderId ? ['identifiers', 'insider_id'] : ['identifiers']);
				if (extra) return extra;
				// The endpoint documents `identifiers` only ("must have a unifier field under identifiers").
				const byId = typeof body.insider_id === 'string' && knobs.deleteByInsiderId;
				if (!byId && !(isObject(body.identifiers) && Object.keys(body.identifiers).length > 0)) return json(400, ERR.badRequest('identifiers must be specified'));
				const user = findUser(byId ? { insider_id: body.insider_id } : { identifiers: body.identifiers });
				if (!user) return knobs.deleteUnknownUser === 404 ? json(404, ERR.noUser) : json(200, {});
				users = users.filter((entry) => entry !== user);
				reindex();
				return json(200, {});
			},
		},
		...['/api/contact/v1/anonymize', '/api/user/v1/anonymize'].map(
			(path): Route => ({
				method: 'POST',
				path,
				handler: (req) => {
					const refused = guard(req);
					if (refused) return refused;
					const body = bodyOf(req);
					const byId = path.startsWith('/api/contact');
					// Older samples of the by-ID path also carry `partner` and `api_key` in the body (§5.8).
					const extra = undocumented(body, byId ? ['insider_id', 'partner', 'api_key'] : ['identifiers']);
					if (extra) return extra;
					if (byId && typeof body.insider_id !== 'string') return json(400, ERR.badRequest('insider_id must be specified'));
					if (!byId && (!isObject(body.identifiers) || Object.keys(body.identifiers).some((key) => !IDENTIFIER_KEYS.includes(key)))) {
						return json(400, ERR.badRequest('identifiers must be email, phone_number or uuid'));
					}
					const user = findUser(byId ? { insider_id: body.insider_id } : { identifiers: body.identifiers });
					if (!user) return json(404, ERR.noUser);
					for (const key of PII_ATTRIBUTES) delete user.attributes[key];
					delete user.identifiers.email;
					delete user.identifiers.phone_number;
					const left = Object.keys(user.identifiers).filter((key) => key !== 'custom' || Object.keys(user.identifiers.custom ?? {}).length > 0);
					if (left.length === 0) user.anonymous = true;
					reindex();
					return json(200, {});
				},
			}),
		),
		{
			method: 'POST',
			path: '/api/user/v3/metadata/columns',
			handler: (req) => {
				const refused = guard(req);
				if (refused) return refused;
				const extra = undocumented(bodyOf(req), ['table']);
				if (extra) return extra;
				const table = bodyOf(req).table;
				if (table === 'contacts') return json(200, knobs.attributeCatalogue);
				if (table === 'events') return json(200, knobs.eventCatalogue);
				return json(400, ERR.badRequest('table must be contacts or events'));
			},
		},
	];

	return {
		name: 'insider',
		// Inferred: Insider documents no body for a path it does not serve; its other errors carry `error`.
		unknownRoute: () => json(404, { error: 'Not Found' }),
		routes,
		state: () => ({
			users,
			exports: exportsList.map(({ rows, columns, ...job }) => ({ ...job, rows: rows?.length })),
			callbacks,
			successfulExports,
		}),
		reset() {
			for (const timer of timers) clearTimeout(timer);
			timers.clear();
			users = [];
			index = new Map();
			exportsList = [];
			callbacks = [];
			successfulExports = {};
			quotaSpent = [];
			windows.clear();

			sequence = 0;
		},
		configure(next) {
			const { users: seed, ...rest } = next as { users?: InsiderUser[] } & Partial<InsiderKnobs>;
			knobs = { ...knobs, ...rest, rateLimits: { ...knobs.rateLimits, ...(rest.rateLimits ?? {}) } };
			// Seeding users lets tests start from a known store.
			if (Array.isArray(seed)) {
				users = structuredClone(seed);
				reindex();
			}
			return { ...knobs };
		},
		attach(context) {
			ctx = context;
		},
		close() {
			for (const timer of timers) clearTimeout(timer);
			timers.clear();
		},
	};
}
