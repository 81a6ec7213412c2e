// Fake of Synerise's profile ("clients") API v4 and workspace login, following
// ../shared/vendors/synerise.md §10 (simulator notes). Writes are accepted with 202 and applied after a
// scaled delay (eventual consistency); tokens expire after a scaled lifetime; batches are capped by count
// and bytes; errors use the v4 error object (§7.1) or the auth one (§7.2).
import { randomUUID } from 'node:crypto';

import type { SandboxRequest, SandboxResponse, VendorContext, VendorModule } from './core.mts';
import { bodyBytes, TokenBucket } from './core.mts';

export const WORKSPACE_NAME = 'Sandbox Workspace';

export const ALL_PERMISSIONS = [
	'API_CLIENT_CREATE',
	'API_BATCH_CLIENT_CREATE',
	// Names of read/update/delete permissions are inferred (reference §3.1).
	'API_CLIENT_READ',
	'API_CLIENT_UPDATE',
	'API_CLIENT_DELETE',
];

interface KeyRecord {
	guid: string;
	basicEnabled: boolean;
	permissions: Set<string>;
	active: boolean;
}

/** The sandbox's workspace keys: a full key (JWT and Basic), a read-only key and a key without Basic. */
export const KEYS = {
	full: { apiKey: '5b3c1e2a-1f4d-4c6b-9a8e-0d2f3b4c5d6e', guid: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d' },
	readOnly: { apiKey: '6c4d2f3b-2a5e-4d7c-8b9f-1e3a4c5d6e7f', guid: 'b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e' },
	jwtOnly: { apiKey: '7d5e3a4c-3b6f-4e8d-9c0a-2f4b5d6e7f80', guid: 'c3d4e5f6-a7b8-4c9d-8e0f-2a3b4c5d6e7f' },
} as const;

/** The credential fields (except the base URL) that reach the sandbox with the full key. */
export const credentials = {
	authMethod: 'jwt',
	apiKey: KEYS.full.apiKey,
	workspaceGuid: KEYS.full.guid,
};

export interface Knobs {
	/** Token lifetime in vendor seconds (reference §3.2: 60 minutes by default); scaled. */
	tokenTtlSeconds: number;
	/** Processing delay of queued writes in vendor ms (reference §10 note 8: ~1–2 s); scaled. 0 applies at once. */
	applyDelayMs: number;
	maxBatchItems: number;
	maxBatchBytes: number;
	/** Status for an oversize batch (reference §6.3: 400 or 413, inferred). */
	batchOversizeStatus: number;
	/** Invalid batch entries: dropped while processing (reference §6.3, inferred) or named in a 207 answer. */
	batchInvalidItems: 'drop' | 'multiStatus' | 'reject400';
	maxPageSize: number;
	listWindow: number;
	/** Reject `""` on native and identifier fields with 400 (reference §5.2, inferred, switchable). */
	rejectEmptyStrings: boolean;
	/**
	 * `Api-Version` is marked required on /v4 calls (reference §4); a call without it, or with another
	 * version than this one, answers 400. The status is inferred; `false` serves and counts it.
	 */
	requireApiVersion: boolean;
	apiVersion: string;
	/**
	 * The one spelling of delete-by-customId this fake routes (reference §0: `by-customid` in the php-sdk,
	 * `by-custom-id` in the hub reference and the Magento client). The other answers 404 with no body, as an
	 * unknown route would. Default: the node's `DELETE_BY_CUSTOM_ID_SEGMENT`.
	 */
	deleteByCustomIdSegment: 'by-customid' | 'by-custom-id';
	/** Get by customId: the route is not public (reference §0); this spelling only. Default: the node's. */
	getByCustomIdSegment: string;
	/**
	 * Get by phone is not public either (reference §0); the hub's `batch/by-phone` suggests a list. `profile`
	 * answers one profile object like the other lookups; `list` answers an array of every profile with that
	 * phone (with non-unique emails, several profiles can share one).
	 */
	phoneLookup: 'profile' | 'list';
	/** With non-unique emails, email is no identifier (reference §1). */
	nonUniqueEmails: boolean;
	/** Requests per second per key (reference §8: not published); 0 disables. */
	ratePerSecond: number;
	rateBurst: number;
	/** `Retry-After` seconds on 429 (scaled, rounded up). */
	retryAfterSeconds: number;
	/**
	 * Email domains the workspace refuses, standing in for vendor-side rules a client cannot check in
	 * advance (used to exercise per-item rejections).
	 */
	rejectEmailDomains: string[];
	/** One-shot: expire every token issued so far. */
	expireTokensNow?: boolean;
}

const DEFAULT_KNOBS: Knobs = {
	tokenTtlSeconds: 3600,
	applyDelayMs: 1500,
	maxBatchItems: 1000,
	maxBatchBytes: 1_000_000,
	batchOversizeStatus: 400,
	batchInvalidItems: 'drop',
	maxPageSize: 100,
	listWindow: 10_000,
	rejectEmptyStrings: true,
	requireApiVersion: true,
	apiVersion: '4.4',
	deleteByCustomIdSegment: 'by-customid',
	getByCustomIdSegment: 'by-customId',
	phoneLookup: 'profile',
	nonUniqueEmails: false,
	ratePerSecond: 0,
	rateBurst: 50,
	retryAfterSeconds: 1,
	rejectEmailDomains: [],
};

const NATIVE_STRING_FIELDS = [
	'email',
	'phone',
	'customId',
	'uuid',
	'firstName',
	'lastName',
	'displayName',
	'company',
	'address',
	'city',
	'province',
	'zipCode',
	'countryCode',
	'birthDate',
	'sex',
	'avatarUrl',
];
const IDENTIFIERS = ['email', 'phone', 'uuid', 'customId'];
/** Every field of the profile as sent (reference §5.2; php-sdk `lib/V4/Models/CreateClientRequestBody.php`). */
const BODY_FIELDS = new Set([...NATIVE_STRING_FIELDS, 'tags', 'agreements', 'attributes']);
/** Query parameters of the list (reference §6.4; php-sdk `lib/V4/Clients/ClientsRequestBuilder.php`). */
const LIST_QUERY = new Set([
	'pageIndex',
	'pageSize',
	'sortBy',
	'sortOrder',
	'filters[anonymous]',
	'filters[email]',
	'filters[firstName]',
	'filters[lastName]',
	'filters[phone]',
]);
const AGREEMENTS = ['email', 'sms', 'push', 'webPush', 'bluetooth', 'rfid', 'wifi'];
const SEX = ['FEMALE', 'MALE', 'NOT_SPECIFIED', 'OTHER'];
const RESERVED = new Set([
	...NATIVE_STRING_FIELDS,
	'tags',
	'agreements',
	'attributes',
	'clientId',
	'anonymous',
	'lastActivityDate',
	'previousClients',
	'businessProfileId',
	'time',
	'ip',
	'source',
	'newsletter_agreement',
	'custom_identify',
	'firstname',
	'lastname',
	'created',
	'updated',
	'last_activity_date',
	'birthdate',
	'external_avatar_url',
	'displayname',
	'receive_smses',
	'receive_push_messages',
	'receive_webpush_messages',
	'receive_btooth_messages',
	'receive_rfid_messages',
	'receive_wifi_messages',
	'confirmation_hash',
	'ownerId',
	'anonymous_type',
	'country_id',
	'club_card_id',
	'type',
	'confirmed',
	'facebookId',
	'status',
]);
const EMAIL = /^[^\s@]+@(?:(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}|\[\d{1,3}(?:\.\d{1,3}){3}\])$/;
const PHONE = /^(?:\+[0-9 ()\-/]{6,19}|[0-9 ()\-/]{6,20})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// eslint-disable-next-line no-control-regex
const IDENTIFIER_FORBIDDEN = /[\uD800-\uDFFF\r\n\u2028\u2029\u00AD\uFE00-\uFE0F\u0000]/;

export interface Profile {
	clientId: number;
	email: string | null;
	phone: string | null;
	customId: string | null;
	uuid: string | null;
	firstName: string | null;
	lastName: string | null;
	displayName: string | null;
	company: string | null;
	address: string | null;
	city: string | null;
	province: string | null;
	zipCode: string | null;
	countryCode: string | null;
	birthDate: string | null;
	lastActivityDate: string | null;
	sex: string | null;
	avatarUrl: string | null;
	anonymous: boolean;
	agreements: Record<string, boolean>;
	attributes: Record<string, unknown>;
	tags: string[];
	previousClients: number[];
}

interface FieldError {
	code: number;
	field: string;
	message: string;
	rejectedValue: unknown;
}

type Write =
	| { kind: 'upsert'; data: Record<string, unknown>; source: string }
	| { kind: 'update'; clientId: number; data: Record<string, unknown> }
	| { kind: 'delete'; clientId: number };

interface TokenRecord {
	apiKey: string;
	expiresAt: number;
}

function errorBody(status: number, path: string, message: string, errors?: FieldError[]) {
	const reasons: Record<number, string> = {
		207: 'Multi-Status',
		400: 'Bad Request',
		401: 'Unauthorized',
		403: 'Forbidden',
		404: 'Not Found',
		413: 'Payload Too Large',
		415: 'Unsupported Media Type',
		429: 'Too Many Requests',
	};
	return {
		error: reasons[status] ?? 'Error',
		status,
		timestamp: new Date().toISOString(),
		path,
		message,
		...(errors ? { errors } : {}),
	};
}

const b64url = (value: string) => Buffer.from(value).toString('base64url');

export function create(): VendorModule {
	let knobs: Knobs = { ...DEFAULT_KNOBS };
	let ctx: VendorContext | undefined;
	const keys = new Map<string, KeyRecord>();
	const tokens = new Map<string, TokenRecord>();
	let profiles = new Map<number, Profile>();
	let nextClientId = 433_230_000;
	let queue: Array<{ at: number; write: Write }> = [];
	let timer: NodeJS.Timeout | undefined;
	let buckets = new Map<string, TokenBucket>();
	let counters = { logins: 0, refreshes: 0, unauthorized: 0, missingApiVersion: 0, rateLimited: 0 };
	let batches: Array<{ items: number; bytes: number; status: number }> = [];
	let dropped: Array<{ source: string; field: string; message: string; value: unknown }> = [];
	let history: Array<{ kind: string; clientId: number; profile?: Profile }> = [];

	const scale = (ms: number) => (ctx ? ctx.scale(ms) : ms);
	const now = () => Date.now();

	const resetKeys = () => {
		keys.clear();
		keys.set(KEYS.full.apiKey, { guid: KEYS.full.guid, basicEnabled: true, permissions: new Set(ALL_PERMISSIONS), active: true });
		keys.set(KEYS.readOnly.apiKey, { guid: KEYS.readOnly.guid, basicEnabled: true, permissions: new Set(['API_CLIENT_READ']), active: true });
		keys.set(KEYS.jwtOnly.apiKey, { guid: KEYS.jwtOnly.guid, basicEnabled: false, permissions: new Set(ALL_PERMISSIONS), active: true });
	};
	resetKeys();

	// ---- identity indexes -------------------------------------------------------------------------------

	const identifierKey = (field: string, value: string) => (field === 'email' ? value.toLowerCase() : value);
	// field → identifier → the profiles holding it, kept in step with every write, so matching a batch of
	// profiles does not scan the whole store once per identifier (that made 100,000-profile runs quadratic).
	let index = new Map<string, Map<string, Set<Profile>>>();
	const identifiersOf = (profile: Profile): Array<[string, string]> =>
		IDENTIFIERS.flatMap((field): Array<[string, string]> => {
			const own = profile[field as keyof Profile];
			return typeof own === 'string' ? [[field, identifierKey(field, own)]] : [];
		});
	const unindex = (profile: Profile) => {
		for (const [field, key] of identifiersOf(profile)) index.get(field)?.get(key)?.delete(profile);
	};
	const reindex = (profile: Profile) => {
		for (const [field, key] of identifiersOf(profile)) {
			let byKey = index.get(field);
			if (!byKey) index.set(field, (byKey = new Map()));
			let holders = byKey.get(key);
			if (!holders) byKey.set(key, (holders = new Set()));
			holders.add(profile);
		}
	};
	const findBy = (field: string, value: string): Profile | undefined => {
		if (field === 'email' && knobs.nonUniqueEmails) return undefined;
		const holders = index.get(field)?.get(identifierKey(field, value));
		let first: Profile | undefined;
		// The oldest holder, as a scan of the store in insertion (client ID) order would find.
		for (const profile of holders ?? []) if (!first || profile.clientId < first.clientId) first = profile;
		return first;
	};
	/** Every profile holding an identifier, oldest first. */
	const findAll = (field: string, value: string): Profile[] =>
		[...(index.get(field)?.get(identifierKey(field, value)) ?? [])].sort((a, b) => a.clientId - b.clientId);
	/** Batch and create match an existing profile by customId → email → uuid → phone (reference §6.3, inferred order). */
	const match = (data: Record<string, unknown>): Profile | undefined => {
		for (const field of ['customId', 'email', 'uuid', 'phone']) {
			const value = data[field];
			if (typeof value === 'string') {
				const found = findBy(field, value);
				if (found) return found;
			}
		}
		return undefined;
	};

	// ---- validation (reference §5.3) ---------------------------------------------------------------------

	const validate = (data: unknown, needIdentifier: boolean, prefix = ''): FieldError[] => {
		const errors: FieldError[] = [];
		const add = (field: string, message: string, value: unknown) =>
			errors.push({ code: 1, field: `${prefix}${field}`, message, rejectedValue: value });
		if (!data || typeof data !== 'object' || Array.isArray(data)) {
			add('', 'must be a profile object', data);
			return errors;
		}
		const record = data as Record<string, unknown>;
		for (const [field, value] of Object.entries(record)) if (!BODY_FIELDS.has(field)) add(field, 'is not a field of a profile', value);
		for (const field of NATIVE_STRING_FIELDS) {
			const value = record[field];
			if (value === undefined || value === null) continue;
			if (typeof value !== 'string') {
				add(field, 'must be a string', value);
				continue;
			}
			if (value === '' && knobs.rejectEmptyStrings) add(field, 'must not be empty', value);
			if (value.includes('\u0000')) add(field, 'must not contain NUL', value);
			if (IDENTIFIERS.includes(field) && IDENTIFIER_FORBIDDEN.test(value)) add(field, 'contains forbidden characters', value);
		}
		if (typeof record.email === 'string' && record.email !== '' && !EMAIL.test(record.email)) add('email', 'must be a well-formed email address', record.email);
		if (typeof record.email === 'string' && knobs.rejectEmailDomains.some((domain) => record.email!.toString().toLowerCase().endsWith(`@${domain}`))) {
			add('email', 'email domain is not accepted by this workspace', record.email);
		}
		if (typeof record.phone === 'string' && record.phone !== '' && !PHONE.test(record.phone)) add('phone', 'must match the phone pattern', record.phone);
		if (typeof record.birthDate === 'string' && record.birthDate !== '') {
			const ok = /^\d{4}-\d{2}-\d{2}$/.test(record.birthDate) && !Number.isNaN(Date.parse(record.birthDate)) && record.birthDate > '1900-01-01';
			if (!ok) add('birthDate', 'must be a date yyyy-mm-dd after 1900-01-01', record.birthDate);
		}
		if (typeof record.sex === 'string' && record.sex !== '' && !SEX.includes(record.sex)) add('sex', `must be one of ${SEX.join(', ')}`, record.sex);
		if (typeof record.countryCode === 'string' && record.countryCode !== '' && !/^[A-Z]{2}$/.test(record.countryCode)) {
			add('countryCode', 'must be an ISO 3166 code', record.countryCode);
		}
		if (record.tags !== undefined && record.tags !== null && (!Array.isArray(record.tags) || record.tags.some((tag) => typeof tag !== 'string'))) {
			add('tags', 'must be an array of strings', record.tags);
		}
		if (record.agreements !== undefined && record.agreements !== null) {
			if (typeof record.agreements !== 'object' || Array.isArray(record.agreements)) add('agreements', 'must be an object', record.agreements);
			else {
				for (const [name, value] of Object.entries(record.agreements)) {
					if (!AGREEMENTS.includes(name)) add(`agreements.${name}`, 'unknown agreement', value);
					else if (agreement(value) === undefined) add(`agreements.${name}`, 'must be a boolean', value);
				}
			}
		}
		if (record.attributes !== undefined && record.attributes !== null) {
			if (typeof record.attributes !== 'object' || Array.isArray(record.attributes)) add('attributes', 'must be an object', record.attributes);
			else {
				for (const name of Object.keys(record.attributes)) {
					// eslint-disable-next-line no-control-regex
					if (/[\r\n\u2028\u2029\u00AD\u0000\uFE00-\uFE0F]/.test(name)) add(`attributes.${name}`, 'invalid attribute name', name);
				}
			}
		}
		if (needIdentifier && !IDENTIFIERS.some((field) => typeof record[field] === 'string' && record[field] !== '')) {
			add('', 'at least one of email, phone, uuid, customId is required', null);
		}
		return errors;
	};

	const agreement = (value: unknown): boolean | undefined => {
		if (typeof value === 'boolean') return value;
		if (value === 1 || value === 0) return value === 1;
		if (value === 'true' || value === 'True') return true;
		if (value === 'false' || value === 'False') return false;
		return undefined;
	};

	// ---- applying writes ---------------------------------------------------------------------------------

	const blank = (clientId: number): Profile => ({
		clientId,
		email: null,
		phone: null,
		customId: null,
		uuid: null,
		firstName: null,
		lastName: null,
		displayName: null,
		company: null,
		address: null,
		city: null,
		province: null,
		zipCode: null,
		countryCode: null,
		birthDate: null,
		lastActivityDate: new Date().toISOString(),
		sex: null,
		avatarUrl: null,
		anonymous: true,
		agreements: Object.fromEntries(AGREEMENTS.map((name) => [name, false])),
		attributes: {},
		tags: [],
		previousClients: [],
	});

	/** Partial merge with null semantics (reference §5.2): null resets a native field, deletes an attribute. */
	const merge = (profile: Profile, data: Record<string, unknown>) => {
		unindex(profile);
		for (const field of NATIVE_STRING_FIELDS) {
			if (!(field in data)) continue;
			const value = data[field];
			(profile as unknown as Record<string, unknown>)[field] = value === null ? null : value;
		}
		if ('tags' in data) profile.tags = data.tags === null ? [] : [...(data.tags as string[])];
		if (data.agreements && typeof data.agreements === 'object') {
			for (const [name, value] of Object.entries(data.agreements as Record<string, unknown>)) {
				profile.agreements[name] = value === null ? false : agreement(value) ?? false;
			}
		}
		if (data.attributes === null) profile.attributes = {};
		else if (data.attributes && typeof data.attributes === 'object') {
			for (const [name, value] of Object.entries(data.attributes as Record<string, unknown>)) {
				// Reserved names are silently ignored (reference §5.2).
				if (RESERVED.has(name) || name.startsWith('geo_loc_')) continue;
				if (value === null) delete profile.attributes[name];
				else profile.attributes[name] = value;
			}
		}
		profile.anonymous = !(profile.email || profile.phone || profile.customId);
		reindex(profile);
	};

	const snapshot = (profile: Profile): Profile => structuredClone(profile);

	const apply = (write: Write) => {
		if (write.kind === 'delete') {
			const gone = profiles.get(write.clientId);
			if (gone) unindex(gone);
			if (profiles.delete(write.clientId)) history.push({ kind: 'delete', clientId: write.clientId });
			return;
		}
		if (write.kind === 'update') {
			const profile = profiles.get(write.clientId);
			if (!profile) return;
			merge(profile, write.data);
			history.push({ kind: 'update', clientId: profile.clientId, profile: snapshot(profile) });
			return;
		}
		// Upserts from batches are validated while processing; invalid ones are dropped (reference §6.3).
		const errors = validate(write.data, true);
		if (errors.length > 0) {
			for (const error of errors) dropped.push({ source: write.source, field: error.field, message: error.message, value: error.rejectedValue });
			return;
		}
		let profile = match(write.data);
		const created = !profile;
		if (!profile) {
			profile = blank(nextClientId++);
			profile.uuid = randomUUID();
			profiles.set(profile.clientId, profile);
		}
		merge(profile, write.data);
		history.push({ kind: created ? 'create' : 'update', clientId: profile.clientId, profile: snapshot(profile) });
	};

	const drain = () => {
		timer = undefined;
		const current = now();
		while (queue.length > 0 && queue[0].at <= current) apply(queue.shift()!.write);
		if (queue.length > 0) timer = setTimeout(drain, Math.max(1, queue[0].at - current));
	};

	/** Queues a write; it becomes visible after the processing delay, in arrival order. */
	const enqueue = (write: Write) => {
		const delay = scale(knobs.applyDelayMs);
		if (delay <= 0 && queue.length === 0) {
			apply(write);
			return;
		}
		const last = queue.length > 0 ? queue[queue.length - 1].at : 0;
		queue.push({ at: Math.max(now() + delay, last), write });
		if (!timer) timer = setTimeout(drain, Math.max(1, queue[0].at - now()));
	};

	// ---- auth ---------------------------------------------------------------------------------------------

	const issueToken = (apiKey: string): string => {
		const expiresAt = now() + scale(knobs.tokenTtlSeconds * 1000);
		const payload = { sub: apiKey.slice(0, 8), jti: randomUUID(), iat: Math.floor(now() / 1000), exp: Math.ceil(expiresAt / 1000) };
		const token = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64url(JSON.stringify(payload))}.${b64url(randomUUID())}`;
		tokens.set(token, { apiKey, expiresAt });
		return token;
	};

	type Caller = { apiKey: string; key: KeyRecord } | { response: SandboxResponse };

	const authorize = (req: SandboxRequest): Caller => {
		const header = String(req.headers.authorization ?? '');
		const unauthorized = (message: string): Caller => {
			counters.unauthorized++;
			return { response: { status: 401, body: errorBody(401, req.path, message) } };
		};
		if (header.startsWith('Bearer ')) {
			const record = tokens.get(header.slice('Bearer '.length));
			if (!record) return unauthorized('Invalid token');
			if (record.expiresAt <= now()) return unauthorized('Token expired');
			const key = keys.get(record.apiKey);
			if (!key?.active) return unauthorized('API key is inactive');
			return { apiKey: record.apiKey, key };
		}
		if (header.startsWith('Basic ')) {
			const [guid, apiKey] = Buffer.from(header.slice('Basic '.length), 'base64').toString('utf8').split(':');
			const key = keys.get(apiKey ?? '');
			if (!key || !key.active || key.guid !== guid || !key.basicEnabled) return unauthorized('Bad credentials');
			return { apiKey, key };
		}
		return unauthorized('Full authentication is required to access this resource');
	};

	const rateLimited = (apiKey: string, req: SandboxRequest): SandboxResponse | undefined => {
		if (knobs.ratePerSecond <= 0) return undefined;
		let bucket = buckets.get(apiKey);
		const perSecond = knobs.ratePerSecond / (ctx?.timeScale || 1);
		if (!bucket) {
			bucket = new TokenBucket(perSecond, knobs.rateBurst, now());
			buckets.set(apiKey, bucket);
		}
		const taken = bucket.take(1, now());
		if (taken.ok) return undefined;
		counters.rateLimited++;
		const seconds = Math.max(1, Math.ceil(scale(knobs.retryAfterSeconds * 1000) / 1000));
		return { status: 429, body: errorBody(429, req.path, 'Too many requests'), headers: { 'retry-after': String(seconds) } };
	};

	/** Common checks of a /v4 call: auth, permission, rate, headers; returns the caller or the answer. */
	const guard = (req: SandboxRequest, permission: string, hasBody: boolean): Caller => {
		const caller = authorize(req);
		if ('response' in caller) return caller;
		if (!caller.key.permissions.has(permission)) {
			return { response: { status: 403, body: errorBody(403, req.path, `Missing permission ${permission}`) } };
		}
		const limited = rateLimited(caller.apiKey, req);
		if (limited) return { response: limited };
		const version = req.headers['api-version'];
		if (version !== knobs.apiVersion) {
			if (version === undefined) counters.missingApiVersion++;
			if (knobs.requireApiVersion) {
				const message = version === undefined ? 'Missing Api-Version header' : `Unsupported Api-Version ${String(version)}`;
				return { response: { status: 400, body: errorBody(400, req.path, message) } };
			}
		}
		if (hasBody) {
			const type = String(req.headers['content-type'] ?? '');
			// The media type itself, optionally with a charset: `application/json-patch`, `text/json` are refused.
			if (!/^application\/json\s*(?:;\s*charset=utf-8\s*)?$/i.test(type)) {
				return { response: { status: 415, body: errorBody(415, req.path, `Content type '${type}' not supported`) } };
			}
			if (req.bodyError || req.body === undefined) return { response: { status: 400, body: errorBody(400, req.path, 'Malformed JSON body') } };
		}
		return caller;
	};

	const login = (req: SandboxRequest): SandboxResponse => {
		const type = String(req.headers['content-type'] ?? '');
		if (!/^application\/json\s*(?:;\s*charset=utf-8\s*)?$/i.test(type)) {
			return { status: 415, body: errorBody(415, req.path, `Content type '${type}' not supported`) };
		}
		const body = req.body as Record<string, unknown> | undefined;
		// The login body has exactly one field (reference §3.2; php-sdk `ProfilePostRequestBody.php`).
		const extra = body && typeof body === 'object' && !Array.isArray(body) ? Object.keys(body).filter((key) => key !== 'apiKey') : [];
		if (extra.length > 0) return { status: 400, body: errorBody(400, req.path, `Unknown field ${extra[0]}`) };
		const apiKey = body?.apiKey;
		if (typeof apiKey !== 'string' || !UUID.test(apiKey)) {
			return { status: 400, body: errorBody(400, req.path, 'apiKey must be a UUID') };
		}
		const key = keys.get(apiKey);
		if (!key || !key.active) {
			counters.unauthorized++;
			return { status: 401, body: errorBody(401, req.path, 'Invalid API key') };
		}
		counters.logins++;
		return { status: 200, body: { token: issueToken(apiKey) } };
	};

	// ---- profile lookups by path ---------------------------------------------------------------------------

	/**
	 * The identifier segments each method routes, spelled exactly (reference §0, §6.5–6.7): get by email and
	 * uuid, by phone and customId (inferred, knobs); update by email and `by-customid` (every client agrees);
	 * delete by customId in the one spelling of the knob. Anything else is no route.
	 */
	const identifierOf = (method: string, segment: string): string | undefined => {
		const routes: Record<string, Record<string, string>> = {
			GET: { 'by-email': 'email', 'by-uuid': 'uuid', 'by-phone': 'phone', [knobs.getByCustomIdSegment]: 'customId' },
			POST: { 'by-email': 'email', 'by-customid': 'customId' },
			DELETE: { [knobs.deleteByCustomIdSegment]: 'customId' },
		};
		return Object.hasOwn(routes[method] ?? {}, segment) ? routes[method][segment] : undefined;
	};

	const target = (req: SandboxRequest): { profile?: Profile; known: boolean; field?: string } => {
		if (req.params.clientId !== undefined) {
			if (!/^\d+$/.test(req.params.clientId)) return { known: false };
			return { profile: profiles.get(Number(req.params.clientId)), known: true, field: 'clientId' };
		}
		const field = identifierOf(req.method, req.params.by ?? '');
		if (!field) return { known: false };
		return { profile: findBy(field, req.params.value), known: true, field };
	};

	/** An unknown route: 404 with no body (reference §0: the answer the node's delete fallback looks for). */
	const noRoute = (): SandboxResponse => ({ status: 404 });

	const notFound = (req: SandboxRequest) => ({ status: 404, body: errorBody(404, req.path, 'Client not found') });

	// ---- handlers ---------------------------------------------------------------------------------------------

	const createProfile = (req: SandboxRequest, instant: boolean): SandboxResponse => {
		const caller = guard(req, 'API_CLIENT_CREATE', true);
		if ('response' in caller) return caller.response;
		const errors = validate(req.body, true);
		if (errors.length > 0) return { status: 400, body: errorBody(400, req.path, 'Validation failed', errors) };
		const data = req.body as Record<string, unknown>;
		if (!instant) {
			enqueue({ kind: 'upsert', data, source: 'create' });
			return { status: 202 };
		}
		apply({ kind: 'upsert', data, source: 'instant' });
		// The instant answer is a string (reference §6.2, inferred: the clientId).
		return { status: 200, raw: String(match(data)?.clientId ?? ''), contentType: 'text/plain' };
	};

	const batch = (req: SandboxRequest): SandboxResponse => {
		const caller = guard(req, 'API_BATCH_CLIENT_CREATE', true);
		if ('response' in caller) return caller.response;
		const bytes = bodyBytes(req);
		const record = (status: number, items: number) => batches.push({ items, bytes, status });
		if (!Array.isArray(req.body)) {
			record(400, 0);
			return { status: 400, body: errorBody(400, req.path, 'Request body must be an array of clients') };
		}
		const items = req.body as unknown[];
		if (items.length > knobs.maxBatchItems || bytes > knobs.maxBatchBytes) {
			record(knobs.batchOversizeStatus, items.length);
			const message =
				items.length > knobs.maxBatchItems
					? `Batch has ${items.length} items; at most ${knobs.maxBatchItems} are allowed`
					: `Batch body is ${bytes} bytes; at most ${knobs.maxBatchBytes} are allowed`;
			return { status: knobs.batchOversizeStatus, body: errorBody(knobs.batchOversizeStatus, req.path, message) };
		}
		if (knobs.batchInvalidItems !== 'drop') {
			const errors = items.flatMap((item, index) => validate(item, true, `[${index}].`));
			if (errors.length > 0 && knobs.batchInvalidItems === 'reject400') {
				record(400, items.length);
				return { status: 400, body: errorBody(400, req.path, 'Validation failed', errors) };
			}
			if (errors.length > 0) {
				const bad = new Set(errors.map((error) => Number(/^\[(\d+)\]/.exec(error.field)?.[1])));
				items.forEach((item, index) => {
					if (!bad.has(index)) enqueue({ kind: 'upsert', data: item as Record<string, unknown>, source: `batch ${batches.length} item ${index}` });
				});
				record(207, items.length);
				return { status: 207, body: errorBody(207, req.path, `${bad.size} of ${items.length} clients were rejected`, errors) };
			}
		}
		items.forEach((item, index) => enqueue({ kind: 'upsert', data: item as Record<string, unknown>, source: `batch ${batches.length} item ${index}` }));
		record(202, items.length);
		return { status: 202 };
	};

	const getOne = (req: SandboxRequest): SandboxResponse => {
		const caller = guard(req, 'API_CLIENT_READ', false);
		if ('response' in caller) return caller.response;
		if (req.params.by !== undefined && !identifierOf('GET', req.params.by)) return noRoute();
		const { profile, known, field } = target(req);
		if (!known) return { status: 400, body: errorBody(400, req.path, `Invalid client ID ${req.params.clientId}`) };
		if (field === 'phone' && knobs.phoneLookup === 'list') {
			const matches = findAll('phone', req.params.value);
			return matches.length > 0 ? { status: 200, body: matches } : notFound(req);
		}
		return profile ? { status: 200, body: profile } : notFound(req);
	};

	const update = (req: SandboxRequest): SandboxResponse => {
		const caller = guard(req, 'API_CLIENT_UPDATE', true);
		if ('response' in caller) return caller.response;
		// Update routes exist for clientId, email and customId only (reference §6.6).
		if (req.params.by !== undefined && !identifierOf('POST', req.params.by)) return noRoute();
		const { profile, known } = target(req);
		if (!known) return { status: 400, body: errorBody(400, req.path, `Invalid client ID ${req.params.clientId}`) };
		const errors = validate(req.body, false);
		if (errors.length > 0) return { status: 400, body: errorBody(400, req.path, 'Validation failed', errors) };
		if (!profile) return notFound(req);
		enqueue({ kind: 'update', clientId: profile.clientId, data: req.body as Record<string, unknown> });
		return { status: 202 };
	};

	const remove = (req: SandboxRequest): SandboxResponse => {
		const caller = guard(req, 'API_CLIENT_DELETE', false);
		if ('response' in caller) return caller.response;
		if (req.params.by !== undefined && !identifierOf('DELETE', req.params.by)) return noRoute();
		const { profile, known } = target(req);
		if (!known) return { status: 400, body: errorBody(400, req.path, `Invalid client ID ${req.params.clientId}`) };
		// A DELETE has no body (reference §6.7).
		if (req.rawBody.length > 0) return { status: 400, body: errorBody(400, req.path, 'A delete request has no body') };
		if (!profile) return notFound(req);
		enqueue({ kind: 'delete', clientId: profile.clientId });
		return { status: 202 };
	};

	const list = (req: SandboxRequest): SandboxResponse => {
		const caller = guard(req, 'API_CLIENT_READ', false);
		if ('response' in caller) return caller.response;
		const q = req.query;
		const bad = (message: string) => ({ status: 400, body: errorBody(400, req.path, message) });
		for (const name of q.keys()) if (!LIST_QUERY.has(name)) return bad(`Unknown query parameter ${name}`);
		const anonymous = q.get('filters[anonymous]');
		if (anonymous !== null && anonymous !== 'true' && anonymous !== 'false') return bad('filters[anonymous] must be true or false');
		const pageIndex = Number(q.get('pageIndex') ?? '1');
		const pageSize = Number(q.get('pageSize') ?? '20');
		if (!Number.isInteger(pageIndex) || pageIndex < 1) return bad('pageIndex must be an integer >= 1');
		if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > knobs.maxPageSize) return bad(`pageSize must be between 1 and ${knobs.maxPageSize}`);
		if (pageIndex * pageSize > knobs.listWindow) return bad(`Result window is too large: pageIndex × pageSize must be <= ${knobs.listWindow}`);
		const sortBy = q.get('sortBy');
		const sortOrder = q.get('sortOrder');
		if (sortBy && !['firstName', 'lastName', 'lastActivityDate', 'email', 'city', 'phone'].includes(sortBy)) return bad(`Invalid sortBy ${sortBy}`);
		if (sortOrder && !['ASC', 'DESC'].includes(sortOrder)) return bad(`Invalid sortOrder ${sortOrder}`);
		let rows = [...profiles.values()];
		const filter = (name: string) => q.get(`filters[${name}]`);
		if (filter('anonymous') === 'true') rows = rows.filter((profile) => profile.anonymous);
		// Exact matches; case-insensitive for email (reference §6.4, inferred).
		if (filter('email') !== null) rows = rows.filter((profile) => profile.email?.toLowerCase() === filter('email')!.toLowerCase());
		for (const name of ['firstName', 'lastName', 'phone'] as const) {
			const wanted = filter(name);
			if (wanted !== null) rows = rows.filter((profile) => profile[name] === wanted);
		}
		if (sortBy) {
			const direction = sortOrder === 'DESC' ? -1 : 1;
			const key = sortBy as keyof Profile;
			rows.sort((a, b) => direction * String(a[key] ?? '').localeCompare(String(b[key] ?? '')) || a.clientId - b.clientId);
		}
		return { status: 200, body: rows.slice((pageIndex - 1) * pageSize, pageIndex * pageSize) };
	};

	const permissionCheck = (req: SandboxRequest): SandboxResponse => {
		const caller = authorize(req);
		if ('response' in caller) return caller.response;
		if (!Array.isArray(req.body)) return { status: 400, body: errorBody(400, req.path, 'Body must be an array of permission names') };
		const permissions = Object.fromEntries((req.body as unknown[]).map((name) => [String(name), caller.key.permissions.has(String(name))]));
		return { status: 200, body: { businessProfileName: WORKSPACE_NAME, permissions } };
	};

	const refresh = (req: SandboxRequest): SandboxResponse => {
		const header = String(req.headers.authorization ?? '');
		const record = header.startsWith('Bearer ') ? tokens.get(header.slice(7)) : undefined;
		if (!record || record.expiresAt <= now()) return { status: 401, body: errorBody(401, req.path, 'Token expired or invalid') };
		counters.refreshes++;
		return { status: 200, body: { token: issueToken(record.apiKey) } };
	};

	const reset = () => {
		knobs = { ...DEFAULT_KNOBS };
		resetKeys();
		tokens.clear();
		profiles = new Map();
		index = new Map();
		nextClientId = 433_230_000;
		queue = [];
		if (timer) clearTimeout(timer);
		timer = undefined;
		buckets = new Map();
		counters = { logins: 0, refreshes: 0, unauthorized: 0, missingApiVersion: 0, rateLimited: 0 };
		batches = [];
		dropped = [];
		history = [];
	};

	return {
		name: 'synerise',
		// An unknown route is a 404 with no body (what the delete-spelling fallback keys on).
		unknownRoute: () => ({ status: 404 }),
		routes: [
			{ method: 'POST', path: '/uauth/v2/auth/login/profile', handler: login },
			{ method: 'POST', path: '/v4/auth/login/profile', handler: login },
			{ method: 'GET', path: '/v4/auth/refresh/profile', handler: refresh },
			{ method: 'POST', path: '/uauth/api-key/permission-check', handler: permissionCheck },
			{ method: 'POST', path: '/v4/clients/batch', handler: batch },
			{ method: 'POST', path: '/v4/clients/instant', handler: (req) => createProfile(req, true) },
			{ method: 'POST', path: '/v4/clients', handler: (req) => createProfile(req, false) },
			{ method: 'GET', path: '/v4/clients', handler: list },
			{ method: 'GET', path: '/v4/clients/:by/:value', handler: getOne },
			{ method: 'GET', path: '/v4/clients/:clientId', handler: getOne },
			{ method: 'POST', path: '/v4/clients/:by/:value', handler: update },
			{ method: 'POST', path: '/v4/clients/:clientId', handler: update },
			{ method: 'DELETE', path: '/v4/clients/:by/:value', handler: remove },
			{ method: 'DELETE', path: '/v4/clients/:clientId', handler: remove },
		],
		state() {
			return {
				profiles: [...profiles.values()].sort((a, b) => a.clientId - b.clientId),
				pending: queue.length,
				...counters,
				tokensIssued: tokens.size,
				batches,
				dropped,
				history,
			};
		},
		reset,
		configure(next) {
			const { expireTokensNow, ...rest } = next as Partial<Knobs>;
			knobs = { ...knobs, ...rest };
			if (rest.ratePerSecond !== undefined || rest.rateBurst !== undefined) buckets = new Map();
			if (expireTokensNow) for (const record of tokens.values()) record.expiresAt = 0;
			return { ...knobs };
		},
		attach(context) {
			ctx = context;
		},
		close() {
			if (timer) clearTimeout(timer);
			timer = undefined;
		},
	};
}
