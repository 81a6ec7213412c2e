// Runs any of the package's nodes through its real `execute` against the in-process sandbox, with one
// fake n8n context for all five vendors. Requests are signed the way n8n signs them: a credential's
// generic `authenticate` templates are evaluated against the credential data, a function `authenticate`
// is called, and a credential with `preAuthentication` gets its expirable token fetched on first use and
// refreshed once on a 401, as n8n's `httpRequestWithAuthentication` does. Every request is recorded.
import { Readable } from 'node:stream';

import type {
	ICredentialDataDecryptedObject,
	ICredentialType,
	IDataObject,
	IExecuteFunctions,
	IHttpRequestOptions,
	INode,
	INodeExecutionData,
	INodeType,
} from 'n8n-workflow';

export interface WireRequest {
	method: string;
	url: string;
	headers: Record<string, string>;
	body: string;
	status?: number;
	authenticated: boolean;
}

export type ParamValue = unknown | ((itemIndex: number, json: IDataObject) => unknown);

export interface NodeRunSpec {
	node: INodeType;
	nodeType: string;
	credentialTypes: ICredentialType[];
	/** Credential data per credential type name (base URL included). */
	credentials: Record<string, IDataObject>;
	/** Node parameters by dotted path; a function gets the item index and the item's json. */
	params: Record<string, ParamValue>;
	items: IDataObject[];
	continueOnFail?: boolean;
	staticData?: IDataObject;
	signal?: AbortSignal;
}

export interface NodeRunResult {
	output?: INodeExecutionData[][];
	error?: Error & { description?: string; context?: IDataObject };
	wire: WireRequest[];
	/** Credential data after the run (a token fetched by preAuthentication lands here, as n8n stores it). */
	credentials: Record<string, IDataObject>;
}

function lookup(params: Record<string, unknown>, path: string): unknown {
	if (path in params) return params[path];
	let current: unknown = params;
	for (const part of path.split('.')) {
		if (current === null || typeof current !== 'object') return undefined;
		current = (current as Record<string, unknown>)[part];
	}
	return current;
}

/** Evaluates an n8n credential template such as `=Bearer {{$credentials.key}}` (test-only, trusted input). */
export function evaluateTemplate(template: unknown, credentials: IDataObject): string {
	const text = String(template);
	if (!text.startsWith('=')) return text;
	return text.slice(1).replace(/\{\{([\s\S]+?)\}\}/g, (_, expression: string) => {
		// eslint-disable-next-line @typescript-eslint/no-implied-eval
		const value = new Function('$credentials', `return (${expression});`)(credentials) as unknown;
		return value === undefined || value === null ? '' : String(value);
	});
}

async function sign(
	type: ICredentialType,
	credentials: IDataObject,
	options: IHttpRequestOptions,
): Promise<IHttpRequestOptions> {
	const authenticate = type.authenticate as unknown;
	if (typeof authenticate === 'function') {
		return await (authenticate as (c: ICredentialDataDecryptedObject, o: IHttpRequestOptions) => Promise<IHttpRequestOptions>)(
			credentials as ICredentialDataDecryptedObject,
			options,
		);
	}
	const generic = authenticate as { properties?: { headers?: IDataObject; qs?: IDataObject } } | undefined;
	const signed: IHttpRequestOptions = { ...options, headers: { ...(options.headers ?? {}) }, qs: { ...(options.qs ?? {}) } };
	for (const [name, template] of Object.entries(generic?.properties?.headers ?? {})) {
		signed.headers![name] = evaluateTemplate(template, credentials);
	}
	for (const [name, template] of Object.entries(generic?.properties?.qs ?? {})) {
		signed.qs![name] = evaluateTemplate(template, credentials);
	}
	return signed;
}

function statusIgnored(option: IHttpRequestOptions['ignoreHttpStatusErrors'], status: number): boolean {
	if (!option) return false;
	if (option === true) return true;
	const rule = option as { ignore?: boolean; except?: number[] };
	return rule.ignore !== false && !(rule.except ?? []).includes(status);
}

/** The HTTP part of n8n's request helpers, over fetch, recording each request. */
async function send(options: IHttpRequestOptions, wire: WireRequest[], authenticated: boolean, signal?: AbortSignal): Promise<unknown> {
	const url = new URL(options.url, options.baseURL);
	for (const [key, value] of Object.entries(options.qs ?? {})) {
		if (value !== undefined && value !== null) url.searchParams.set(key, String(value));
	}
	const headers: Record<string, string> = {};
	for (const [key, value] of Object.entries(options.headers ?? {})) headers[key.toLowerCase()] = String(value);
	let body: string | Buffer | undefined;
	if (options.body !== undefined && options.body !== null) {
		if (Buffer.isBuffer(options.body) || typeof options.body === 'string') body = options.body as Buffer | string;
		else {
			body = JSON.stringify(options.body);
			headers['content-type'] ??= 'application/json';
		}
	}
	const record: WireRequest = {
		method: String(options.method ?? 'GET'),
		url: url.toString(),
		headers,
		body: body === undefined ? '' : body.toString(),
		authenticated,
	};
	wire.push(record);
	const response = await fetch(url, { method: options.method ?? 'GET', headers, body, signal });
	record.status = response.status;
	const responseHeaders: Record<string, string> = {};
	response.headers.forEach((value, key) => (responseHeaders[key] = value));
	let payload: unknown;
	if (options.encoding === 'stream') {
		payload = response.body ? Readable.fromWeb(response.body as never) : Readable.from([]);
	} else if (options.encoding === 'arraybuffer') {
		payload = Buffer.from(await response.arrayBuffer());
	} else {
		const text = await response.text();
		payload = text;
		if (options.json !== false && options.encoding !== 'text' && text !== '') {
			try {
				payload = JSON.parse(text);
			} catch {
				payload = text;
			}
		}
	}
	if ((response.status < 200 || response.status > 299) && !statusIgnored(options.ignoreHttpStatusErrors, response.status)) {
		throw Object.assign(new Error(`Request failed with status code ${response.status}`), {
			httpCode: String(response.status),
			response: { status: response.status, body: payload },
		});
	}
	return options.returnFullResponse ? { statusCode: response.status, headers: responseHeaders, body: payload } : payload;
}

