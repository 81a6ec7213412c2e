// Fake of Talon.One's CDP gateway (reference: shared/vendors/talon-one.md, §5 and "Simulator notes" §9).
// One server plays the gateway; its store is keyed by deployment hostname, as the real gateway forwards
// each call to the deployment named in `destination-hostname`. Only the CDP routes are served: the node
// uses no Integration API (V2) route.
import { randomUUID } from 'node:crypto';

import type { SandboxRequest, SandboxResponse, VendorContext, VendorModule } from './core.mts';
import { json, TokenBucket } from './core.mts';

export const DEPLOYMENT = 'sandbox.europe-west1.talon.one';

/** The sandbox's known keys, as the credential's fields (the base URL is the sandbox's own). */
export const credentials = {
	apiKey: 'talon-sandbox-cdp-key-7f3a9c',
	deploymentHostname: DEPLOYMENT,
	platformName: 'n8n sandbox',
};

/** A valid Integration API key that is not a CDP (third-party) key: refused by the gateway (§9.2). */
export const INTEGRATION_KEY = 'talon-sandbox-integration-key-2b81e0';

const KEYS: Record<string, { deployment: string; cdp: boolean }> = {
	[credentials.apiKey]: { deployment: DEPLOYMENT, cdp: true },
	[INTEGRATION_KEY]: { deployment: DEPLOYMENT, cdp: false },
};

const DEFAULT_ATTRIBUTES = ['Language', 'ShippingCountry', 'ProductClicked', 'Nickname', 'Tier', 'Score', 'Email', 'Name'];

export interface TalonKnobs {
	/** Per-key token bucket (§9.9); the default is the inferred 60 requests per second. */
	requestsPerSecond: number;
	burst: number;
	/** Seconds sent as `Retry-After` with a 429; the vendor documents none, so none by default. */
	retryAfterSeconds: number | null;
	/** Cap on `adds` + `deletes` (§8). */
	maxAudienceChanges: number;
	/** Whether the cap counts the whole request or each profile entry (§5.3, inferred reading). */
	capScope: 'request' | 'profile';
	/** Profile attributes defined in the Campaign Manager (§9.5). */
	definedAttributes: string[];
	/** Serve the printed guide's singular `/cdp/customer_profile/audiences` as the plural route (§9.11). */
	singularAlias: boolean;
	/** What an audience update does when the body's `audienceId` differs from the path (§5.6, inferred). */
	updateIdMismatch: 'pathWins' | 'reject';
	/** Scope of the audience ID uniqueness check (§9.6, inferred). */
	duplicateScope: 'deployment' | 'integration';
	/**
	 * Status for a single-profile update that overlaps another on the same profile (§8: 409 on V2; the CDP
	 * answer is inferred to be 409 or 429); null accepts overlaps.
	 */
	profileOverlapStatus: 409 | 429 | null;
	/** Time a single-profile update takes (vendor ms, scaled), so overlaps can happen at all. */
	profileLatencyMs: number;
	/** Also accept `Authorization: Basic base64("ApiKey-v1 <key>:")`, the spec's second form (§2). */
	basicAuth: boolean;
	/**
	 * What a body field or query parameter the spec does not list gets. The spec's schemas list the fields
	 * without forbidding others; refusing them (inferred: 400 with the gateway body) catches a misspelt
	 * field that Talon.One would silently drop. `ignore` drops them instead.
	 */
	undocumentedFields: 'refuse' | 'ignore';
}

const DEFAULT_KNOBS: TalonKnobs = {
	requestsPerSecond: 60,
	burst: 60,
	retryAfterSeconds: null,
	maxAudienceChanges: 1000,
	capScope: 'request',
	definedAttributes: DEFAULT_ATTRIBUTES,
	singularAlias: false,
	updateIdMismatch: 'pathWins',
	duplicateScope: 'deployment',
	profileOverlapStatus: null,
	profileLatencyMs: 0,
	basicAuth: false,
	undocumentedFields: 'refuse',
};

interface Audience {
	id: number;
	accountId: number;
	created: string;
	name: string;
	integration: string;
	integrationId: string;
}

