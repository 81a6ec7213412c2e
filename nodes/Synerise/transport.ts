import type { ICredentialDataDecryptedObject, IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { RetryPolicy } from '../shared/retry';
import { RateLimiter } from '../shared/rateLimit';
import type { VendorRequest, VendorResponse } from '../shared/transport';
import { Transport } from '../shared/transport';

export const CREDENTIAL_TYPE = 'syneriseApi';

/** API hosts of the three regions (reference §2). */
export const REGION_HOSTS = {
	azureEu: 'https://api.synerise.com',
	azureUsa: 'https://api.azu.synerise.com',
	gcp: 'https://api.geb.synerise.com',
} as const;

/** Sent on every call; marked required for /v4 in the official reference (reference §4). */
export const API_VERSION = '4.4';

/** Workspace login: API key → JWT (reference §3.2, current endpoint). */
export const LOGIN_PATH = '/uauth/v2/auth/login/profile';
/** Read-only permission check, used as the credential test (reference §3.1). */
export const PERMISSION_CHECK_PATH = '/uauth/api-key/permission-check';

/** The login is retried briefly on 429/5xx/network errors; a bad key (400/401) fails at once. */
export const LOGIN_RETRY_POLICY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 500, maxDelayMs: 5_000, maxElapsedMs: 30_000 };

/** Batch create/update: profiles per request (reference §6.3, §8, confirmed). */
export const MAX_PROFILES_PER_BATCH = 1000;
/** Batch body size in megabytes, as the reference states it (reference §6.3, §8). */
export const MAX_BATCH_MEGABYTES = 1;
/** Whether a megabyte is 10^6 or 2^20 bytes is not stated, so the smaller reading is used. */
export const MAX_BATCH_BYTES = MAX_BATCH_MEGABYTES * 1_000_000;
/** Phone length: 6–20 allowed characters, or a leading + and 6–19 (reference §5.3). */
export const MIN_PHONE_LENGTH = 6;
export const MAX_PHONE_LENGTH = 20;
/** List page size; the maximum is not published (reference §6.4, inferred). */
export const MAX_PAGE_SIZE = 100;
/** The list API serves at most this many profiles per query (reference §6.4, inferred). */
export const LIST_WINDOW = 10_000;

/**
 * Synerise publishes no request rate (reference §8, inferred): calls are paced under this budget and a 429
 * is retried after its `Retry-After`.
 */
export const MAX_REQUESTS_PER_SECOND = 20;
/** Batch requests in flight at once (reference §8: concurrency not published, inferred). */
export const BATCH_CONCURRENCY = 2;
/** Single-profile calls in flight at once (inferred, as above). */
export const SINGLE_CONCURRENCY = 4;

/** Profile routes (reference §6.1–6.7). */
export const PROFILES_PATH = '/v4/clients';
export const BATCH_PATH = `${PROFILES_PATH}/batch`;
/** Answers once the profile is stored (reference §6.2). */
export const INSTANT_CREATE_PATH = `${PROFILES_PATH}/instant`;

/**
 * Get by phone: not shown in Synerise's public material (reference §0, inferred). The hub lists a
 * `batch/by-phone` lookup, so one phone number may match several profiles; the node accepts a list answer.
 */
export const GET_BY_PHONE_SEGMENT = 'by-phone';
/** Get by customId: not shown in public material either (reference §0, §6.5, inferred, also the casing). */
export const GET_BY_CUSTOM_ID_SEGMENT = 'by-customId';
/**
 * Delete by customId is spelled two ways in Synerise's own clients (reference §0): `by-customid` in the
 * php-sdk (2025, and on the update route in every client), `by-custom-id` in the hub reference and the
 * Magento client. Inferred: the php-sdk spelling first; on a 404 without an error body (no such route) the
 * node tries the other spelling once and keeps the one that worked for the rest of the execution.
 */
export const DELETE_BY_CUSTOM_ID_SEGMENT = 'by-customid';
export const DELETE_BY_CUSTOM_ID_OTHER_SEGMENT = 'by-custom-id';

