// The Batch node's view of the shared fake n8n context (test/helpers/fakeContext.mts): requests are signed
// with the Batch API credential's own `authenticate` headers and really go to the sandbox; each one is
// recorded with the status it got, so tests can count 429s and read what went over the wire.
import type { IDataObject, IExecuteFunctions, IHttpRequestOptions } from 'n8n-workflow';

import { BatchApi } from '../../../credentials/BatchApi.credentials';
import { fakeContext as sharedFakeContext } from '../../helpers/fakeContext.mts';
import { storedParameters } from '../../helpers/storedParameters.mts';
import type { FakeDeduplication } from '../shared/fakeDeduplication.mts';

export interface SentRequest {
	method: string;
	url: string;
	headers: Record<string, string>;
	body: unknown;
	status: number;
}

export interface FakeOptions {
	items: IDataObject[];
	/** Node parameters; a function (also inside a collection) gives a per-item value. */
	parameters: Record<string, unknown>;
	credentials: Record<string, unknown>;
	staticData?: IDataObject;
	continueOnFail?: boolean;
	/** n8n's deduplication helpers (the database store); absent = an n8n without them. */
	deduplication?: FakeDeduplication;
	/** The execution mode getMode() answers; 'manual' makes the node use static data. */
	mode?: string;
}

export interface FakeContext {
	ctx: IExecuteFunctions;
	requests: SentRequest[];
	staticData: IDataObject;
}

const HEADER_TEMPLATES = new BatchApi().authenticate.properties.headers as Record<string, string>;

function sign(credentials: IDataObject, request: IHttpRequestOptions): IHttpRequestOptions {
	const headers: IDataObject = { ...(request.headers ?? {}) };
	for (const [name, template] of Object.entries(HEADER_TEMPLATES)) {
		headers[name] = template.replace(/^=/, '').replace(/\{\{\$credentials\.(\w+)\}\}/g, (_, key: string) => String(credentials[key] ?? ''));
	}
	return { ...request, headers };
}

function parameter(parameters: Record<string, unknown>, path: string, itemIndex: number): unknown {
	let value: unknown = parameters;
	for (const part of path.split('.')) {
		if (value === null || typeof value !== 'object') return undefined;
		value = (value as Record<string, unknown>)[part];
	}
	const resolve = (v: unknown) => (typeof v === 'function' ? (v as (i: number) => unknown)(itemIndex) : v);
	if (value && typeof value === 'object' && !Array.isArray(value)) {
		return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, resolve(v)]));
	}
	return resolve(value);
}

export function fakeContext(options: FakeOptions): FakeContext {
	const staticData = options.staticData ?? {};
	const ctx = sharedFakeContext({
		items: options.items,
		params: (name, itemIndex) => parameter(options.parameters, name, itemIndex),
		credentials: { batchApi: options.credentials as IDataObject },
		authenticate: sign,
		continueOnFail: options.continueOnFail,
		staticData,
		node: { name: 'Batch', type: 'n8n-nodes-customer-profiles.batch', parameters: storedParameters(options.parameters) },
	});
	if (options.deduplication) {
		Object.assign(ctx.helpers, options.deduplication.helpers());
		Object.assign(ctx, { getWorkflow: () => ({ id: 'wf1', name: 'test', active: true }) });
	}
	if (options.mode) Object.assign(ctx, { getMode: () => options.mode });
	const requests: SentRequest[] = [];
	const send = ctx.helpers.httpRequestWithAuthentication as unknown as (type: string, request: IHttpRequestOptions) => Promise<{ statusCode: number }>;
	(ctx.helpers as { httpRequestWithAuthentication: unknown }).httpRequestWithAuthentication = async function (type: string, request: IHttpRequestOptions) {
		const signed = sign(options.credentials as IDataObject, request);
		const response = await send(type, request);
		requests.push({
			method: request.method ?? 'GET',
			url: request.url,
			headers: signed.headers as Record<string, string>,
			body: request.body,
			status: response.statusCode,
		});
		return response;
	};
	return { ctx, requests, staticData };
}

/** Node parameters of Create or Update with the defaults the UI would give. */
export function upsertParameters(overrides: Record<string, unknown> = {}): Record<string, unknown> {
	return {
		resource: 'profile',
		operation: 'createOrUpdate',
		customIdField: 'custom_id',
		attributesToSend: 'allFields',
		fieldsToExclude: '',
		nativeAttributes: {},
		additionalFields: {},
		options: {},
		...overrides,
	};
}
