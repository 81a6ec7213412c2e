import type { IExecuteFunctions, ILoadOptionsFunctions } from 'n8n-workflow';

import type { Clock } from '../shared/clock';
import { RateLimiter } from '../shared/rateLimit';
import { Transport } from '../shared/transport';

export const CREDENTIAL_TYPE = 'insiderApi';

/** The Unified Customer Database host (reference §2); the credential can override it. */
export const DEFAULT_BASE_URL = 'https://unification.useinsider.com';

/** Host that serves raw-export download links (reference §5.3); the only foreign host the token is sent to. */
export const EXPORT_DOWNLOAD_HOST = 'insider-data-export.useinsider.com';

// Endpoints (reference §5), under the base URL.
export const UPSERT_PATH = '/api/user/v1/upsert'; // §5.1
export const PROFILE_PATH = '/api/user/v1/profile'; // §5.2
export const EXPORT_PATH = '/api/raw/v1/export'; // §5.3
export const ATTRIBUTE_DELETE_PATH = '/api/user/v1/attribute/delete'; // §5.4
/** Update is a PATCH (§5.5), delete a DELETE whose JSON body the service reads (§5.6). */
export const IDENTITY_PATH = '/api/user/v1/identity';
export const USER_DELETE_PATH = '/api/user/v1/delete'; // §5.7
// Two endpoints with one effect (§5.8): by profile ID on the contact path, by identifier on the user path.
export const ANONYMIZE_BY_INSIDER_ID_PATH = '/api/contact/v1/anonymize';
export const ANONYMIZE_BY_IDENTIFIER_PATH = '/api/user/v1/anonymize';
/** The metadata route (§5.9): the account's attribute and event columns. */
export const METADATA_PATH = '/api/user/v3/metadata/columns';

// Request limits (reference §6).
export const MAX_USERS_PER_REQUEST = 1000;
export const MAX_REQUEST_BYTES = 5_000_000;
/** Upsert and attribute delete draw from one pool of requests a minute. */
export const USER_WRITE_REQUESTS_PER_MINUTE = 25_000;
export const IDENTITY_UPDATE_REQUESTS_PER_MINUTE = 2_000;
/** The docs say 25,000 on the endpoint page and 1,000 in the global table; the lower one is used (§5.6). */
export const IDENTITY_DELETE_REQUESTS_PER_MINUTE = 1_000;
export const USER_DELETE_REQUESTS_PER_MINUTE = 10_000;
/** Shared by the by-profile-ID and by-identifier paths (inferred, §5.8). */
export const ANONYMIZE_REQUESTS_PER_MINUTE = 500;
/**
 * Profile reads spend a quota of units a minute (§0, §5.2: Insider's Get user profiles page). The
 * cost grows with the event types asked for, not with the attributes (see `PUBLISHED_READ_COST`).
 */
export const PROFILE_QUOTA_UNITS_PER_MINUTE = 1_000;
/** The one cost Insider publishes (§5.2): its sample read with three event types answers `"cost": 2.5`. */
export const PUBLISHED_READ_COST = { eventTypes: 3, units: 2.5 };
/**
 * (inferred, §5.2) One unit per read plus an equal share of the rest of the published cost per event type
 * (half a unit). Accounts with a large user base may be charged more; a 429 then holds every read back for
 * the wait Insider asks for.
 */
export const PROFILE_READ_BASE_UNITS = 1;
export const PROFILE_READ_UNITS_PER_EVENT_TYPE =
	(PUBLISHED_READ_COST.units - PROFILE_READ_BASE_UNITS) / PUBLISHED_READ_COST.eventTypes;
/**
 * Units that may be spent at once, and the same again kept as a margin for arrival jitter: any minute
 * then spends at most burst + margin + rate × 60 s = the quota, and the steady rate is 96 % of it.
 */
export const PROFILE_BURST_UNITS = 20;

/** The quota units one profile read costs (see the constants above). */
export function profileReadCost(body: { attributes?: unknown; events?: unknown }): number {
	const wanted = (body.events as { wanted?: unknown } | undefined)?.wanted;
	const eventTypes = Array.isArray(wanted) ? wanted.length : 0;
	return PROFILE_READ_BASE_UNITS + PROFILE_READ_UNITS_PER_EVENT_TYPE * eventTypes;
}

