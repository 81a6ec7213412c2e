import type { IExecuteFunctions } from 'n8n-workflow';

import type { Clock } from '../shared/clock';
import { RateLimiter } from '../shared/rateLimit';
import { Transport } from '../shared/transport';

export const CREDENTIAL_TYPE = 'batchApi';

/** A limit as the UI states it, with thousands separators, so UI text is built from the constant that holds it. */
export const limitText = (limit: number): string => limit.toLocaleString('en-US');
/** Reference §2: the documented default of the OpenAPI servers entry. */
export const DEFAULT_API_VERSION = '2.11';

/** Reference §3.1 and §5: operations per call on each route; more and Batch rejects the whole call. */
export const MAX_PROFILES_PER_UPDATE = 200;
export const MAX_PROFILES_PER_MASS_UPDATE = 10_000;
/** Reference §5: per-project token buckets counted in profiles, not requests. */
export const UPDATE_PROFILES_PER_SECOND = 300;
export const UPDATE_BURST_PROFILES = 1_000;
export const MASS_UPDATE_PROFILES_PER_SECOND = 10_000;
export const MASS_UPDATE_BURST_PROFILES = 10_000;
/**
 * Above this many profiles to send in one execution, "Route: Automatic" uses mass-update, which Batch
 * meant for large periodic imports (reference §3.2). Our choice, not a vendor rule.
 */
export const MASS_UPDATE_THRESHOLD = 2_000;
/** Reference §5: body size limit unknown; a generous cap keeps one call from growing without bound. */
export const MAX_REQUEST_BYTES = 32 * 1024 * 1024;
/** Reference §5: other routes are about 1 request per second (inferred, third-party); used for GDPR. */
export const GDPR_REQUESTS_PER_SECOND = 1;
/**
 * The field of the GDPR create answer that holds the request's ID (inferred, reference §0: the docs call it
 * a "token" and show `request_id` in the status answers; the create answer's field name is not confirmed).
 */
export const GDPR_REQUEST_ID_FIELD = 'request_id';
/** How much of an unexpected answer a warning or an error quotes. */
export const ANSWER_EXCERPT_CHARS = 200;
/** Requests in flight at once on the update route; pacing comes from the token bucket, this only hides latency. */
export const REQUEST_CONCURRENCY = 2;

export type ProfileRoute = 'update' | 'massUpdate';

export const ROUTE_PATHS: Record<ProfileRoute, string> = {
	update: '/profiles/update',
	massUpdate: '/profiles/mass-update',
};

/** Batch's error body (reference §3.1, inferred shape): `{"error_code": "...", "error_message": "..."}`. */
export function batchErrorMessage(body: unknown): string | undefined {
	if (!body || typeof body !== 'object') return undefined;
	const { error_code: code, error_message: message } = body as { error_code?: unknown; error_message?: unknown };
	if (typeof message === 'string' && typeof code === 'string') return `${message} (${code})`;
	if (typeof message === 'string') return message;
	if (typeof code === 'string') return code;
	return undefined;
}

/**
 * Reference §0: events are not idempotent, so a call carrying them may be retried only when the failure
 * proves Batch applied nothing: a 429 (refused by the rate limiter before processing), a refused
 * connection (nothing reached Batch), or a 5xx whose body is Batch's own error object (Batch answered and
 * refused the call). A dropped connection, a time-out or a proxy's 5xx page leave it unknown, so they fail
 * the items instead of risking tracking the events twice.
 */
export function retryIfNothingApplied(failure: { statusCode?: number; body?: unknown; networkCode?: string }): boolean {
	if (failure.networkCode !== undefined) return failure.networkCode === 'ECONNREFUSED';
	if (failure.statusCode === 429) return true;
	if (failure.statusCode !== undefined && failure.statusCode >= 500) {
		const body = failure.body as { error_code?: unknown } | undefined;
		return !!body && typeof body === 'object' && typeof body.error_code === 'string';
	}
	return false;
}

/** What `connect` gives every operation: the transport and the route prefixes of this credential. */
export interface BatchApi {
	transport: Transport;
	/** `<base URL>/<version>` for the CEP routes. */
	cepPrefix: string;
	/** `<base URL>/1.0/<app API key>` for the legacy GDPR routes, when an app key is set. */
	legacyPrefix?: string;
	/** The app API keys of the credential (one or more, separated by commas, spaces or new lines). */
	appApiKeys: string[];
}

/** Reference §0: the GDPR API works per app, so a credential may hold several app API keys. */
export function appApiKeysOf(value: unknown): string[] {
	return [...new Set(String(value ?? '').split(/[\s,;]+/).map((key) => key.trim()).filter((key) => key !== ''))];
}

/** `/1.0/<app API key>`, the prefix of one app's GDPR routes. */
export function legacyPrefixOf(appApiKey: string): string {
	return `/1.0/${encodeURIComponent(appApiKey)}`;
}

export async function connect(ctx: IExecuteFunctions): Promise<BatchApi> {
	const credentials = await ctx.getCredentials(CREDENTIAL_TYPE);
	const baseUrl = String(credentials.baseUrl || 'https://api.batch.com').replace(/\/+$/, '');
	const version = String(credentials.apiVersion || DEFAULT_API_VERSION).trim();
	const appApiKeys = appApiKeysOf(credentials.appApiKey);
	const transport = new Transport(ctx, {
		credentialType: CREDENTIAL_TYPE,
		baseUrl,
		errorMessage: (body) => batchErrorMessage(body),
	});
	return {
		transport,
		cepPrefix: `/${encodeURIComponent(version)}`,
		legacyPrefix: appApiKeys[0] !== undefined ? legacyPrefixOf(appApiKeys[0]) : undefined,
		appApiKeys,
	};
}

/** The GDPR routes' pacing: one request at a time, `perSecond` of them per second. */
export function gdprLimiter(api: BatchApi, perSecond = GDPR_REQUESTS_PER_SECOND): RateLimiter {
	return new RateLimiter({ requests: { limit: 1, windowMs: Math.ceil(1000 / perSecond) }, clock: api.transport.clock });
}

/**
 * The per-profile token bucket of one route, or the user's override in profiles per second. It starts at
 * the documented rate and backs off on a 429 (reference §5: Batch counts profiles on arrival and sends no
 * Retry-After), regaining its pace with each accepted call. Mass-update has no burst: its bucket holds one
 * full call, so calls go one at a time, a refill apart.
 */
export function profileLimiter(route: ProfileRoute, overridePerSecond: number, clock?: Clock): RateLimiter {
	if (overridePerSecond > 0) return new RateLimiter({ records: { perSecond: overridePerSecond }, adaptive: true, clock });
	const [perSecond, burst] =
		route === 'update'
			? [UPDATE_PROFILES_PER_SECOND, UPDATE_BURST_PROFILES]
			: [MASS_UPDATE_PROFILES_PER_SECOND, MASS_UPDATE_BURST_PROFILES];
	return new RateLimiter({ records: { perSecond, burst }, adaptive: true, clock });
}
