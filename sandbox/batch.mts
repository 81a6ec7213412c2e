// Fake of Batch's CEP Profile API (2.x) and legacy GDPR API (1.0), following the "Simulator notes" of
// ../shared/vendors/batch.md §7. Profiles are kept in memory; `state()` returns them with their types,
// every accepted or refused call, and the GDPR requests, so tests compare what the node sent.
import { randomUUID } from 'node:crypto';

import type { SandboxRequest, SandboxResponse, VendorContext, VendorModule } from './core.mts';
import { json, TokenBucket } from './core.mts';

export const credentials = {
	restApiKey: 'batch-rest-key-0001',
	projectKey: 'project_0664hxvwffvbpn278gxdyhsadddqgna6',
	appApiKey: 'APPKEY0001LIVE',
	/** A second app of the same project (Batch's GDPR API works per app, reference §0). */
	secondAppApiKey: 'APPKEY0002ANDROID',
	apiVersion: '2.11',
};

/** Fixture: REST keys, the projects each one reaches, and the apps (legacy API keys) of each project. */
const KEYS: Record<string, string[]> = { [credentials.restApiKey]: [credentials.projectKey] };
const APPS: Record<string, string> = {
	[credentials.appApiKey]: credentials.projectKey,
	[credentials.secondAppApiKey]: credentials.projectKey,
};

export interface BatchKnobs {
	/** Reference §7.4: status for a missing X-Batch-Project header (unknown: 400 or 401). */
	missingProjectStatus: number;
	/** Reference §7.6: check that project keys look like project_[a-z0-9]{32}. */
	checkProjectKeyFormat: boolean;
	/** Reference §7.8: an empty array is a 400 (inferred). */
	rejectEmptyArray: boolean;
	maxUpdateOperations: number;
	maxMassUpdateOperations: number;
	/** Reference §7.10: bad identifiers reject the whole call (`call`) or only that operation (`operation`). */
	identifierErrors: 'call' | 'operation';
	/** Reference §7.18: token buckets per (project, endpoint), in profiles per vendor second. */
	updatePerSecond: number;
	updateBurst: number;
	massUpdatePerSecond: number;
	massUpdateBurst: number;
	/** Reference §7.19: Retry-After on 429 is off by default; clients must not depend on it. */
	sendRetryAfter: boolean;
	maxCustomAttributes: number;
	maxEventsPerOperation: number;
	/** Reference §7.16: vendor milliseconds before written data becomes visible in `state()`. */
	visibilityDelayMs: number;
	/** Reference §7.21: Custom IDs whose every attribute is refused as a partial error. */
	poisonCustomIds: string[];
	/** Reference §7.24: vendor milliseconds before a GDPR request is done. */
	gdprDelayMs: number;
	/**
	 * Reference §0: the create answer's ID field is not confirmed. On, the create answer carries no
	 * `request_id` (undocumented; off by default).
	 */
	gdprOmitRequestId: boolean;
	/**
	 * Reference §3.1, §7.21: the next profile calls answer these statuses with Batch's error body before
	 * anything is applied (e.g. 503 MAINTENANCE), one status per call.
	 */
	refuseNextProfileCalls: number[];
	/** Reference §4.3 says to send dates in UTC; on, dates with an offset or without a time are accepted too (undocumented). */
	acceptDateOffsets: boolean;
}

const DEFAULT_KNOBS: BatchKnobs = {
	missingProjectStatus: 401,
	checkProjectKeyFormat: true,
	rejectEmptyArray: true,
	maxUpdateOperations: 200,
	maxMassUpdateOperations: 10_000,
	identifierErrors: 'call',
	updatePerSecond: 300,
	updateBurst: 1_000,
	massUpdatePerSecond: 10_000,
	massUpdateBurst: 10_000,
	sendRetryAfter: false,
	maxCustomAttributes: 50,
	maxEventsPerOperation: 15,
	visibilityDelayMs: 0,
	poisonCustomIds: [],
	gdprDelayMs: 1_000,
	gdprOmitRequestId: false,
	refuseNextProfileCalls: [],
	acceptDateOffsets: false,
};