/** Requests in flight at once for bulk operations; pacing comes from the limiters above. */
export const DEFAULT_CONCURRENCY = 4;
/** The most the Requests in Parallel option accepts. */
export const MAX_CONCURRENCY = 16;

/** Raw exports (§5.3): download links expire this long after the file is ready. */
export const EXPORT_LINK_VALID_HOURS = 24;
/** The raw export allows one successful request per UTC day (§5.3)... */
export const EXPORTS_PER_UTC_DAY = 1;
/** ...so its 429 is final, not retried: no backoff outlasts the day. */
export const EXPORT_DAILY_QUOTA_STATUS = 429;

const MINUTE = 60_000;

export type InsiderContext = IExecuteFunctions | ILoadOptionsFunctions;

/** One limiter per endpoint group, shared by every request of one execution. */
export interface InsiderLimiters {
	userWrite: RateLimiter;
	identityUpdate: RateLimiter;
	identityDelete: RateLimiter;
	userDelete: RateLimiter;
	anonymize: RateLimiter;
	profile: RateLimiter;
}

/**
 * Insider answers errors in two envelopes on one host (§7): `{"error": "..."}` and
 * `{"success": false, "message": "..."}`; edge 5xx may carry HTML, which is summarised instead of quoted.
 */
export function insiderErrorMessage(body: unknown, statusCode?: number): string | undefined {
	if (body && typeof body === 'object' && typeof (body as { pipe?: unknown }).pipe === 'function') {
		// A download answered with an error: the stream is not read, its status says enough.
		const stream = body as { destroy?: () => void };
		stream.destroy?.();
		return statusCode === 403 || statusCode === 404
			? `the download link has expired or does not exist (links are valid for ${EXPORT_LINK_VALID_HOURS} hours)`
			: 'the download failed';
	}
	let value = body;
	if (Buffer.isBuffer(value)) value = value.toString('utf8');
	if (typeof value === 'string') {
		const text = value.trim();
		if (text.startsWith('{')) {
			try {
				value = JSON.parse(text);
			} catch {
				return text.slice(0, 200);
			}
		} else if (text.startsWith('<')) {
			return 'the service returned an HTML error page';
		} else {
			return text ? text.slice(0, 200) : undefined;
		}
	}
	if (value && typeof value === 'object') {
		const record = value as { error?: unknown; message?: unknown };
		if (typeof record.error === 'string') return record.error;
		if (typeof record.message === 'string') return record.message;
	}
	return undefined;
}

export async function baseUrlOf(ctx: InsiderContext): Promise<string> {
	const credentials = await ctx.getCredentials(CREDENTIAL_TYPE);
	const base = typeof credentials.baseUrl === 'string' ? credentials.baseUrl.trim() : '';
	return (base || DEFAULT_BASE_URL).replace(/\/+$/, '');
}

/** What every operation gets from the router: one transport and one set of limiters per execution. */
export interface InsiderApi {
	transport: Transport;
	limiters: InsiderLimiters;
}

/** The API client of one execution (or one options load): the signed transport and the per-endpoint limiters. */
export async function connect(ctx: InsiderContext, clock?: Clock): Promise<InsiderApi> {
	const transport = new Transport(ctx, {
		credentialType: CREDENTIAL_TYPE,
		baseUrl: await baseUrlOf(ctx),
		clock,
		errorMessage: insiderErrorMessage,
	});
	const perMinute = (limit: number) => new RateLimiter({ requests: { limit, windowMs: MINUTE }, clock });
	const limiters: InsiderLimiters = {
		userWrite: perMinute(USER_WRITE_REQUESTS_PER_MINUTE),
		identityUpdate: perMinute(IDENTITY_UPDATE_REQUESTS_PER_MINUTE),
		identityDelete: perMinute(IDENTITY_DELETE_REQUESTS_PER_MINUTE),
		userDelete: perMinute(USER_DELETE_REQUESTS_PER_MINUTE),
		anonymize: perMinute(ANONYMIZE_REQUESTS_PER_MINUTE),
		profile: new RateLimiter({
			records: {
				perSecond: (PROFILE_QUOTA_UNITS_PER_MINUTE - 2 * PROFILE_BURST_UNITS) / (MINUTE / 1000),
				burst: PROFILE_BURST_UNITS,
			},
			clock,
		}),
	};
	return { transport, limiters };
}
