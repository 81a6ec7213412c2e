// A small IExecuteFunctions for unit tests that runs the real node `execute` against the in-process
// sandbox over real HTTP: `httpRequestWithAuthentication` signs the request the way n8n applies the
// credential's `authenticate` block, and honours `returnFullResponse`, `ignoreHttpStatusErrors`, `json`
// and `encoding: 'stream'` as n8n's helper does.
import { Readable } from 'node:stream';
import type { IDataObject, IExecuteFunctions, IHttpRequestOptions, INode, INodeExecutionData } from 'n8n-workflow';

import { storedParameters } from '../../helpers/storedParameters.mts';

export interface SentRequest {
	credentialType?: string;
	method: string;
	url: string;
	headers: Record<string, string>;
	body: unknown;
	bytes: number;
	at: number;
}

export interface FakeContextOptions {
	items: IDataObject[];
	parameters: Record<string, unknown>;
	credentials: Record<string, IDataObject>;
	continueOnFail?: boolean;
}

function lookup(parameters: Record<string, unknown>, path: string): unknown {
	let current: unknown = parameters;
	for (const part of path.split('.')) {
		if (current === null || typeof current !== 'object') return undefined;
		current = (current as Record<string, unknown>)[part];
	}
	return current;
}

function sign(type: string, credentials: IDataObject): Record<string, string> {
	if (type === 'crescendoLabApi') return { apikey: String(credentials.apiKey) };
	if (type === 'crescendoLabMaacApi') return { Authorization: `Bearer ${String(credentials.accessToken)}` };
	throw new Error(`fake context: unknown credential type ${type}`);
}

export class FakeContext {
	readonly sent: SentRequest[] = [];
	readonly binaries: Array<{ wasStream: boolean; fileName?: string; size: number }> = [];
	readonly abort = new AbortController();

	constructor(readonly options: FakeContextOptions) {}

	private async http(options: IHttpRequestOptions, headers: Record<string, string>, credentialType?: string): Promise<unknown> {
		// When the node let the request go (before the body is serialised), which is what pacing governs.
		const at = Date.now();
		const url = new URL(options.url);
		for (const [key, value] of Object.entries(options.qs ?? {})) url.searchParams.set(key, String(value));
		const allHeaders: Record<string, string> = { ...(options.headers as Record<string, string>), ...headers };
		let payload: string | undefined;
		if (options.body !== undefined) {
			payload = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
			allHeaders['content-type'] ??= 'application/json';
		}
		this.sent.push({
			credentialType,
			method: String(options.method ?? 'GET'),
			url: url.toString(),
			headers: allHeaders,
			body: options.body,
			bytes: payload ? Buffer.byteLength(payload) : 0,
			at,
		});
		const response = await fetch(url, { method: options.method ?? 'GET', headers: allHeaders, body: payload });
		const responseHeaders = Object.fromEntries(response.headers.entries());
		let body: unknown;
		if (options.encoding === 'stream') {
			body = Readable.fromWeb(response.body as never);
		} else {
			const text = await response.text();
			body = text;
			if (options.json !== false && text !== '') {
				try {
					body = JSON.parse(text);
				} catch {
					body = text;
				}
			}
		}
		if (!options.ignoreHttpStatusErrors && response.status >= 400) {
			throw Object.assign(new Error(`Request failed with status code ${response.status}`), { httpCode: String(response.status) });
		}
		return options.returnFullResponse ? { statusCode: response.status, headers: responseHeaders, body } : body;
	}

	get context(): IExecuteFunctions {
		const { items, parameters, credentials } = this.options;
		const node: INode = {
			id: 'node-1',
			name: 'Crescendo Lab',
			type: 'n8n-nodes-customer-profiles.crescendoLab',
			typeVersion: 1,
			position: [0, 0],
			parameters: storedParameters(parameters),
		};
		const fake = this;
		const inputData = items.map((json) => ({ json }) as INodeExecutionData);
		const ctx = {
			getInputData: () => inputData,
			getNode: () => node,
			continueOnFail: () => fake.options.continueOnFail === true,
			getExecutionCancelSignal: () => fake.abort.signal,
			getCredentials: async (type: string) => {
				const found = credentials[type];
				if (!found) throw new Error(`fake context: no credentials of type ${type}`);
				return found;
			},
			getNodeParameter: (name: string, itemIndex: number, fallback?: unknown) => {
				let value = lookup(parameters, name);
				if (typeof value === 'function') value = (value as (i: number) => unknown)(itemIndex);
				if (value === undefined) {
					if (fallback === undefined) throw new Error(`fake context: parameter ${name} is not set`);
					return fallback;
				}
				return value;
			},
			helpers: {
				httpRequestWithAuthentication: async (type: string, options: IHttpRequestOptions) =>
					await fake.http(options, sign(type, credentials[type] ?? {}), type),
				httpRequest: async (options: IHttpRequestOptions) => await fake.http(options, {}),
				prepareBinaryData: async (data: Buffer | Readable, fileName?: string, mimeType?: string) => {
					const wasStream = !Buffer.isBuffer(data);
					const chunks: Buffer[] = [];
					if (Buffer.isBuffer(data)) chunks.push(data);
					else for await (const chunk of data) chunks.push(Buffer.from(chunk as Buffer));
					const buffer = Buffer.concat(chunks);
					fake.binaries.push({ wasStream, fileName, size: buffer.length });
					return { data: buffer.toString('base64'), fileName, mimeType: mimeType ?? 'application/octet-stream', fileSize: String(buffer.length) };
				},
			},
		};
		return ctx as unknown as IExecuteFunctions;
	}
}