/** The parameters as n8n stores them: a function (a per-item value here) becomes an expression string. */
function storedParameters(value: unknown): unknown {
	if (typeof value === 'function') return '={{ $json }}';
	if (Array.isArray(value)) return value.map(storedParameters);
	if (value !== null && typeof value === 'object') {
		return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, storedParameters(inner)]));
	}
	return value;
}

export async function runNodeSpec(spec: NodeRunSpec): Promise<NodeRunResult> {
	const wire: WireRequest[] = [];
	const credentials: Record<string, IDataObject> = {};
	for (const [name, data] of Object.entries(spec.credentials)) credentials[name] = { ...data };
	const items = spec.items.map((json) => ({ json }) as INodeExecutionData);
	// n8n stores a per-item parameter as an expression; the node reads parameters without one only once.
	const node: INode = {
		id: 'node-under-test',
		name: 'Node Under Test',
		type: spec.nodeType,
		typeVersion: 1,
		position: [0, 0],
		parameters: storedParameters(spec.params) as INode['parameters'],
	};
	const staticData = spec.staticData ?? {};
	const typeOf = (name: string) => {
		const type = spec.credentialTypes.find((candidate) => candidate.name === name);
		if (!type) throw new Error(`no credential type ${name}`);
		return type;
	};
	const plainHelpers = { httpRequest: async (options: IHttpRequestOptions) => await send(options, wire, false, spec.signal) };

	const preAuthenticate = async (type: ICredentialType, data: IDataObject): Promise<void> => {
		if (typeof type.preAuthentication !== 'function') return;
		const fresh = await type.preAuthentication.call({ helpers: plainHelpers } as never, data as ICredentialDataDecryptedObject);
		Object.assign(data, fresh);
	};
	const expirableField = (type: ICredentialType) =>
		type.properties.find((property) => (property.typeOptions as IDataObject | undefined)?.expirable === true)?.name;

	const httpRequestWithAuthentication = async (
		typeName: string,
		options: IHttpRequestOptions,
		extra?: { preAuthenticationRetryStatusCode?: number | number[] },
	) => {
		const type = typeOf(typeName);
		const data = credentials[typeName];
		if (!data) throw new Error(`no credentials of type ${typeName}`);
		const expirable = expirableField(type);
		if (expirable && !data[expirable]) await preAuthenticate(type, data);
		try {
			return await send(await sign(type, data, options), wire, true, spec.signal);
		} catch (error) {
			const statuses = [extra?.preAuthenticationRetryStatusCode ?? 401].flat();
			if (!expirable || !statuses.includes(Number((error as { httpCode?: string }).httpCode))) throw error;
			data[expirable] = '';
			await preAuthenticate(type, data);
			return await send(await sign(type, data, options), wire, true, spec.signal);
		}
	};

	const ctx = {
		getInputData: () => items,
		getNode: () => node,
		continueOnFail: () => spec.continueOnFail === true,
		getExecutionCancelSignal: () => spec.signal,
		onExecutionCancellation: () => undefined,
		getWorkflowStaticData: () => staticData,
		addExecutionHints: () => undefined,
		getCredentials: async (name: string) => {
			const data = credentials[name];
			if (!data) throw new Error(`Node does not have credentials of type ${name}`);
			return data;
		},
		getNodeParameter: (name: string, itemIndex: number, ...fallback: unknown[]) => {
			const value = lookup(spec.params, name);
			// An expression (a function here) that resolves to nothing gives undefined, as in n8n.
			if (typeof value === 'function') return (value as (i: number, json: IDataObject) => unknown)(itemIndex, items[itemIndex]?.json ?? {});
			if (value === undefined) {
				if (fallback.length > 0) return fallback[0];
				throw new Error(`Could not get parameter "${name}"`);
			}
			return value;
		},
		helpers: {
			...plainHelpers,
			httpRequestWithAuthentication,
			returnJsonArray: (data: IDataObject | IDataObject[]) => (Array.isArray(data) ? data : [data]).map((json) => ({ json })),
			prepareBinaryData: async (data: Buffer | Readable, fileName?: string, mimeType?: string) => {
				const chunks: Buffer[] = [];
				if (Buffer.isBuffer(data)) chunks.push(data);
				else for await (const chunk of data) chunks.push(Buffer.from(chunk as Buffer));
				const buffer = Buffer.concat(chunks);
				return { data: buffer.toString('base64'), mimeType: mimeType ?? 'application/octet-stream', fileName, fileSize: String(buffer.length) };
			},
		},
	};
	try {
		const output = await spec.node.execute!.call(ctx as unknown as IExecuteFunctions);
		return { output: output as INodeExecutionData[][], wire, credentials };
	} catch (error) {
		return { error: error as NodeRunResult['error'], wire, credentials };
	}
}
