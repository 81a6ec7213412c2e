import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { Clock } from '../shared/clock';
import { RateLimiter } from '../shared/rateLimit';
import { Transport } from '../shared/transport';

export const CREDENTIAL_TYPE = 'talonOneCdpApi';
export const DEFAULT_BASE_URL = 'https://integration.talon.one';

/** Reference §5.5–5.7: create an audience (POST); update or delete one by the ID your platform gave it. */
export const AUDIENCES_PATH = '/cdp/audiences';
export const audiencePath = (audienceId: string): string => `${AUDIENCES_PATH}/${encodeURIComponent(audienceId)}`;

/** Reference §5.1: create or update one customer profile by its integration ID. */
export const customerProfilePath = (customerProfileId: string): string =>
	`/cdp/customer_profile/${encodeURIComponent(customerProfileId)}`;

/** Reference §5.3–5.4: audience memberships of many profiles, by numeric audience ID or by external (integration) ID. */
export const MEMBERSHIPS_PATH = '/cdp/customer_profiles/audiences';
export const MEMBERSHIPS_BY_EXTERNAL_ID_PATH = '/cdp/v2/customer_profiles/audiences';

/**
 * Reference §5.2–5.4, §8: `adds` + `deletes` items one membership request may carry. §5.3 does not say
 * whether the cap counts the whole request or each profile entry (inferred); the node counts the whole
 * request, the stricter reading, so its requests are valid under either.
 */
export const MAX_AUDIENCE_CHANGES_PER_REQUEST = 1000;

/** Reference §8: the longest profile integration ID, audience ID and audience name (at least 1 character each). */
export const MAX_ID_LENGTH = 1000;
export const MAX_AUDIENCE_NAME_LENGTH = 1000;

/**
 * Reference §8: the CDP routes' rate limit is not published; this is what the mirrored Segment routes
 * document. (inferred for CDP)
 */
export const REQUESTS_PER_SECOND = 60;

/**
 * Reference §8: parallel updates of one profile may be refused, so single-profile calls for the same
 * profile go one after another; different profiles may overlap.
 */
export const CONCURRENT_REQUESTS = 4;

/**
 * Talon.One refuses a membership request that names an unknown audience with 404 `Not Found`, without
 * saying which audience (reference §7; the documented 404 body is only `{StatusCode, Error, RequestUUID}`),
 * and applies none of it (§9.7, inferred atomicity). The node then finds the unknown audiences by
 * resending parts of the request grouped by audience, so only the items that name them fail.
 */
export const UNKNOWN_AUDIENCE_STATUS = 404;

/**
 * A refusal for the content of a request other than an unknown audience (e.g. a profile ID Talon.One
 * does not take, reference §7): the request is halved to find the items at fault.
 */
export const ISOLATE_ROWS_ON_STATUS = [400];

/**
 * Extra requests one execution may spend on finding refused items, besides ISOLATION_REQUESTS_PER_AUDIENCE
 * for each distinct audience in the input: the search costs a few requests per unknown audience, not per row.
 */
export const MAX_ISOLATION_REQUESTS = 64;
export const ISOLATION_REQUESTS_PER_AUDIENCE = 2;

/**
 * A 404 that no accepted request explains may come from the deployment or key (the gateway gives the same
 * `Not Found`, reference §7). After this many refused searches with no accepted request in the execution,
 * the node stops searching and fails the rest with Talon.One's answer.
 */
export const MAX_BLIND_REFUSALS = 8;

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

export interface ConnectOptions {
	/** Time source for pacing and retries; tests give a virtual one. */
	clock?: Clock;
}

/** One transport and one shared rate budget for every request of an execution. */
export async function connect(ctx: IExecuteFunctions, { clock }: ConnectOptions = {}): Promise<TalonOneApi> {
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
