import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { RateLimiter } from '../shared/rateLimit';
import type { RetryPolicy } from '../shared/retry';
import type { VendorRequest } from '../shared/transport';
import { Transport } from '../shared/transport';

/** Which of Crescendo Lab's two public surfaces the node talks to (reference §1). */
export type Surface = 'profileApi' | 'maacApi';

export const PROFILE_CREDENTIAL = 'crescendoLabApi';
export const MAAC_CREDENTIAL = 'crescendoLabMaacApi';

/** Region hosts (reference §3). */
export const HOSTS: Record<Surface, Record<string, string>> = {
	profileApi: { tw: 'https://api.user360.cresclab.com', jp: 'https://api.user360.jp.cresclab.com' },
	maacApi: { tw: 'https://api.cresclab.com', jp: 'https://api.jp.cresclab.com' },
};

/** Contacts per import task: 10,000 on both surfaces (reference §5A, §5B B1, §6). */
export const MAX_CONTACTS_PER_IMPORT = 10_000;
/** Request body cap: 10 MB, documented for MAAC v1 and assumed for the Profile API (inferred, reference §6). */
export const MAX_IMPORT_BODY_BYTES = 10 * 1024 * 1024;
/** The documented budget: 15 import requests per minute per org (reference §6). */
export const DEFAULT_REQUESTS_PER_MINUTE = 15;
/**
 * Answers that mean "another import/export task is running, try later". The vendor does not document the
 * rejection: 429 is most likely and 409 the alternative (inferred, reference §0 and §8). 429 is retried anyway.
 */
export const BUSY_STATUSES = [409, 429];
/**
 * A 400 whose message says a task is running is the busy answer too (inferred, reference §0): the wording
 * is not public, so any message naming a task (or import/export) that is running or in progress counts.
 */
export const BUSY_MESSAGE_PATTERN = /\b(task|import|export)s?\b.*\b(running|in progress|processing)\b|\balready running\b/i;
/**
 * Status checks have their own pace, apart from the import budget: public material rate-limits only the
 * import start, and the vendor's own loop reads the status once a second (reference §0, §7). No status
 * limit is published, so this cap is inferred and conservative: never faster than the vendor's own loop.
 */
export const STATUS_CHECKS_PER_MINUTE = 60;
/**
 * After a 429 on a status check, status checks (and only they) are spaced twice as far apart, up to this
 * (inferred: MAAC's 429 asks for "longer spacing" without a figure, reference §8).
 */
export const STATUS_SLOWDOWN_FACTOR = 2;
export const STATUS_MAX_SPACING_MS = 30_000;
/**
 * How long a task takes at the vendor, to time its first status check: pending, then processing per 1,000
 * contacts (inferred: the reference's simulator notes give about 1 s and 1 s per 1,000 rows, §9.6; the
 * vendor publishes no figure). A wrong guess costs at most one early check or one poll interval.
 */
export const TASK_PENDING_MS = 1_000;
export const TASK_MS_PER_1000_CONTACTS = 1_000;

/** When a task of `contacts` contacts is expected to be done, in milliseconds after its start. */
export function expectedTaskMs(contacts: number): number {
	return TASK_PENDING_MS + Math.round((TASK_MS_PER_1000_CONTACTS * contacts) / 1000);
}
/**
 * Status lookups (Get Import Status, Get Export Status) in flight at once: their pace comes from the
 * request budget; a few in flight only keep one slow answer from holding up the next lookup.
 */
export const STATUS_REQUESTS_IN_FLIGHT = 4;
/** Export download links stay valid this long (reference §5A, §6). */
export const EXPORT_LINK_VALID_DAYS = 7;
/** An export's data may be this old (reference §5A). */
export const EXPORT_DATA_MAX_AGE_HOURS = 24;
/** Each tag name is at most 50 characters (reference §4.2). */
export const MAX_TAG_LENGTH = 50;
/**
 * Length caps of profile fields (reference §4.2: the backend's limits, not the UI's). A longer value would
 * fail the whole import task, so the node refuses it for its own item.
 */