interface Profile {
	id: number;
	created: string;
	integrationId: string;
	accountId: number;
	attributes: Record<string, unknown>;
	closedSessions: number;
	totalSales: number;
	loyaltyMemberships: unknown[];
	audienceMemberships: Set<number>;
	lastActivity: string;
	sandbox: boolean;
}

interface Deployment {
	audiences: Map<number, Audience>;
	profiles: Map<string, Profile>;
	nextAudienceId: number;
	nextProfileId: number;
}

/** What the rule engine was asked and what it did, per single-profile call (§9.8). */
interface RuleEngineRecord {
	customerProfileId: string;
	requested: boolean;
	ran: boolean;
}

const ACCOUNT_ID = 6;
const MAX_TEXT = 1000;

class HttpError extends Error {
	constructor(
		readonly status: number,
		message: string,
	) {
		super(message);
	}
}

function cdpError(status: number, message: string): SandboxResponse {
	return json(status, { StatusCode: status, Error: message, RequestUUID: randomUUID() });
}

function header(req: SandboxRequest, name: string): string | undefined {
	const value = req.headers[name];
	const text = Array.isArray(value) ? value[0] : value;
	return text === undefined || text.trim() === '' ? undefined : text.trim();
}

/**
 * `ApiKey-v1 <key>` (the form the node sends), or with the `basicAuth` knob `Basic base64("ApiKey-v1 <key>:")`:
 * the spec documents both (§2); the fake accepts only the node's form unless a test asks for the other.
 */
function apiKeyOf(authorization: string | undefined, basicAuth: boolean): string | undefined {
	if (!authorization) return undefined;
	const direct = /^ApiKey-v1 (\S+)$/.exec(authorization);
	if (direct) return direct[1];
	if (!basicAuth) return undefined;
	const basic = /^Basic\s+(\S+)$/.exec(authorization);
	if (!basic) return undefined;
	const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
	return /^ApiKey-v1\s+(\S+):$/.exec(decoded)?.[1];
}

/**
 * `destination-hostname` must be a bare hostname: the third-party spec types it `format: hostname` with an
 * example without scheme (reference §0, which overrides §2's "accept both"). Hostnames are case-insensitive.
 */
export function deploymentHost(value: string): string | undefined {
	return HOSTNAME.test(value) ? value.toLowerCase() : undefined;
}

const HOSTNAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/**
 * Status and text for a `destination-hostname` that is not a hostname (a scheme, a path, a trailing slash).
 * The spec only declares the format; the gateway's answer is not documented (inferred: 400, as for a
 * missing hostname, with the gateway's error body).
 */
export const BAD_HOSTNAME_STATUS = 400;
export const BAD_HOSTNAME_ERROR = 'Invalid Deployment URL specified';

function isText(value: unknown, max = MAX_TEXT): value is string {
	return typeof value === 'string' && value.length >= 1 && value.length <= max;
}

