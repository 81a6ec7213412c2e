// The one fake n8n execution context of the unit and contract tests. `httpRequestWithAuthentication` does
// what n8n 2.41.1 does (n8n-core request-helpers/authentication.js and the CLI's credentials-helper.js):
// it loads the credential type named in the call from credentials/, runs its `preAuthentication` when the
// type's hidden `expirable` property is empty, signs the request with the type's real `authenticate` (a
// function is called; a generic object has every key and value of its headers, qs, body and auth resolved
// against `$credentials`), sends it over real HTTP, and on a thrown 401 (or the caller's
// `preAuthenticationRetryStatusCode`) runs `preAuthentication` again as expired, signs again and resends
// once. Errors leave as NodeApiError, as in n8n. Every request that goes out is recorded in `calls`.
import { readdirSync } from 'node:fs';
import { Readable } from 'node:stream';

import type {
	ICredentialDataDecryptedObject,
	ICredentialType,
	IDataObject,
	IExecuteFunctions,
	IHttpRequestOptions,
	INode,
	NodeExecutionHint,
} from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import type { FakeDeduplication } from './fakeDeduplication.mts';
import { everyParameterPerItem, storedParameters } from './storedParameters.mts';

const CREDENTIALS_DIR = new URL('../../credentials/', import.meta.url);

/** Every credential type of the package, by its `name`, from the real classes in credentials/. */
export const credentialTypes: Record<string, ICredentialType> = {};
for (const file of readdirSync(CREDENTIALS_DIR).filter((name) => name.endsWith('.credentials.ts'))) {
	const module = (await import(new URL(file, CREDENTIALS_DIR).href)) as Record<string, unknown>;
	for (const exported of Object.values(module)) {
		if (typeof exported !== 'function' || !/^class\s/.test(Function.prototype.toString.call(exported))) continue;
		const type = new (exported as new () => ICredentialType)();
		if (typeof type.name === 'string' && Array.isArray(type.properties)) credentialTypes[type.name] = type;
	}
}

export function credentialType(name: string): ICredentialType {
	const type = credentialTypes[name];
	if (!type) throw new Error(`fake context: no credential type ${name} in credentials/`);
	return type;
}

/** What a per-item parameter function gets: the item index and the item's json. */
export type ParamFunction = (itemIndex: number, json: IDataObject) => unknown;

export interface Interception {
	method: string;
	path: string;
}

export interface FakeContextOptions {
	items?: IDataObject[];
	/**
	 * Node parameters by dotted path; a function value stands for an expression and gives a per-item value
	 * (inside a collection too). A function for the whole gets the name and the item index.
	 */
	params?: Record<string, unknown> | ((name: string, itemIndex: number) => unknown);
	/** Credential data by credential type name; a token fetched by `preAuthentication` is stored here. */
	credentials?: Record<string, IDataObject>;
	continueOnFail?: boolean;
	signal?: AbortSignal;
	node?: Partial<INode>;
	staticData?: IDataObject;
	/** n8n's deduplication helpers (the database store of change detection), with a saved workflow's ID. */
	deduplication?: FakeDeduplication;
	/** What getMode() answers (absent: no getMode, as in an older n8n). */
	mode?: string;
	/**
	 * A missing parameter without a fallback throws, as n8n does (otherwise it reads as undefined); an
	 * expression (a function) that gives undefined still reads as undefined.
	 */
	strictParameters?: boolean;
	/**
	 * Per authenticated request (numbered from 1): `'lose'` sends it and then drops the answer as a reset
	 * connection would; an answer object (status, body, headers) is returned without sending anything.
	 */
	intercept?: (request: Interception, number: number) => 'lose' | { status: number; body?: unknown; headers?: Record<string, string> } | undefined;
}

export interface HttpCall {
	/** The credential type that signed it; undefined for a plain `httpRequest` (a login, a download). */
	credentialType?: string;
	method: string;
	url: string;
	/** As sent, names in lowercase. */
	headers: Record<string, string>;
	/** The request's body as the node gave it. */
	body: unknown;
	/** Size of the serialised body. */
	bytes: number;
	/** When the node let it go (Date.now()). */
	at: number;
	/** The answer's status; undefined while in flight or when the connection failed. */
	status?: number;
	/** An `intercept` 'lose': the vendor answered `status`, and the fake dropped that answer. */
	lost?: boolean;
}