type AttributeType = 'string' | 'integer' | 'float' | 'boolean' | 'date' | 'url' | 'array';

interface StoredAttribute {
	type: AttributeType;
	value: unknown;
}

interface Profile {
	customId: string;
	project: string;
	native: Record<string, unknown>;
	attributes: Record<string, StoredAttribute>;
	events: Array<Record<string, unknown>>;
	updatedAt: number;
}

interface PartialError {
	category: 'attribute' | 'event' | 'identifier';
	bulk_index: number;
	attribute?: string;
	reason: string;
}

interface CallRecord {
	at: number;
	route: 'update' | 'mass-update';
	version: string;
	project?: string;
	status: number;
	code?: string;
	operations: number;
	customIds: string[];
	errors?: PartialError[];
}

interface GdprRequest {
	request_id: string;
	request_date: string;
	status: 'pending' | 'done';
	request_type: 'review' | 'remove';
	trigger_type: 'api';
	error?: string;
	id: { type: string; value: string };
	callback_url?: string;
	app: string;
	doneAt: number;
}

const VERSION = /^2\.\d+$/;
const PROJECT_KEY = /^project_[a-z0-9]{32}$/;
const NAME = /^[a-z0-9_]{1,30}$/;
const EVENT_NAME = /^[a-z0-9_]{1,30}$/;
const E164 = /^\+[0-9]{1,15}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const URL_SHAPE = /^[a-z][a-z0-9+.-]*:\/\/[^/?#\s]+/i;
const NATIVE = new Set([
	'$email_address',
	'$email_marketing',
	'$phone_number',
	'$sms_marketing',
	'$language',
	'$region',
	'$timezone',
	'$topic_preferences',
]);

/** Documented fields of one profile operation (reference §3.1, the OpenAPI of /profiles/update). */
const OPERATION_KEYS = new Set(['identifiers', 'attributes', 'events']);
/** Documented fields of a GDPR create body (doc.batch.com /api/gdpr/create). */
const GDPR_KEYS = new Set(['request_type', 'id', 'callback_url']);
/** Identifier types the GDPR create page lists. */
const GDPR_ID_TYPES = new Set(['custom_id', 'installation_id', 'advertising_id']);
/** Reference §4.3: dates are sent in UTC ("Use UTC"). */
const UTC_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

const isJson = (req: SandboxRequest) => /^application\/json\b/i.test(String(req.headers['content-type'] ?? ''));

const error = (status: number, code: string, message: string, headers?: Record<string, string>): SandboxResponse =>
	json(status, { error_code: code, error_message: message }, headers);

function isTimezone(zone: string): boolean {
	try {
		new Intl.DateTimeFormat('en-US', { timeZone: zone });
		return true;
	} catch {
		return false;
	}
}

function stringProblem(value: unknown): string | undefined {
	if (typeof value !== 'string') return 'not a string';
	if (value.length === 0) return 'empty string';
	if (value.length > 300) return 'string longer than 300 characters';
	return undefined;
}

function arrayProblem(value: unknown[]): string | undefined {
	if (value.length === 0 || value.length > 25) return `array must have 1 to 25 items, got ${value.length}`;
	for (const item of value) {
		if (typeof item !== 'string') return 'array items must be strings';
		const problem = stringProblem(item);
		if (problem) return `array item: ${problem}`;
	}
	return undefined;
}

export function create(): VendorModule {
	let knobs: BatchKnobs = { ...DEFAULT_KNOBS };
	let ctx: VendorContext | undefined;
	let profiles = new Map<string, Profile>();
	let pending: Array<{ at: number; apply: () => void }> = [];
	let calls: CallRecord[] = [];
	let warnings: string[] = [];
	let gdpr = new Map<string, GdprRequest>();
	let buckets = new Map<string, TokenBucket>();

	const now = () => ctx?.now() ?? Date.now();
	const scale = (ms: number) => ctx?.scale(ms) ?? ms;
	const key = (project: string, customId: string) => `${project}\u0000${customId}`;

	const flush = () => {
		const t = now();
		const due = pending.filter((entry) => entry.at <= t);
		pending = pending.filter((entry) => entry.at > t);
		for (const entry of due) entry.apply();
		for (const request of gdpr.values()) {
			if (request.status === 'pending' && request.doneAt <= t) finishGdpr(request);
		}
	};

	const finishGdpr = (request: GdprRequest) => {
		const profileKey = key(APPS[request.app], request.id.value);
		if (request.request_type === 'remove') {
			if (profiles.has(profileKey)) profiles.delete(profileKey);
			else request.error = 'user not found';
		} else if (!profiles.has(profileKey)) {
			request.error = 'user not found';
		}
		request.status = 'done';
		if (request.callback_url) {
			const { app: _app, doneAt: _doneAt, callback_url: url, ...body } = request;
			void fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).catch(
				() => undefined,
			);
		}
	};

	const bucket = (project: string, route: 'update' | 'mass-update') => {
		const name = `${project}:${route}`;
		let found = buckets.get(name);
		if (!found) {
			// Rates are per vendor second; the time scale shrinks the second.
			const perVendorSecond = route === 'update' ? knobs.updatePerSecond : knobs.massUpdatePerSecond;
			const burst = route === 'update' ? knobs.updateBurst : knobs.massUpdateBurst;
			found = new TokenBucket((perVendorSecond * 1000) / Math.max(scale(1000), 1e-6), burst, now());
			buckets.set(name, found);
		}
		return found;
	};

	/** Reference §7.3–7.6: Bearer key and project header. */
	const authenticate = (req: SandboxRequest): { project: string } | SandboxResponse => {
		const authorization = String(req.headers.authorization ?? '');
		const match = /^Bearer (\S+)$/.exec(authorization);
		if (!match || !KEYS[match[1]]) {
			return error(401, 'AUTHENTICATION_INVALID', 'The REST API key is missing or not valid');
		}
		const project = req.headers['x-batch-project'];
		if (typeof project !== 'string' || project === '') {
			return error(knobs.missingProjectStatus, knobs.missingProjectStatus === 401 ? 'AUTHENTICATION_INVALID' : 'MISSING_PARAMETER', 'The X-Batch-Project header is missing');
		}
		if (knobs.checkProjectKeyFormat && !PROJECT_KEY.test(project)) {
			return error(401, 'AUTHENTICATION_INVALID', 'The project key is malformed');
		}
		if (!KEYS[match[1]].includes(project)) {
			return error(401, 'AUTHENTICATION_INVALID', 'The REST API key does not grant access to this project');
		}
		return { project };
	};

	/** Reference §7.14: checks one custom attribute; returns the stored form or a problem. */
	const customValue = (rawKey: string, value: unknown): { name: string; stored?: StoredAttribute; problem?: string } => {
		const wrapped = /^(date|url)\((.*)\)$/.exec(rawKey);
		const name = wrapped ? wrapped[2] : rawKey;
		if (!NAME.test(name)) return { name, problem: 'invalid attribute name' };
		if (value === null) return { name };
		if (wrapped?.[1] === 'date') {
			if (typeof value !== 'string' || !ISO_DATE.test(value) || Number.isNaN(Date.parse(value))) {
				return { name, problem: 'invalid date, expected ISO-8601' };
			}
			if (!knobs.acceptDateOffsets && !UTC_DATE.test(value)) return { name, problem: 'dates must be sent in UTC (…Z)' };
			return { name, stored: { type: 'date', value } };
		}
		if (wrapped?.[1] === 'url') {
			if (typeof value !== 'string' || value.length > 2048 || !URL_SHAPE.test(value)) {
				return { name, problem: 'invalid URL (at most 2048 characters, scheme://authority)' };
			}
			return { name, stored: { type: 'url', value } };
		}
		if (typeof value === 'string') {
			const problem = stringProblem(value);
			return problem ? { name, problem } : { name, stored: { type: 'string', value } };
		}
		if (typeof value === 'number') return { name, stored: { type: Number.isInteger(value) ? 'integer' : 'float', value } };
		if (typeof value === 'boolean') return { name, stored: { type: 'boolean', value } };
		if (Array.isArray(value)) {
			const problem = arrayProblem(value);
			return problem ? { name, problem } : { name, stored: { type: 'array', value: [...value] } };
		}
		return { name, problem: 'objects are not allowed as profile attribute values' };
	};

	const nativeProblem = (name: string, value: unknown): string | undefined => {
		if (!NATIVE.has(name)) return 'unknown native attribute';
		if (value === null) return undefined;
		switch (name) {
			case '$email_address':
				return typeof value === 'string' && EMAIL.test(value) && value.length <= 256 ? undefined : 'invalid email address';
			case '$phone_number':
				return typeof value === 'string' && E164.test(value) ? undefined : 'phone number is not E.164';
			case '$email_marketing':
			case '$sms_marketing':
				return value === 'subscribed' || value === 'unsubscribed' ? undefined : 'invalid subscription state';
			case '$language':
				return typeof value === 'string' && /^[a-z]{2}$/i.test(value) ? undefined : 'invalid language';
			case '$region':
				return typeof value === 'string' && /^[a-z]{2}$/i.test(value) ? undefined : 'invalid region';
			case '$timezone':
				return typeof value === 'string' && isTimezone(value) ? undefined : 'unknown timezone';
			case '$topic_preferences':
				return Array.isArray(value) ? arrayProblem(value) : 'topic preferences must be an array';
			default:
				return 'unknown native attribute';
		}
	};

	/** Reference §7.11–7.13: merge one accepted operation into the profile. */
	const apply = (project: string, customId: string, attributes: Record<string, unknown>, events: Array<Record<string, unknown>>) => {
		const profileKey = key(project, customId);
		let profile = profiles.get(profileKey);
		if (!profile) {
			profile = { customId, project, native: {}, attributes: {}, events: [], updatedAt: now() };
			profiles.set(profileKey, profile);
		}
		for (const [name, value] of Object.entries(attributes)) {
			if (name.startsWith('$')) {
				if (value === null) delete profile.native[name];
				else profile.native[name] = value;
				continue;
			}
			const wrapped = /^(date|url)\((.*)\)$/.exec(name);
			const plain = wrapped ? wrapped[2] : name;
			if (value === null) {
				delete profile.attributes[plain];
				continue;
			}
			if (value && typeof value === 'object' && !Array.isArray(value)) {
				const edit = value as { $add?: string[]; $remove?: string[] };
				const current = profile.attributes[plain]?.type === 'array' ? [...(profile.attributes[plain].value as string[])] : [];
				for (const item of edit.$add ?? []) if (!current.includes(item)) current.push(item);
				const next = current.filter((item) => !(edit.$remove ?? []).includes(item));
				profile.attributes[plain] = { type: 'array', value: next };
				continue;
			}
			const stored = customValue(name, value).stored!;
			const previous = profile.attributes[plain];
			if (previous && previous.type !== stored.type) {
				warnings.push(`${customId}: attribute ${plain} changed type from ${previous.type} to ${stored.type}`);
			}
			profile.attributes[plain] = stored;
		}
		profile.events.push(...events);
		profile.updatedAt = now();
	};

	const profilesRoute = (route: 'update' | 'mass-update') => async (req: SandboxRequest): Promise<SandboxResponse> => {
		flush();
		const version = req.params.version;
		if (!VERSION.test(version)) return error(404, 'ROUTE_NOT_FOUND', `No route for version ${version}`);
		const record: CallRecord = { at: now(), route, version, status: 0, operations: 0, customIds: [] };
		const answer = (response: SandboxResponse, code?: string) => {
			record.status = response.status;
			record.code = code ?? (response.body as { error_code?: string } | undefined)?.error_code;
			calls.push(record);
			return response;
		};
		const auth = authenticate(req);
		if ('status' in auth) return answer(auth);
		if (knobs.refuseNextProfileCalls.length > 0) {
			const [status, ...rest] = knobs.refuseNextProfileCalls;
			knobs = { ...knobs, refuseNextProfileCalls: rest };
			const code = status === 503 ? 'MAINTENANCE' : status === 429 ? 'TOO_MANY_REQUESTS' : 'SERVER_ERROR';
			return answer(error(status, code, 'Refused before processing (sandbox knob)'));
		}
		record.project = auth.project;
		if (!isJson(req)) return answer(error(400, 'MALFORMED_PARAMETER', 'The Content-Type must be application/json'));
		if (req.bodyError || req.body === undefined) return answer(error(400, 'MALFORMED_PARAMETER', 'The body is not valid JSON'));
		if (!Array.isArray(req.body)) return answer(error(400, 'MALFORMED_PARAMETER', 'The body must be a JSON array'));
		const operations = req.body as unknown[];
		record.operations = operations.length;
		if (operations.length === 0 && knobs.rejectEmptyArray) return answer(error(400, 'MISSING_PARAMETER', 'The array is empty'));
		const max = route === 'update' ? knobs.maxUpdateOperations : knobs.maxMassUpdateOperations;
		if (operations.length > max) {
			return answer(error(400, 'MALFORMED_PARAMETER', `At most ${max} operations per call, got ${operations.length}`));
		}
		const errors: PartialError[] = [];
		// The OpenAPI description of /profiles/update (reference §0): an operation has `identifiers` and
		// optional `attributes` (an object) and `events` (an array); nothing else.
		const identifierProblem = (operation: unknown): string | undefined => {
			if (!operation || typeof operation !== 'object' || Array.isArray(operation)) return 'an operation must be an object';
			const unknownKey = Object.keys(operation).find((k) => !OPERATION_KEYS.has(k));
			if (unknownKey) return `unknown field ${unknownKey}`;
			const { identifiers, attributes, events } = operation as { identifiers?: Record<string, unknown>; attributes?: unknown; events?: unknown };
			if (!identifiers || typeof identifiers !== 'object' || Array.isArray(identifiers)) return 'missing identifiers';
			const hasCustom = 'custom_id' in identifiers;
			const hasInstall = 'installation' in identifiers;
			if (hasCustom === hasInstall) return 'exactly one of custom_id or installation is required';
			const extra = Object.keys(identifiers).find((k) => k !== 'custom_id' && k !== 'installation');
			if (extra) return `unknown identifier ${extra}`;
			if (hasCustom && (typeof identifiers.custom_id !== 'string' || identifiers.custom_id === '')) return 'custom_id must be a non-empty string';
			// The node only sends custom_id (reference §3.1); the installation form is refused, not half-supported.
			if (hasInstall) return 'installation identifiers are not supported by this sandbox';
			if (attributes !== undefined && (attributes === null || typeof attributes !== 'object' || Array.isArray(attributes))) {
				return 'attributes must be an object';
			}
			if (events !== undefined && !Array.isArray(events)) return 'events must be an array';
			return undefined;
		};
		for (const [index, operation] of operations.entries()) {
			const problem = identifierProblem(operation);
			if (!problem) continue;
			if (knobs.identifierErrors === 'call') {
				return answer(error(400, 'MALFORMED_PARAMETER', `Operation ${index}: ${problem}`));
			}
			errors.push({ category: 'identifier', bulk_index: index, reason: problem });
		}
		// Reference §7.19: a request that costs more than the bucket holds is refused whole.
		const taken = bucket(auth.project, route).take(operations.length, now());
		if (!taken.ok) {
			const headers = knobs.sendRetryAfter ? { 'retry-after': String(Math.max(1, Math.ceil(taken.retryAfterMs / 1000))) } : undefined;
			return answer(error(429, 'TOO_MANY_REQUESTS', 'Too many profile updates, slow down', headers));
		}
		const visibleAt = now() + scale(knobs.visibilityDelayMs);
		for (const [index, raw] of operations.entries()) {
			if (errors.some((entry) => entry.bulk_index === index && entry.category === 'identifier')) continue;
			const operation = raw as { identifiers: { custom_id: string }; attributes?: unknown; events?: unknown };
			const customId = operation.identifiers.custom_id;
			record.customIds.push(customId);
			const accepted: Record<string, unknown> = {};
			const attributes = operation.attributes && typeof operation.attributes === 'object' ? (operation.attributes as Record<string, unknown>) : {};
			const poison = knobs.poisonCustomIds.includes(customId);
			let customCount = 0;
			for (const [name, value] of Object.entries(attributes)) {
				const refuse = (reason: string) => errors.push({ category: 'attribute', bulk_index: index, attribute: name, reason });
				if (poison) {
					refuse('value refused (poisoned custom ID)');
					continue;
				}
				if (name.startsWith('$')) {
					const problem = nativeProblem(name, value);
					if (problem) refuse(problem);
					else accepted[name] = value;
					continue;
				}
				if (value && typeof value === 'object' && !Array.isArray(value)) {
					const keys = Object.keys(value);
					const edit = value as Record<string, unknown>;
					const bad =
						keys.length === 0 ||
						keys.some((k) => k !== '$add' && k !== '$remove') ||
						keys.some((k) => !Array.isArray(edit[k]) || arrayProblem(edit[k] as unknown[]));
					if (bad || !NAME.test(name)) refuse(bad ? 'objects are not allowed as profile attribute values' : 'invalid attribute name');
					else if (++customCount > knobs.maxCustomAttributes) refuse(`more than ${knobs.maxCustomAttributes} custom attributes`);
					else accepted[name] = value;
					continue;
				}
				const checked = customValue(name, value);
				if (checked.problem) refuse(checked.problem);
				else if (++customCount > knobs.maxCustomAttributes) refuse(`more than ${knobs.maxCustomAttributes} custom attributes`);
				else accepted[name] = value;
			}
			const events: Array<Record<string, unknown>> = [];
			const list = Array.isArray(operation.events) ? (operation.events as Array<Record<string, unknown>>) : [];
			list.forEach((event, position) => {
				const refuse = (reason: string) => errors.push({ category: 'event', bulk_index: index, reason: `event ${position}: ${reason}` });
				if (position >= knobs.maxEventsPerOperation) return refuse(`more than ${knobs.maxEventsPerOperation} events`);
				if (typeof event?.name !== 'string' || !EVENT_NAME.test(event.name)) return refuse('invalid event name');
				if (event.time !== undefined) {
					const time = Date.parse(String(event.time));
					if (Number.isNaN(time)) return refuse('invalid time');
					if (time > Date.now() + 60_000 || time < Date.now() - 24 * 3600_000) return refuse('time older than 24 hours or in the future');
				}
				events.push({ ...event, time: event.time ?? new Date().toISOString() });
			});
			const applyNow = () => apply(auth.project, customId, accepted, events);
			if (visibleAt > now()) pending.push({ at: visibleAt, apply: applyNow });
			else applyNow();
		}
		if (errors.length > 0) {
			record.errors = errors;
			return answer(json(202, { code: 'SUCCESS_WITH_PARTIAL_ERRORS', errors }), 'SUCCESS_WITH_PARTIAL_ERRORS');
		}
		return answer(json(202, { code: 'SUCCESS' }), 'SUCCESS');
	};

	/** Legacy routes (reference §2, §3.4): REST key in X-Authorization, app API key in the path. */
	const legacyAuth = (req: SandboxRequest): SandboxResponse | undefined => {
		const key = req.headers['x-authorization'];
		if (typeof key !== 'string' || !KEYS[key]) return error(401, 'AUTHENTICATION_INVALID', 'The REST API key is missing or not valid');
		const project = APPS[req.params.appKey];
		if (!project || !KEYS[key].includes(project)) return error(401, 'AUTHENTICATION_INVALID', 'Unknown app API key');
		return undefined;
	};
	const publicRequest = (request: GdprRequest) => {
		const { app: _app, doneAt: _doneAt, ...rest } = request;
		return rest;
	};

	return {
		name: 'batch',
		// Batch's error object for a route it does not serve (the code its version check also uses).
		unknownRoute: (req) => error(404, 'ROUTE_NOT_FOUND', `No route ${req.method} ${req.path}`),
		routes: [
			{ method: 'POST', path: '/:version/profiles/update', handler: profilesRoute('update') },
			{ method: 'POST', path: '/:version/profiles/mass-update', handler: profilesRoute('mass-update') },
			{
				method: 'POST',
				path: '/1.0/:appKey/gdpr/request',
				handler: (req) => {
					flush();
					const refused = legacyAuth(req);
					if (refused) return refused;
					if (!isJson(req) || req.bodyError) return error(400, 'MALFORMED_PARAMETER', 'The body must be JSON (Content-Type: application/json)');
					const body = req.body as { request_type?: unknown; id?: { type?: unknown; value?: unknown }; callback_url?: unknown } | undefined;
					const unknownKey = body && typeof body === 'object' ? Object.keys(body).find((k) => !GDPR_KEYS.has(k)) : undefined;
					if (unknownKey) return error(400, 'MALFORMED_PARAMETER', `Unknown field ${unknownKey}`);
					if (body?.id && typeof body.id === 'object' && Object.keys(body.id).some((k) => k !== 'type' && k !== 'value')) {
						return error(400, 'MALFORMED_PARAMETER', 'id takes only type and value');
					}
					if (body?.callback_url !== undefined && (typeof body.callback_url !== 'string' || !URL_SHAPE.test(body.callback_url))) {
						return error(400, 'MALFORMED_PARAMETER', 'callback_url must be a URL');
					}
					if (!body || (body.request_type !== 'remove' && body.request_type !== 'review')) {
						return error(400, 'MALFORMED_PARAMETER', 'request_type must be review or remove');
					}
					if (!body.id || typeof body.id.type !== 'string' || typeof body.id.value !== 'string' || body.id.value === '') {
						return error(400, 'MISSING_PARAMETER', 'id.type and id.value are required');
					}
					if (!GDPR_ID_TYPES.has(body.id.type)) return error(400, 'MALFORMED_PARAMETER', `Unknown id type ${body.id.type}`);
					const request: GdprRequest = {
						request_id: randomUUID(),
						request_date: new Date().toISOString().replace('Z', ''),
						status: 'pending',
						request_type: body.request_type,
						trigger_type: 'api',
						id: { type: body.id.type, value: body.id.value },
						app: req.params.appKey,
						doneAt: now() + scale(knobs.gdprDelayMs),
					};
					if (typeof body.callback_url === 'string') request.callback_url = body.callback_url;
					gdpr.set(request.request_id, request);
					return json(200, knobs.gdprOmitRequestId ? {} : { request_id: request.request_id });
				},
			},
			{
				method: 'GET',
				path: '/1.0/:appKey/gdpr/request/:id',
				handler: (req) => {
					flush();
					const refused = legacyAuth(req);
					if (refused) return refused;
					const request = gdpr.get(req.params.id);
					if (!request || request.app !== req.params.appKey) return error(404, 'NOT_FOUND', 'Unknown request');
					return json(200, publicRequest(request));
				},
			},
			{
				method: 'GET',
				path: '/1.0/:appKey/gdpr/requests',
				handler: (req) => {
					flush();
					const refused = legacyAuth(req);
					if (refused) return refused;
					return json(200, [...gdpr.values()].filter((r) => r.app === req.params.appKey).map(publicRequest));
				},
			},
		],
		state() {
			flush();
			const out: Record<string, unknown> = {};
			for (const profile of profiles.values()) out[profile.customId] = profile;
			return {
				profiles: out,
				profileCount: profiles.size,
				pendingWrites: pending.length,
				calls,
				gdprRequests: [...gdpr.values()].map(publicRequest),
				warnings,
			};
		},
		reset() {
			profiles = new Map();
			pending = [];
			calls = [];
			warnings = [];
			gdpr = new Map();
			buckets = new Map();
		},
		configure(next) {
			knobs = { ...knobs, ...(next as Partial<BatchKnobs>) };
			if (Object.keys(next).length > 0) buckets = new Map();
			return { ...knobs };
		},
		attach(context) {
			ctx = context;
		},
	};
}