export const MAX_FIELD_LENGTHS: Record<string, number> = {
	display_name: 255,
	display_email: 255,
	email: 255,
	display_mobile: 32,
	mobile: 32,
	city: 255,
	address: 255,
	company: 255,
	member_level: 255,
	customer_id: 1024,
};
/** Phone fields: a malformed number fails the whole task as `mobile_error` (reference §5B B2, §9.9). */
export const PHONE_FIELDS = ['display_mobile', 'mobile'];
/** E.164: a `+`, then at most 15 digits (MAAC asks for E.164, reference §0 and §5B B1). */
export const PHONE_PATTERN = /^\+\d{6,15}$/;
/**
 * A local Taiwan mobile number (`09` and 8 digits), which MAAC converts to E.164 with the channel's region
 * (reference §5B B1). The node converts it the same way before it checks and sends it, with this country code.
 */
export const LOCAL_MOBILE_PATTERN = /^09\d{8}$/;
export const LOCAL_MOBILE_COUNTRY_CODE = '+886';
/** Separators people write in phone numbers; they are removed before the number is checked and sent. */
const PHONE_SEPARATORS = /[\s\-.()]/g;

/**
 * The E.164 form of a phone number as the node sends it, or undefined when it is not one: the value that
 * is checked is the value that is sent.
 */
export function normalisePhone(value: string): string | undefined {
	const compact = value.replace(PHONE_SEPARATORS, '');
	const e164 = LOCAL_MOBILE_PATTERN.test(compact) ? `${LOCAL_MOBILE_COUNTRY_CODE}${compact.slice(1)}` : compact;
	return PHONE_PATTERN.test(e164) ? e164 : undefined;
}
/**
 * The fields the Profile API import takes (inferred, reference §0, §4.1 and §4.2: the CDH profile's
 * writable fields). One unknown field fails the whole task (every contact in it), so the node refuses
 * (or leaves out) any other field per item, before the task starts.
 */
export const PROFILE_API_FIELDS = [
	'line_uid',
	'display_email',
	'display_mobile',
	'connect_id',
	'customer_id',
	'display_name',
	'full_name',
	'gender',
	'birthday',
	'region',
	'city',
	'address',
	'company',
	'member_level',
	'note',
	'tags',
];
/** Custom fields travel under the names the export gives them, `cl_custom_<key>` (inferred, reference §4.2). */
export const CUSTOM_FIELD_PREFIX = 'cl_custom_';
/** Every column MAAC v1 import accepts; anything else fails the whole task as `useless_fields` (§5B B1). */
export const MAAC_FIELDS = ['line_uid', 'line_display_name', 'email', 'mobile', 'customer_id', 'gender', 'birthday', 'tags'];

/** Whether a surface's import knows a field. */
export function isKnownField(surface: Surface, field: string): boolean {
	if (surface === 'maacApi') return MAAC_FIELDS.includes(field);
	return PROFILE_API_FIELDS.includes(field) || (field.startsWith(CUSTOM_FIELD_PREFIX) && field.length > CUSTOM_FIELD_PREFIX.length);
}

/** Email fields "must be a valid email" (reference §4.2). */
export const EMAIL_FIELDS = ['display_email', 'email'];
export const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** A LINE user ID: `U` and 32 hex characters (reference §4.1, §9.9). */
export const LINE_UID_PATTERN = /^U[0-9a-f]{32}$/;
/** Import keys per surface (reference §4.1 and §5B B1). */
export const PROFILE_IMPORT_KEYS = ['line_uid', 'display_email', 'display_mobile', 'connect_id', 'customer_id'];
export const MAAC_IMPORT_KEYS = ['line_uid', 'customer_id', 'email', 'mobile'];
/** Gender values per surface: v1 accepts only male and female (reference §4.2). */
export const GENDERS: Record<Surface, string[]> = {
	profileApi: ['male', 'female', 'unknown', 'others'],
	maacApi: ['male', 'female'],
};
/** Birthdays are calendar dates written YYYY-MM-DD (reference §4.2). */
export const BIRTHDAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The Profile API path prefix. Not public: it follows the documented operation ID
 * `update_member_cdh_v1_member_patch` (inferred, reference §0 and §5A). The credential can override it.
 */