export interface FakeExtras {
	calls: HttpCall[];
	/** The credential data as stored after the run (a token fetched by preAuthentication lands here). */
	credentials: Record<string, IDataObject>;
	/** How many times preAuthentication produced a new expirable value. */
	logins: number;
	hints: NodeExecutionHint[];
	binaries: Array<{ wasStream: boolean; fileName?: string; size: number }>;
	/** The most requests in flight at once. */
	maxInFlight: number;
}

export type FakeContext = IExecuteFunctions & FakeExtras;

function lookup(source: Record<string, unknown>, path: string): unknown {
	if (path in source) return source[path];
	return path.split('.').reduce<unknown>((value, key) => (value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined), source);
}

function perItem(value: unknown, itemIndex: number, json: IDataObject): unknown {
	if (typeof value === 'function') return (value as ParamFunction)(itemIndex, json);
	if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.values(value).some((inner) => typeof inner === 'function')) {
		return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, perItem(inner, itemIndex, json)]));
	}
	return value;
}

/** The parameters as n8n stores them: a per-item function stands for an expression. */
/**
 * Resolves a credential template as n8n's credentials-helper `resolveValue` does: a value that is not an
 * expression (no leading `=`) stays as it is; an expression's `{{ }}` parts are evaluated with
 * `$credentials`, and a falsy result becomes '' while anything else becomes its string.
 */
export function resolveCredentialValue(value: unknown, credentials: IDataObject): unknown {
	if (typeof value !== 'string' || !value.startsWith('=')) return value;
	const template = value.slice(1);
	const evaluate = (expression: string) =>
		// eslint-disable-next-line @typescript-eslint/no-implied-eval
		new Function('$credentials', `return (${expression});`)(credentials) as unknown;
	const whole = template.split('{{').length === 2 ? /^\{\{([\s\S]+)\}\}$/.exec(template.trim()) : null;
	const result = whole
		? evaluate(whole[1])
		: template.replace(/\{\{([\s\S]+?)\}\}/g, (_, expression: string) => {
				const part = evaluate(expression);
				return part === undefined || part === null ? '' : String(part);
			});
	return result ? String(result) : '';
}

/** n8n's `authenticate`: a function is called; a generic object is applied to the request in place. */
export async function signRequest(type: ICredentialType, credentials: IDataObject, request: IHttpRequestOptions): Promise<IHttpRequestOptions> {
	const authenticate = type.authenticate as unknown;
	if (typeof authenticate === 'function') {
		return await (authenticate as (c: ICredentialDataDecryptedObject, o: IHttpRequestOptions) => Promise<IHttpRequestOptions>).call(
			type,
			credentials as ICredentialDataDecryptedObject,
			request,
		);
	}
	if (authenticate && typeof authenticate === 'object') {
		const generic = authenticate as { type: string; properties: Record<string, IDataObject> };
		request.headers ??= {};
		if (generic.type === 'generic') {
			const target = request as unknown as Record<string, Record<string, unknown>>;
			for (const [outer, entries] of Object.entries(generic.properties)) {
				for (const [key, value] of Object.entries(entries)) {
					target[outer] ??= {};
					target[outer][String(resolveCredentialValue(key, credentials))] = resolveCredentialValue(value, credentials);
				}
			}
		}
	}
	return request;
}

/** As n8n decrypts a credential: a property the stored data lacks gets its default (the empty token too). */
function withDefaults(type: ICredentialType, data: IDataObject): IDataObject {
	for (const property of type.properties) {
		if (property.type !== 'notice' && data[property.name] === undefined && property.default !== undefined) data[property.name] = property.default as IDataObject[string];
	}
	return data;
}

function expirableProperty(type: ICredentialType): string | undefined {
	return type.properties.find((property) => property.type === 'hidden' && (property.typeOptions as IDataObject | undefined)?.expirable === true)?.name;
}

/** axios's validateStatus as n8n's request helper sets it. */
function statusAccepted(option: IHttpRequestOptions['ignoreHttpStatusErrors'], status: number): boolean {
	if (option === true) return true;
	if (option) return !option.except.includes(status);
	return status >= 200 && status < 300;
}

const NO_BODY_METHODS = ['GET', 'HEAD', 'OPTIONS'];