export function create(): VendorModule & { knobs: TalonKnobs } {
	let knobs: TalonKnobs = { ...DEFAULT_KNOBS, definedAttributes: [...DEFAULT_ATTRIBUTES] };
	let ctx: VendorContext | undefined;
	let deployments = new Map<string, Deployment>();
	let buckets = new Map<string, TokenBucket>();
	let ruleEngine: RuleEngineRecord[] = [];
	let membershipRequests: Array<{ route: string; profiles: number; changes: number }> = [];
	const profilesInFlight = new Set<string>();
	let profileOverlaps = 0;

	const now = () => (ctx ? ctx.now() : Date.now());
	const iso = () => new Date(now()).toISOString();
	const scale = (ms: number) => (ctx ? ctx.scale(ms) : ms);

	const deployment = (host: string): Deployment => {
		let found = deployments.get(host);
		if (!found) {
			found = { audiences: new Map(), profiles: new Map(), nextAudienceId: 1, nextProfileId: 1 };
			deployments.set(host, found);
		}
		return found;
	};

	const upsertProfile = (store: Deployment, integrationId: string): Profile => {
		let profile = store.profiles.get(integrationId);
		if (!profile) {
			profile = {
				id: store.nextProfileId++,
				created: iso(),
				integrationId,
				accountId: ACCOUNT_ID,
				attributes: {},
				closedSessions: 0,
				totalSales: 0,
				loyaltyMemberships: [],
				audienceMemberships: new Set(),
				lastActivity: iso(),
				sandbox: false,
			};
			store.profiles.set(integrationId, profile);
		}
		profile.lastActivity = iso();
		return profile;
	};

	const profileJson = (store: Deployment, profile: Profile) => ({
		...profile,
		audienceMemberships: [...profile.audienceMemberships]
			.sort((a, b) => a - b)
			.map((id) => ({ id, name: store.audiences.get(id)?.name ?? '' })),
	});

	const integrationState = (store: Deployment, profile: Profile) => ({
		effects: [],
		createdCoupons: [],
		createdReferrals: [],
		customerProfile: profileJson(store, profile),
	});

	const audienceByIntegrationId = (store: Deployment, integrationId: string, integration?: string) =>
		[...store.audiences.values()].find(
			(audience) =>
				audience.integrationId === integrationId && (integration === undefined || audience.integration === integration),
		);

	/** Auth, deployment and platform checks in the order §9.2 gives, then the per-key rate limit (§9.9). */
	const gate = (req: SandboxRequest): { store: Deployment; platform: string } | SandboxResponse => {
		const key = apiKeyOf(header(req, 'authorization'), knobs.basicAuth);
		if (!key) return cdpError(401, 'Missing Session Token');
		const destination = header(req, 'destination-hostname');
		if (!destination) return cdpError(400, 'No Deployment URL specified');
		const platform = header(req, 'customer-data-platform-name');
		if (!platform) return cdpError(400, 'No customer data platform name specified');
		const host = deploymentHost(destination);
		if (!host) return cdpError(BAD_HOSTNAME_STATUS, BAD_HOSTNAME_ERROR);
		const known = KEYS[key];
		if (!known || !known.cdp || known.deployment !== host) return cdpError(401, 'Missing Session Token');
		let bucket = buckets.get(key);
		const perSecond = knobs.requestsPerSecond / (scale(1000) / 1000);
		if (!bucket || bucket.perSecond !== perSecond || bucket.burst !== knobs.burst) {
			bucket = new TokenBucket(perSecond, knobs.burst, now());
			buckets.set(key, bucket);
		}
		const verdict = bucket.take(1, now());
		if (!verdict.ok) {
			const response = cdpError(429, 'Too many requests');
			if (knobs.retryAfterSeconds !== null) {
				response.headers = { 'retry-after': String(Math.max(1, Math.ceil(knobs.retryAfterSeconds * (scale(1000) / 1000)))) };
			}
			return response;
		}
		return { store: deployment(host), platform };
	};

	/** Wraps a CDP handler: gate first, then the handler; `HttpError`s become the gateway's error body. */
	const cdp =
		(handler: (req: SandboxRequest, store: Deployment, platform: string) => SandboxResponse) =>
		(req: SandboxRequest): SandboxResponse => {
			const gated = gate(req);
			if ('status' in gated) return gated;
			if (req.bodyError) return cdpError(400, `Malformed JSON body: ${req.bodyError}`);
			try {
				return handler(req, gated.store, gated.platform);
			} catch (error) {
				if (error instanceof HttpError) return cdpError(error.status, error.message);
				throw error;
			}
		};

	/** Resolves audience references to internal IDs; an unknown one fails the whole request (§9.7). */
	const resolveAudiences = (store: Deployment, refs: unknown, external: boolean, where: string): number[] => {
		if (refs === undefined) return [];
		if (!Array.isArray(refs)) throw new HttpError(400, `${where} must be an array`);
		return refs.map((ref) => {
			if (external) {
				if (!isText(ref)) throw new HttpError(400, `${where} must hold audience integration IDs of 1-${MAX_TEXT} characters`);
				const audience = audienceByIntegrationId(store, ref);
				if (!audience) throw new HttpError(404, 'Not Found');
				return audience.id;
			}
			if (typeof ref !== 'number' || !Number.isSafeInteger(ref) || ref < 1) {
				throw new HttpError(400, `${where} must hold audience IDs (integers of at least 1)`);
			}
			if (!store.audiences.has(ref)) throw new HttpError(404, 'Not Found');
			return ref;
		});
	};

	/** Refuses fields the spec does not list for this object (see the `undocumentedFields` knob). */
	const onlyFields = (value: unknown, allowed: string[], where: string) => {
		if (knobs.undocumentedFields === 'ignore' || !value || typeof value !== 'object' || Array.isArray(value)) return;
		const extra = Object.keys(value).filter((key) => !allowed.includes(key));
		if (extra.length > 0) throw new HttpError(400, `${where} has undocumented field(s): ${extra.join(', ')}`);
	};

	const onlyQuery = (req: SandboxRequest, allowed: string[]) => {
		if (knobs.undocumentedFields === 'ignore') return;
		const extra = [...req.query.keys()].filter((key) => !allowed.includes(key));
		if (extra.length > 0) throw new HttpError(400, `undocumented query parameter(s): ${extra.join(', ')}`);
	};

	const checkCap = (count: number) => {
		if (count > knobs.maxAudienceChanges) {
			throw new HttpError(400, `The number of audience changes (${count}) exceeds the limit of ${knobs.maxAudienceChanges}`);
		}
	};

	/** Adds first, then deletes (§9.7, inferred ordering); repeats are no-ops. */
	const applyMemberships = (profile: Profile, adds: number[], deletes: number[]) => {
		for (const id of adds) profile.audienceMemberships.add(id);
		for (const id of deletes) profile.audienceMemberships.delete(id);
	};

	const checkProfileId = (id: unknown): string => {
		if (!isText(id)) throw new HttpError(400, `customerProfileId must be 1-${MAX_TEXT} characters`);
		return id;
	};

	// 5.3 / 5.4: many profiles, 204 with an empty body.
	const bulkMemberships = (external: boolean) => (req: SandboxRequest, store: Deployment): SandboxResponse => {
		const body = req.body as { data?: unknown } | undefined;
		if (!body || typeof body !== 'object' || !Array.isArray(body.data)) throw new HttpError(400, 'data must be an array');
		onlyQuery(req, []);
		onlyFields(body, ['data'], 'The body');
		const planned = body.data.map((entry: unknown, index: number) => {
			if (!entry || typeof entry !== 'object') throw new HttpError(400, `data[${index}] must be an object`);
			onlyFields(entry, ['customerProfileId', 'adds', 'deletes'], `data[${index}]`);
			const record = entry as Record<string, unknown>;
			const customerProfileId = checkProfileId(record.customerProfileId);
			const adds = resolveAudiences(store, record.adds, external, `data[${index}].adds`);
			const deletes = resolveAudiences(store, record.deletes, external, `data[${index}].deletes`);
			if (knobs.capScope === 'profile') checkCap(adds.length + deletes.length);
			return { customerProfileId, adds, deletes };
		});
		const total = planned.reduce((sum, entry) => sum + entry.adds.length + entry.deletes.length, 0);
		if (knobs.capScope === 'request') checkCap(total);
		for (const entry of planned) applyMemberships(upsertProfile(store, entry.customerProfileId), entry.adds, entry.deletes);
		membershipRequests.push({ route: req.route, profiles: planned.length, changes: total });
		return { status: 204 };
	};

	// 5.1: one profile's attributes and audiences, 200 with IntegrationStateV2.
	const updateProfile = (req: SandboxRequest, store: Deployment): SandboxResponse => {
		const id = checkProfileId(req.params.customerProfileId);
		onlyQuery(req, ['skipNonExistingAttributes']);
		const skipText = req.query.get('skipNonExistingAttributes');
		if (skipText !== null && skipText !== 'true' && skipText !== 'false') {
			throw new HttpError(400, 'skipNonExistingAttributes must be true or false');
		}
		const skip = skipText === 'true';
		const body = (req.body ?? {}) as Record<string, unknown>;
		if (typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'The body must be an object');
		onlyFields(body, ['attributes', 'runRuleEngine', 'audiencesChanges'], 'The body');
		onlyFields(body.audiencesChanges, ['adds', 'deletes'], 'audiencesChanges');
		const attributes = body.attributes ?? {};
		if (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes)) {
			throw new HttpError(400, 'attributes must be an object');
		}
		if (body.runRuleEngine !== undefined && typeof body.runRuleEngine !== 'boolean') {
			throw new HttpError(400, 'runRuleEngine must be a boolean');
		}
		const changes = (body.audiencesChanges ?? {}) as Record<string, unknown>;
		if (typeof changes !== 'object' || changes === null) throw new HttpError(400, 'audiencesChanges must be an object');
		const adds = resolveAudiences(store, changes.adds, false, 'audiencesChanges.adds');
		const deletes = resolveAudiences(store, changes.deletes, false, 'audiencesChanges.deletes');
		checkCap(adds.length + deletes.length);
		const kept: Record<string, unknown> = {};
		for (const [name, value] of Object.entries(attributes)) {
			if (!knobs.definedAttributes.includes(name)) {
				if (skip) continue;
				throw new HttpError(400, `The attribute '${name}' does not exist`);
			}
			kept[name] = value;
		}
		const profile = upsertProfile(store, id);
		for (const [name, value] of Object.entries(kept)) {
			if (value === null) delete profile.attributes[name];
			else profile.attributes[name] = value;
		}
		applyMemberships(profile, adds, deletes);
		const requested = body.runRuleEngine === true;
		ruleEngine.push({ customerProfileId: id, requested, ran: requested || adds.length + deletes.length > 0 });
		return json(200, integrationState(store, profile));
	};

	// 5.2: one profile's audiences by external ID, 200 with IntegrationStateV2.
	const updateProfileAudiences = (req: SandboxRequest, store: Deployment): SandboxResponse => {
		const id = checkProfileId(req.params.customerProfileId);
		onlyQuery(req, []);
		onlyFields(req.body, ['data'], 'The body');
		const data = ((req.body ?? {}) as { data?: Record<string, unknown> }).data;
		if (!data || typeof data !== 'object') throw new HttpError(400, 'data must be an object');
		onlyFields(data, ['adds', 'deletes'], 'data');
		const adds = resolveAudiences(store, data.adds, true, 'data.adds');
		const deletes = resolveAudiences(store, data.deletes, true, 'data.deletes');
		checkCap(adds.length + deletes.length);
		const profile = upsertProfile(store, id);
		applyMemberships(profile, adds, deletes);
		ruleEngine.push({ customerProfileId: id, requested: false, ran: true });
		return json(200, integrationState(store, profile));
	};

	const audienceFields = (req: SandboxRequest): { audienceId: string; audienceName: string } => {
		onlyQuery(req, []);
		const body = (req.body ?? {}) as Record<string, unknown>;
		onlyFields(body, ['audienceId', 'audienceName'], 'The body');
		if (!isText(body.audienceId)) throw new HttpError(400, `audienceId is required (1-${MAX_TEXT} characters)`);
		if (!isText(body.audienceName)) throw new HttpError(400, `audienceName is required (1-${MAX_TEXT} characters)`);
		return { audienceId: body.audienceId, audienceName: body.audienceName };
	};

	const audienceJson = ({ id, accountId, created, name, integration, integrationId }: Audience) => ({
		id,
		accountId,
		created,
		name,
		integration,
		integrationId,
	});

	const findAudience = (store: Deployment, integrationId: string): Audience => {
		const audience = audienceByIntegrationId(store, integrationId);
		if (!audience) throw new HttpError(404, 'Not Found');
		return audience;
	};

	const routes = [
		{
			method: 'PUT',
			path: '/cdp/customer_profiles/audiences',
			handler: cdp(bulkMemberships(false)),
		},
		{
			method: 'PUT',
			path: '/cdp/v2/customer_profiles/audiences',
			handler: cdp(bulkMemberships(true)),
		},
		{
			method: 'PUT',
			path: '/cdp/customer_profile/:customerProfileId/audiences',
			handler: cdp(updateProfileAudiences),
		},
		{
			method: 'PUT',
			path: '/cdp/customer_profile/:customerProfileId',
			handler: async (req: SandboxRequest): Promise<SandboxResponse> => {
				const handle = cdp((request, store) =>
					knobs.singularAlias && request.params.customerProfileId === 'audiences'
						? bulkMemberships(false)(request, store)
						: updateProfile(request, store),
				);
				if (knobs.profileLatencyMs <= 0) return handle(req);
				const key = `${header(req, 'destination-hostname') ?? ''} ${req.params.customerProfileId}`;
				if (profilesInFlight.has(key) && knobs.profileOverlapStatus !== null) {
					profileOverlaps++;
					return cdpError(knobs.profileOverlapStatus, 'Another request is updating this customer profile');
				}
				profilesInFlight.add(key);
				try {
					await new Promise((resolve) => setTimeout(resolve, scale(knobs.profileLatencyMs)));
					return handle(req);
				} finally {
					profilesInFlight.delete(key);
				}
			},
		},
		{
			method: 'POST',
			path: '/cdp/audiences',
			handler: cdp((req, store, platform) => {
				const { audienceId, audienceName } = audienceFields(req);
				const scope = knobs.duplicateScope === 'integration' ? platform : undefined;
				if (audienceByIntegrationId(store, audienceId, scope)) {
					throw new HttpError(409, `The audience with the ID '${audienceId}' already exists`);
				}
				const audience: Audience = {
					id: store.nextAudienceId++,
					accountId: ACCOUNT_ID,
					created: iso(),
					name: audienceName,
					integration: platform,
					integrationId: audienceId,
				};
				store.audiences.set(audience.id, audience);
				return json(201, audienceJson(audience));
			}),
		},
		{
			method: 'PUT',
			path: '/cdp/audiences/:audienceId',
			handler: cdp((req, store) => {
				const { audienceId, audienceName } = audienceFields(req);
				const audience = findAudience(store, req.params.audienceId);
				if (audienceId !== req.params.audienceId && knobs.updateIdMismatch === 'reject') {
					throw new HttpError(400, 'audienceId in the body does not match the path');
				}
				audience.name = audienceName;
				return json(200, audienceJson(audience));
			}),
		},
		{
			method: 'DELETE',
			path: '/cdp/audiences/:audienceId',
			handler: cdp((req, store) => {
				onlyQuery(req, []);
				if (knobs.undocumentedFields === 'refuse' && req.rawBody.length > 0) throw new HttpError(400, 'Delete audience takes no body');
				const audience = findAudience(store, req.params.audienceId);
				store.audiences.delete(audience.id);
				for (const profile of store.profiles.values()) profile.audienceMemberships.delete(audience.id);
				return { status: 204 };
			}),
		},
	];

	const module: VendorModule & { knobs: TalonKnobs } = {
		name: 'talonOne',
		// The gateway's error body for a path it does not serve.
		unknownRoute: () => cdpError(404, 'Not Found'),
		routes,
		get knobs() {
			return knobs;
		},
		state() {
			const out: Record<string, unknown> = {};
			for (const [host, store] of deployments) {
				out[host] = {
					audiences: [...store.audiences.values()].map(audienceJson),
					profiles: [...store.profiles.values()].map((profile) => profileJson(store, profile)),
				};
			}
			return { deployments: out, ruleEngine, membershipRequests, profileOverlaps };
		},
		reset() {
			deployments = new Map();
			buckets = new Map();
			ruleEngine = [];
			membershipRequests = [];
			profileOverlaps = 0;
		},
		configure(next) {
			knobs = { ...knobs, ...(next as Partial<TalonKnobs>) };
			buckets = new Map();
			return { ...knobs };
		},
		attach(context) {
			ctx = context;
		},
	};
	return module;
}
