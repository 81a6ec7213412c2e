// A stand-in for n8n's IExecuteFunctions that does real HTTP (fetch) the way n8n's
// httpRequestWithAuthentication does, so node code can be run against the in-process sandbox in unit tests.
import { Readable } from 'node:stream';

import type { IDataObject, IExecuteFunctions, IHttpRequestOptions, INode } from 'n8n-workflow';

import { everyParameterPerItem, storedParameters } from './storedParameters.mts';

export interface FakeContextOptions {
	items?: IDataObject[];
	params?: Record<string, unknown> | ((name: string, itemIndex: number) => unknown);
	credentials?: Record<string, IDataObject>;
	/** Signs a request the way the credential's `authenticate` would. */
	authenticate?: (credentials: IDataObject, options: IHttpRequestOptions) => IHttpRequestOptions;
	continueOnFail?: boolean;
	signal?: AbortSignal;
	node?: Partial<INode>;
	staticData?: IDataObject;
}

export interface HttpCall {
	method: string;
	url: string;
	headers: Record<string, string>;
	body: unknown;
}

function get(source: Record<string, unknown>, path: string): unknown {
	if (path in source) return source[path];
	return path.split('.').reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], source);
}

function statusIgnored(option: IHttpRequestOptions['ignoreHttpStatusErrors'], status: number): boolean {
	if (!option) return false;
	if (option === true) return true;
	return !option.except.includes(status);
}

export function fakeContext(options: FakeContextOptions = {}): IExecuteFunctions & { calls: HttpCall[] } {
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
	const calls: HttpCall[] = [];
	const staticData = options.staticData ?? {};

	const httpRequestWithAuthentication = async (credentialType: string, request: IHttpRequestOptions) => {
		let signed = { ...request, headers: { ...(request.headers ?? {}) } };
		const credentials = options.credentials?.[credentialType] ?? {};
		if (options.authenticate) signed = options.authenticate(credentials, signed) as typeof signed;
		const url = new URL(signed.url, signed.baseURL);
		for (const [key, value] of Object.entries(signed.qs ?? {})) {
			if (value !== undefined) url.searchParams.set(key, String(value));
		}
		const headers: Record<string, string> = {};
		for (const [key, value] of Object.entries(signed.headers ?? {})) headers[key.toLowerCase()] = String(value);
		let body: string | Buffer | undefined;
		if (signed.body !== undefined && signed.body !== null) {
			if (Buffer.isBuffer(signed.body) || typeof signed.body === 'string') body = signed.body as Buffer | string;
			else {
				body = JSON.stringify(signed.body);
				headers['content-type'] ??= 'application/json';
			}
		}
		calls.push({ method: signed.method ?? 'GET', url: url.toString(), headers, body: signed.body });
		const response = await fetch(url, {
			method: signed.method ?? 'GET',
			headers,
			body,
			signal: options.signal,
		});
		const responseHeaders: Record<string, string> = {};
		response.headers.forEach((value, key) => (responseHeaders[key] = value));
		let payload: unknown;
		if (signed.encoding === 'stream') {
			payload = response.body ? Readable.fromWeb(response.body as never) : Readable.from([]);
		} else if (signed.encoding === 'arraybuffer') {
			payload = Buffer.from(await response.arrayBuffer());
		} else {
			const text = await response.text();
			payload = text;
			if (signed.json !== false && signed.encoding !== 'text') {
				try {
					payload = text === '' ? undefined : JSON.parse(text);
				} catch {
					payload = text;
				}
			}
		}
		if ((response.status < 200 || response.status > 299) && !statusIgnored(signed.ignoreHttpStatusErrors, response.status)) {
			throw Object.assign(new Error(`Request failed with status code ${response.status}`), {
				httpCode: String(response.status),
				response: { status: response.status, body: payload },
			});
		}
		if (signed.returnFullResponse) return { statusCode: response.status, headers: responseHeaders, body: payload };
		return payload;
	};

	const context = {
		calls,
		getInputData: () => items,
		getNode: () => node,
		continueOnFail: () => options.continueOnFail ?? false,
		getExecutionCancelSignal: () => options.signal,
		onExecutionCancellation: () => undefined,
		getWorkflowStaticData: () => staticData,
		getCredentials: async (type: string) => options.credentials?.[type] ?? {},
		getNodeParameter: (name: string, itemIndex: number, fallback?: unknown) => {
			const params = options.params ?? {};
			const value = typeof params === 'function' ? params(name, itemIndex) : get(params, name);
			return value === undefined ? fallback : value;
		},
		helpers: {
			httpRequestWithAuthentication,
			returnJsonArray: (data: IDataObject | IDataObject[]) => (Array.isArray(data) ? data : [data]).map((json) => ({ json })),
			prepareBinaryData: async (data: Buffer | Readable, fileName?: string, mimeType?: string) => {
				const chunks: Buffer[] = [];
				if (Buffer.isBuffer(data)) chunks.push(data);
				else for await (const chunk of data) chunks.push(Buffer.from(chunk));
				const buffer = Buffer.concat(chunks);
				return { data: buffer.toString('base64'), mimeType: mimeType ?? 'application/octet-stream', fileName, fileSize: String(buffer.length) };
			},
		},
	};
	return context as unknown as IExecuteFunctions & { calls: HttpCall[] };
}