function isEmpty(value: unknown): boolean {
	if (value === null || value === undefined) return true;
	if (typeof value === 'string' || Array.isArray(value) || Buffer.isBuffer(value)) return value.length === 0;
	if (typeof value === 'object') return Object.keys(value).length === 0;
	return false;
}

export function fakeContext(options: FakeContextOptions = {}): FakeContext {
	const items = (options.items ?? [{}]).map((json) => ({ json }));
	const node: INode = {
		id: 'node',
		name: 'Node Under Test',
		type: 'test',
		typeVersion: 1,
		position: [0, 0],
		parameters: typeof options.params === 'function' ? everyParameterPerItem() : storedParameters(options.params ?? {}),
		...options.node,
	};
	const staticData = options.staticData ?? {};
	const credentials = options.credentials ?? {};
	const extras: FakeExtras = { calls: [], credentials, logins: 0, hints: [], binaries: [], maxInFlight: 0 };
	let inFlight = 0;

	/** n8n's plain `httpRequest` (axios underneath): an unaccepted status throws an error with `response`. */
	const send = async (request: IHttpRequestOptions, credentialType?: string): Promise<unknown> => {
		const method = String(request.method ?? 'GET');
		if (NO_BODY_METHODS.includes(method) && isEmpty(request.body)) delete request.body;
		const url = new URL(request.url, request.baseURL);
		for (const [key, value] of Object.entries(request.qs ?? {})) {
			if (value !== undefined && value !== null) url.searchParams.set(key, String(value));
		}
		const headers: Record<string, string> = {};
		for (const [key, value] of Object.entries(request.headers ?? {})) headers[key.toLowerCase()] = String(value);
		if (request.auth) {
			headers.authorization = `Basic ${Buffer.from(`${request.auth.username}:${request.auth.password}`).toString('base64')}`;
		}
		if (request.json) headers.accept ??= 'application/json';
		let payload: string | Buffer | undefined;
		const { body } = request;
		if (typeof body === 'string' || Buffer.isBuffer(body)) payload = body as string | Buffer;
		else if (body !== undefined && body !== null && typeof body === 'object' && !isEmpty(body)) {
			payload = JSON.stringify(body);
			headers['content-type'] ??= 'application/json';
		}
		if (method === 'GET') payload = undefined;
		const call: HttpCall = { credentialType, method, url: url.toString(), headers, body, bytes: payload ? Buffer.byteLength(payload) : 0, at: Date.now() };
		const number = extras.calls.filter((sent) => sent.credentialType !== undefined).length + 1;
		extras.calls.push(call);
		const interception = credentialType ? options.intercept?.({ method, path: url.pathname }, number) : undefined;
		let status: number;
		let responseHeaders: Record<string, string> = {};
		let answer: unknown;
		if (interception && interception !== 'lose') {
			status = interception.status;
			answer = interception.body;
			responseHeaders = { ...interception.headers };
		} else {
			inFlight++;
			extras.maxInFlight = Math.max(extras.maxInFlight, inFlight);
			const response = await fetch(url, { method, headers, body: payload, signal: request.abortSignal as AbortSignal | undefined }).finally(() => inFlight--);
			status = response.status;
			response.headers.forEach((value, key) => (responseHeaders[key] = value));
			if (request.encoding === 'stream') answer = response.body ? Readable.fromWeb(response.body as never) : Readable.from([]);
			else if (request.encoding === 'arraybuffer') answer = Buffer.from(await response.arrayBuffer());
			else {
				const text = await response.text();
				answer = text;
				// axios parses a JSON answer unless a text encoding was asked for.
				if (text !== '' && request.encoding !== 'text') {
					try {
						answer = JSON.parse(text);
					} catch {
						answer = text;
					}
				}
				if (text === '' && request.json) answer = undefined;
			}
			if (interception === 'lose') {
				responseHeaders = {};
				call.status = status;
				call.lost = true;
				throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
			}
		}
		call.status = status;
		if (!statusAccepted(request.ignoreHttpStatusErrors, status)) {
			throw Object.assign(new Error(`Request failed with status code ${status}`), {
				httpCode: String(status),
				response: { status, data: answer, body: answer, headers: responseHeaders },
			});
		}
		return request.returnFullResponse ? { statusCode: status, headers: responseHeaders, body: answer } : answer;
	};

	const preAuthenticate = async (type: ICredentialType, data: IDataObject, expired: boolean): Promise<void> => {
		const expirable = expirableProperty(type);
		if (expirable === undefined || typeof type.preAuthentication !== 'function') return;
		if (data[expirable] !== '' && !expired) return;
		const output = await type.preAuthentication.call({ helpers: { httpRequest: async (request: IHttpRequestOptions) => await send(request) } } as never, data as ICredentialDataDecryptedObject);
		if (output[expirable] === undefined) return;
		Object.assign(data, output);
		extras.logins++;
	};

	const httpRequestWithAuthentication = async (
		typeName: string,
		request: IHttpRequestOptions,
		additional?: { preAuthenticationRetryStatusCode?: number | number[] },
	) => {
		if (options.signal) request.abortSignal = options.signal;
		let data: IDataObject | undefined;
		try {
			const type = credentialType(typeName);
			if (credentials[typeName] === undefined) throw new Error(`Node "${node.name}" does not have any credentials of type "${typeName}" set`);
			data = withDefaults(type, credentials[typeName]);
			await preAuthenticate(type, data, false);
			return await send(await signRequest(type, data, request), typeName);
		} catch (error) {
			const retryOn = [additional?.preAuthenticationRetryStatusCode ?? 401].flat();
			const status = (error as { response?: { status?: number } }).response?.status;
			if (data !== undefined && status !== undefined && retryOn.includes(status)) {
				try {
					const type = credentialType(typeName);
					await preAuthenticate(type, data, true);
					return await send(await signRequest(type, data, request), typeName);
				} catch (second) {
					throw new NodeApiError(node, second as never);
				}
			}
			throw new NodeApiError(node, error as never);
		}
	};

	const context = {
		...extras,
		getInputData: () => items,
		getNode: () => node,
		continueOnFail: () => options.continueOnFail ?? false,
		getExecutionCancelSignal: () => options.signal,
		onExecutionCancellation: () => undefined,
		getWorkflowStaticData: () => staticData,
		addExecutionHints: (...hints: NodeExecutionHint[]) => extras.hints.push(...hints),
		...(options.mode === undefined ? {} : { getMode: () => options.mode }),
		...(options.deduplication ? { getWorkflow: () => ({ id: 'workflow', name: 'Test workflow', active: true }) } : {}),
		getCredentials: async (type: string) => {
			const data = credentials[type];
			if (data === undefined) throw new Error(`Node "${node.name}" does not have any credentials of type "${type}" set`);
			return data;
		},
		getNodeParameter: (name: string, itemIndex: number, ...fallback: unknown[]) => {
			const params = options.params ?? {};
			const stored = typeof params === 'function' ? undefined : lookup(params, name);
			const value = typeof params === 'function' ? params(name, itemIndex) : perItem(stored, itemIndex, items[itemIndex]?.json ?? {});
			if (value !== undefined) return value;
			if (fallback.length > 0) return fallback[0];
			// A set parameter whose expression resolves to nothing reads as undefined, as in n8n.
			if (options.strictParameters && typeof stored !== 'function') throw new Error(`Could not get parameter "${name}"`);
			return undefined;
		},
		helpers: {
			httpRequest: async (request: IHttpRequestOptions) => await send(request),
			httpRequestWithAuthentication,
			...options.deduplication?.helpers(),
			returnJsonArray: (data: IDataObject | IDataObject[]) => (Array.isArray(data) ? data : [data]).map((json) => ({ json })),
			prepareBinaryData: async (data: Buffer | Readable, fileName?: string, mimeType?: string) => {
				const wasStream = !Buffer.isBuffer(data);
				const chunks: Buffer[] = [];
				if (Buffer.isBuffer(data)) chunks.push(data);
				else for await (const chunk of data) chunks.push(Buffer.from(chunk as Buffer));
				const buffer = Buffer.concat(chunks);
				extras.binaries.push({ wasStream, fileName, size: buffer.length });
				return { data: buffer.toString('base64'), mimeType: mimeType ?? 'application/octet-stream', fileName, fileSize: String(buffer.length) };
			},
		},
	};
	// maxInFlight and logins change after the context is built: read them live.
	Object.defineProperties(context, {
		maxInFlight: { get: () => extras.maxInFlight },
		logins: { get: () => extras.logins },
	});
	return context as unknown as FakeContext;
}