export const PROFILE_API_PATH_PREFIX = '/cdh/v1';
/**
 * Profile API routes under the prefix (inferred, reference §0 and §5A): internal design notes show the
 * import route with a trailing slash (`/member/import/`), as every MAAC v1 path has, so every route here
 * ends with one. The credential's "Trailing Slash" setting can drop it for an account that differs.
 */
export const PROFILE_API_ROUTES = {
	importStart: '/member/import/',
	importStatus: (taskId: string) => `/member/import/${encodeURIComponent(taskId)}/`,
	exportStart: '/member/export/',
	exportStatus: (taskId: string) => `/member/export/${encodeURIComponent(taskId)}/`,
	/** `PATCH /cdh/v1/member`, the one route derived from a documented operation ID (reference §0, §5A). */
	member: '/member',
} as const;

/** MAAC v1 paths are documented and end with a slash (reference §0, §5B). */
export const MAAC_API_PATHS = {
	importStart: '/openapi/v1/member/import/',
	importStatus: (taskId: string) => `/openapi/v1/member/import/${encodeURIComponent(taskId)}/`,
} as const;

export interface SurfacePaths {
	importStart: string;
	importStatus: (taskId: string) => string;
	exportStart: string;
	exportStatus: (taskId: string) => string;
}

/** The credential's path settings of the Profile API: its prefix and whether routes end with a slash. */
export interface ProfilePathSettings {
	pathPrefix?: unknown;
	trailingSlash?: unknown;
}

/** Profile API paths as the credential configures them (prefix override, trailing slash on or off). */
export function profileApiPaths(settings: ProfilePathSettings = {}): SurfacePaths {
	const custom = typeof settings.pathPrefix === 'string' ? settings.pathPrefix.trim() : '';
	const prefix = (custom === '' ? PROFILE_API_PATH_PREFIX : `/${custom.replace(/^\/+/, '')}`).replace(/\/+$/, '');
	const slash = settings.trailingSlash !== false;
	const route = (path: string) => `${prefix}${slash ? path : path.replace(/\/+$/, '')}`;
	return {
		importStart: route(PROFILE_API_ROUTES.importStart),
		importStatus: (taskId) => route(PROFILE_API_ROUTES.importStatus(taskId)),
		exportStart: route(PROFILE_API_ROUTES.exportStart),
		exportStatus: (taskId) => route(PROFILE_API_ROUTES.exportStatus(taskId)),
	};
}

/** MAAC v1 has no export (reference §1). */
const MAAC_PATHS: SurfacePaths = {
	...MAAC_API_PATHS,
	exportStart: MAAC_API_PATHS.importStart,
	exportStatus: MAAC_API_PATHS.importStatus,
};

/**
 * Task states that end polling. MAAC v1 documents `done` (failure is `done` with `result.success =
 * false`); CDH internals call the final state `complete`, and `failed` may exist (inferred, reference §5A).
 */
export const FINISHED_STATES = ['done', 'complete', 'completed', 'failed', 'error'];
export const FAILED_STATES = ['failed', 'error'];

export function credentialType(surface: Surface): string {
	return surface === 'maacApi' ? MAAC_CREDENTIAL : PROFILE_CREDENTIAL;
}

/**
 * Pulls the vendor's message out of its error bodies: Django REST `{"detail": "…"}`, FastAPI
 * `{"detail": [{"loc", "msg"}]}` and `{"message", "errors": [...]}` (reference §8).
 */
export function crescendoErrorMessage(body: unknown): string | undefined {
	if (!body || typeof body !== 'object') return typeof body === 'string' && body.length < 300 ? body : undefined;
	const record = body as IDataObject;
	const describe = (list: unknown[]) =>
		list
			.map((entry) => {
				const e = (entry ?? {}) as IDataObject;
				const loc = Array.isArray(e.loc) ? e.loc.join('.') : undefined;
				return loc ? `${loc}: ${String(e.msg ?? '')}` : String(e.msg ?? JSON.stringify(entry));
			})
			.join('; ');
	if (typeof record.detail === 'string') return record.detail;
	if (Array.isArray(record.detail)) return describe(record.detail);
	if (typeof record.message === 'string') {
		return Array.isArray(record.errors) && record.errors.length > 0
			? `${record.message} (${describe(record.errors)})`
			: record.message;
	}
	return undefined;
}

