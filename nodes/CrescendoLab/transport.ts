import type { IDataObject, IExecuteFunctions, ILoadOptionsFunctions } from 'n8n-workflow';

import { RateLimiter } from '../shared/rateLimit';
import type { RetryPolicy } from '../shared/retry';
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
 * rejection: 429 is most likely and 409 the alternative (inferred, reference §8). 429 is retried anyway.
 */
export const BUSY_STATUSES = [409, 429];
/** Each tag name is at most 50 characters (reference §4.2). */
export const MAX_TAG_LENGTH = 50;
/** A LINE user ID: `U` and 32 hex characters (reference §4.1, §9.9). */
export const LINE_UID_PATTERN = /^U[0-9a-f]{32}$/;

/**
 * Paths per surface. The Profile API paths are not public: they follow the documented operation ID
 * `update_member_cdh_v1_member_patch` (inferred, reference §5A). MAAC v1 paths are documented and end
 * with a slash (reference §5B).
 */
export const PATHS = {
	profileApi: {
		importStart: '/cdh/v1/member/import',
		importStatus: (taskId: string) => `/cdh/v1/member/import/${encodeURIComponent(taskId)}`,
		exportStart: '/cdh/v1/member/export',
		exportStatus: (taskId: string) => `/cdh/v1/member/export/${encodeURIComponent(taskId)}`,
	},
	maacApi: {
		importStart: '/openapi/v1/member/import/',
		importStatus: (taskId: string) => `/openapi/v1/member/import/${encodeURIComponent(taskId)}/`,
	},
} as const;

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

/** Builds the engine transport for one surface, with the base URL from the credential. */
export async function crescendoTransport(
	ctx: IExecuteFunctions | ILoadOptionsFunctions,
	surface: Surface,
	retry?: Partial<RetryPolicy>,
): Promise<Transport> {
	const type = credentialType(surface);
	const credentials = await ctx.getCredentials(type);
	const override = typeof credentials.baseUrl === 'string' ? credentials.baseUrl.trim() : '';
	const region = credentials.region === 'jp' ? 'jp' : 'tw';
	return new Transport(ctx, {
		credentialType: type,
		baseUrl: override !== '' ? override : HOSTS[surface][region],
		errorMessage: (body) => crescendoErrorMessage(body),
		retry,
	});
}

/**
 * One limiter per execution for every request the node makes (task starts and status polls alike), so
 * the node stays inside the vendor's per-minute budget even if the vendor counts polls. Starts are spaced
 * evenly, as the vendor recommends (at least 4 s apart at 15/min, reference §7), so no sliding window of
 * any length sees more than the budget.
 */
export function crescendoLimiter(requestsPerMinute: number, transport: Transport): RateLimiter {
	const perMinute = Math.max(1, requestsPerMinute);
	return new RateLimiter({ requests: { limit: 1, windowMs: Math.ceil(60_000 / perMinute) }, clock: transport.clock });
}