/** Path segments of the identifier routes (reference §6.5–6.7). */
export const PROFILE_PATHS = {
	byId: (clientId: string) => `${PROFILES_PATH}/${clientId}`,
	/** A route by one identifier segment, e.g. `by-email`, and the encoded identifier value. */
	by: (segment: string, value: string) => `${PROFILES_PATH}/${segment}/${value}`,
	getBy: {
		email: 'by-email',
		uuid: 'by-uuid',
		phone: GET_BY_PHONE_SEGMENT,
		customId: GET_BY_CUSTOM_ID_SEGMENT,
	} as Record<string, string>,
	updateBy: { email: 'by-email', customId: 'by-customid' } as Record<string, string>,
};

export function syneriseBaseUrl(credentials: ICredentialDataDecryptedObject): string {
	const override = String(credentials.baseUrl ?? '').trim();
	const base = override !== '' ? override : String(credentials.region ?? REGION_HOSTS.azureEu);
	return base.replace(/\/+$/, '');
}

/**
 * The vendor's message from either error shape: v4 `{error,status,message,errors[]}` (reference §7.1) or
 * the auth object without `errors` (§7.2). Field errors are appended as `field: message`.
 */
export function syneriseErrorMessage(body: unknown): string | undefined {
	if (typeof body === 'string') {
		const text = body.trim();
		if (text.startsWith('{')) {
			try {
				return syneriseErrorMessage(JSON.parse(text));
			} catch {
				return undefined;
			}
		}
		return text === '' || text.startsWith('<') ? undefined : text.slice(0, 300);
	}
	if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
	const record = body as IDataObject;
	const main = [record.message, record.error].find((value) => typeof value === 'string' && value !== '') as
		| string
		| undefined;
	const details = fieldErrors(record)
		.map((detail) => (detail.field ? `${detail.field}: ${detail.message}` : detail.message))
		.join('; ');
	if (!main && !details) return undefined;
	return [main, details].filter(Boolean).join(' – ');
}

export interface FieldError {
	field?: string;
	message: string;
}

export function fieldErrors(body: unknown): FieldError[] {
	const errors = (body as IDataObject | undefined)?.errors;
	if (!Array.isArray(errors)) return [];
	return errors
		.filter((entry): entry is IDataObject => !!entry && typeof entry === 'object')
		.map((entry) => ({
			field: typeof entry.field === 'string' ? entry.field : undefined,
			message: typeof entry.message === 'string' ? entry.message : 'rejected',
		}));
}

export interface SyneriseApi {
	transport: Transport;
	/** Sends one call with the headers every /v4 call carries, paced by the node's limiter. */
	request<T = unknown>(request: VendorRequest): Promise<VendorResponse<T>>;
	/** What this execution learned about the credential's API, e.g. the delete route spelling that worked. */
	remembered: { deleteByCustomIdSegment?: string; deleteByCustomIdProbe?: Promise<void> };
}

/** The node's only door to Synerise: base URL and auth mode from the credential, paced and retried. */
export async function connect(ctx: IExecuteFunctions): Promise<SyneriseApi> {
	const credentials = await ctx.getCredentials(CREDENTIAL_TYPE);
	const jwt = credentials.authMethod !== 'basic';
	const transport = new Transport(ctx, {
		credentialType: CREDENTIAL_TYPE,
		baseUrl: syneriseBaseUrl(credentials),
		// JWT: an expired token answers 401; n8n logs in again and resends once (reference §3.2, §8).
		refreshOnStatus: jwt ? [401] : undefined,
		errorMessage: (body) => syneriseErrorMessage(body),
	});
	const limiter = new RateLimiter({ requests: { limit: MAX_REQUESTS_PER_SECOND, windowMs: 1000 } });
	const headers: IDataObject = { 'Api-Version': API_VERSION, Accept: 'application/json', 'Content-Type': 'application/json' };
	// Without a stored token, n8n logs in before each call that finds none: the first call goes alone, so
	// the calls after it find the token it stored instead of each logging in.
	let first: Promise<unknown> | undefined;
	return {
		transport,
		remembered: {},
		async request<T>(request: VendorRequest) {
			const send = async () => await transport.request<T>({ limiter, ...request, headers: { ...headers, ...request.headers } });
			if (!jwt) return await send();
			if (!first) {
				const call = send();
				first = call.catch(() => undefined);
				return await call;
			}
			await first;
			return await send();
		},
	};
}