/** What every operation gets from `connect`: the surface the node is set to, its paths and its transports. */
export interface CrescendoApi {
	surface: Surface;
	paths: SurfacePaths;
	/** The transport of single calls (status lookups), with the engine's default retry policy. */
	transport: Transport;
	/**
	 * A transport whose retries wait out a busy vendor for as long as one task may take (`maxWaitMs`):
	 * Crescendo Lab runs one task at a time, so a start is refused until the running task ends.
	 */
	patientTransport: (maxWaitMs: number) => Transport;
}

/**
 * Attempts of one request on the patient transport: the wait is bounded by time (Max Wait), not by a
 * count, so the count is only a backstop.
 */
export const PATIENT_MAX_ATTEMPTS = 1000;

/** Which surface the node is set to: its Authentication parameter. */
export function surfaceOf(ctx: IExecuteFunctions): Surface {
	return ctx.getNodeParameter('authentication', 0, 'profileApi') === 'maacApi' ? 'maacApi' : 'profileApi';
}

/** Builds the API client of the surface the node is set to, with the base URL and the paths from its credential. */
export async function connect(ctx: IExecuteFunctions): Promise<CrescendoApi> {
	const surface = surfaceOf(ctx);
	const type = credentialType(surface);
	const credentials = await ctx.getCredentials(type);
	const override = typeof credentials.baseUrl === 'string' ? credentials.baseUrl.trim() : '';
	const region = credentials.region === 'jp' ? 'jp' : 'tw';
	const transport = (retry?: Partial<RetryPolicy>) =>
		new Transport(ctx, {
			credentialType: type,
			baseUrl: override !== '' ? override : HOSTS[surface][region],
			errorMessage: (body) => crescendoErrorMessage(body),
			retry,
		});
	return {
		surface,
		paths: surface === 'maacApi' ? MAAC_PATHS : profileApiPaths(credentials),
		transport: transport(),
		patientTransport: (maxWaitMs) => transport({ maxAttempts: PATIENT_MAX_ATTEMPTS, maxElapsedMs: maxWaitMs }),
	};
}

/**
 * The limiter of task starts (imports and exports): they share the vendor's per-minute budget. Starts are
 * spaced evenly, as the vendor recommends (at least 4 s apart at 15/min, reference §7), so no sliding
 * window of any length sees more than the budget.
 */
export function crescendoLimiter(requestsPerMinute: number, transport: Transport): RateLimiter {
	const perMinute = Math.max(1, requestsPerMinute);
	return new RateLimiter({ requests: { limit: 1, windowMs: Math.ceil(60_000 / perMinute) }, clock: transport.clock });
}

/**
 * The limiter of status checks, apart from the start budget (reference §0): a 429 on a status check
 * pauses this limiter (Retry-After) and widens its spacing (`slowOnRateLimit`), so it slows status checks
 * and never the next import.
 */
export function statusLimiter(transport: Transport): RateLimiter {
	return crescendoLimiter(STATUS_CHECKS_PER_MINUTE, transport);
}

/** Called before a status check is retried: a 429 slows every later status check of the run. */
export function slowOnRateLimit(limiter: RateLimiter): (reason: string) => void {
	return (reason) => {
		if (reason === 'HTTP 429') limiter.slowDown(STATUS_SLOWDOWN_FACTOR, STATUS_MAX_SPACING_MS);
	};
}

/** Whether a failed answer is the busy answer: one of BUSY_STATUSES, or a 400 whose message says a task is running. */
export function isBusyAnswer(failure: { statusCode?: number; body?: unknown }): boolean {
	if (failure.statusCode === undefined) return false;
	if (BUSY_STATUSES.includes(failure.statusCode)) return true;
	return failure.statusCode === 400 && BUSY_MESSAGE_PATTERN.test(crescendoErrorMessage(failure.body) ?? '');
}

/**
 * How a task start is retried: every busy answer is waited out by the engine, with backoff, for as long as
 * the transport's policy allows; a 400 that says anything else is final (the request itself is wrong).
 */
export const BUSY_RETRY: Pick<VendorRequest, 'retryStatuses' | 'retryIf'> = {
	retryStatuses: [400, ...BUSY_STATUSES],
	retryIf: (failure) => failure.statusCode !== 400 || isBusyAnswer(failure),
};
