import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { Clock } from '../shared/clock';
import { RateLimiter } from '../shared/rateLimit';
import { Transport } from '../shared/transport';

export const CREDENTIAL_TYPE = 'talonOneCdpApi';
export const DEFAULT_BASE_URL = 'https://integration.talon.one';

/**
 * Reference §5.2–5.4, §8: `adds` + `deletes` items one membership request may carry. §5.3 does not say
 * whether the cap counts the whole request or each profile entry (inferred); the node counts the whole
 * request, the stricter reading, so its requests are valid under either.
 */
export const MAX_AUDIENCE_CHANGES_PER_REQUEST = 1000;

/** Reference §8: profile integration IDs and audience IDs/names are 1–1000 characters. */
export const MAX_ID_LENGTH = 1000;
export const MAX_AUDIENCE_NAME_LENGTH = 1000;

/**
 * Reference §8: the CDP routes' rate limit is not published; the mirrored Segment routes document 60
 * requests per second. (inferred for CDP)
 */
export const REQUESTS_PER_SECOND = 60;

/**
 * Reference §8: parallel updates of one profile may be refused, so single-profile calls for the same
 * profile go one after another; different profiles may overlap.
 */
export const CONCURRENT_REQUESTS = 4;

/** Pulls the message out of the gateway's `{StatusCode, Error, RequestUUID}` or V2's `{message, errors[]}` bodies (§7). */
export function talonErrorMessage(body: unknown): string | undefined {
	if (!body || typeof body !== 'object') return undefined;
	const record = body as IDataObject;
	const parts: string[] = [];
	if (typeof record.Error === 'string') parts.push(record.Error);
	if (typeof record.message === 'string' && record.message) parts.push(record.message);
	if (Array.isArray(record.errors)) {
		for (const entry of record.errors as IDataObject[]) {
			const source = (entry?.source ?? {}) as IDataObject;
			const where = source.pointer ?? source.parameter ?? source.line ?? source.resource;
			const text = [entry?.title, entry?.details].filter((part) => typeof part === 'string' && part).join(': ');
			if (text) parts.push(where !== undefined ? `${text} (at ${String(where)})` : text);
		}
	}
	if (parts.length === 0) return undefined;
	const uuid = typeof record.RequestUUID === 'string' ? ` [request ${record.RequestUUID}]` : '';
	return `${parts.join('; ')}${uuid}`;
}

export interface TalonOneApi {
	transport: Transport;
	limiter: RateLimiter;
}

/** One transport and one shared rate budget for every request of an execution. */
export async function talonOneApi(ctx: IExecuteFunctions, clock?: Clock): Promise<TalonOneApi> {
	const credentials = await ctx.getCredentials(CREDENTIAL_TYPE);
	const baseUrl = String(credentials.baseUrl || DEFAULT_BASE_URL);
	const transport = new Transport(ctx, {
		credentialType: CREDENTIAL_TYPE,
		baseUrl,
		clock,
		errorMessage: talonErrorMessage,
	});
	const limiter = new RateLimiter({ requests: { limit: REQUESTS_PER_SECOND, windowMs: 1000 }, clock });
	return { transport, limiter };
}
