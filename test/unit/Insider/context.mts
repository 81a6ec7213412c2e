// A fake n8n execution context whose authenticated requests go over real HTTP to the in-process sandbox,
// signed the way n8n applies the credential's `authenticate` block. Unit tests then run the node's real
// `execute` end to end against the fake vendor.
import { Readable } from 'node:stream';
import type { IDataObject, IExecuteFunctions, IHttpRequestOptions, INode } from 'n8n-workflow';

import { Insider } from '../../../nodes/Insider/Insider.node';
import { everyParameterPerItem, storedParameters } from '../../helpers/storedParameters.mts';

export interface RecordedRequest {
	method: string;
	url: string;
	headers: Record<string, string>;
	body: any;
	bytes: number;
	status: number;
}

export interface FakeOptions {
	baseUrl: string;
	credentials?: { partnerName: string; requestToken: string };
	items?: IDataObject[];
	/** Node parameters; a function gives per-item values. */
	parameters: Record<string, unknown> | ((itemIndex: number) => Record<string, unknown>);
	continueOnFail?: boolean;
	signal?: AbortSignal;
}

export const NODE: INode = {
	id: 'insider-node',
	name: 'Insider',
	type: 'n8n-nodes-customer-profiles.insider',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
};

function lookup(source: Record<string, unknown>, path: string): unknown {
	let value: unknown = source;
	for (const part of path.split('.')) {
		if (value === null || typeof value !== 'object') return undefined;
		value = (value as Record<string, unknown>)[part];
	}
	return value;
}

export function fakeContext(options: FakeOptions) {
	const requests: RecordedRequest[] = [];
	const flight = { now: 0, max: 0 };
	const items = (options.items ?? [{}]).map((json) => ({ json }));
	const credentials = { ...(options.credentials ?? { partnerName: 'x', requestToken: 'y' }), baseUrl: options.baseUrl };
	const parametersOf = (itemIndex: number) =>
		typeof options.parameters === 'function' ? options.parameters(itemIndex) : options.parameters;
	const stored = typeof options.parameters === 'function' ? everyParameterPerItem() : storedParameters(options.parameters);

	const httpRequestWithAuthentication = async (credentialType: string, request: IHttpRequestOptions) => {
		if (credentialType !== 'insiderApi') throw new Error(`unexpected credential type ${credentialType}`);
		const url = new URL(request.url);
		for (const [key, value] of Object.entries(request.qs ?? {})) url.searchParams.set(key, String(value));
		const headers: Record<string, string> = {
			...(request.headers as Record<string, string>),
			'X-PARTNER-NAME': String(credentials.partnerName).trim().toLowerCase(),
			'X-REQUEST-TOKEN': credentials.requestToken,
		};
		let payload: string | undefined;
		if (request.body !== undefined) {
			payload = typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
			headers['content-type'] ??= 'application/json';
		}
		flight.now++;
		flight.max = Math.max(flight.max, flight.now);
		const response = await fetch(url, { method: request.method ?? 'GET', headers, body: payload, signal: request.abortSignal as AbortSignal | undefined }).finally(
			() => flight.now--,
		);
		requests.push({
			method: request.method ?? 'GET',
			url: url.toString(),
			headers,
			body: payload === undefined ? undefined : JSON.parse(payload),
			bytes: payload === undefined ? 0 : Buffer.byteLength(payload),
			status: response.status,
		});
		const responseHeaders = Object.fromEntries(response.headers.entries());
		let body: unknown;
		if (request.encoding === 'stream') {
			body = Readable.fromWeb(response.body as any);
		} else {
			const text = await response.text();
			body = text;
			if (request.json && text) {
				try {
					body = JSON.parse(text);
				} catch {
					body = text;
				}
			}
			if (request.json && text === '') body = undefined;
		}
		if (!request.ignoreHttpStatusErrors && response.status >= 400) throw new Error(`HTTP ${response.status}`);
		return request.returnFullResponse ? { statusCode: response.status, headers: responseHeaders, body } : body;
	};

	const ctx = {
		getInputData: () => items,
		getNode: () => ({ ...NODE, parameters: stored }),
		continueOnFail: () => options.continueOnFail ?? false,
		getExecutionCancelSignal: () => options.signal,
		getCredentials: async () => credentials,
		getNodeParameter: (name: string, itemIndex: number, fallback?: unknown) => {
			const value = lookup(parametersOf(itemIndex), name);
			if (value === undefined) {
				if (fallback !== undefined) return fallback;
				throw new Error(`Could not get parameter "${name}"`);
			}
			return value;
		},
		helpers: {
			httpRequestWithAuthentication,
			prepareBinaryData: async (data: Buffer | AsyncIterable<Uint8Array>, fileName?: string, mimeType?: string) => {
				const chunks: Buffer[] = [];
				if (Buffer.isBuffer(data)) chunks.push(data);
				else for await (const chunk of data) chunks.push(Buffer.from(chunk));
				const buffer = Buffer.concat(chunks);
				return { data: buffer.toString('base64'), fileName, mimeType, fileSize: String(buffer.length) };
			},
		},
	} as unknown as IExecuteFunctions;
	return { ctx, requests, flight };
}

/** Runs the real node once; returns its first output and the requests it made. */
export async function runNode(options: FakeOptions) {
	const { ctx, requests, flight } = fakeContext(options);
	const output = await new Insider().execute.call(ctx);
	return { output: output[0], requests, maxInFlight: flight.max };
}

/** Runs the node expecting it to stop; returns the error. */
export async function runNodeFailing(options: FakeOptions): Promise<any> {
	const { ctx, requests } = fakeContext(options);
	const error = await new Insider().execute.call(ctx).then(
		() => undefined,
		(failure: unknown) => failure,
	);
	if (!error) throw new Error('the node was expected to fail');
	return Object.assign(error as object, { requests });
}
