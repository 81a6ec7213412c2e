// The Batch preset of the one fake n8n context (test/helpers/fakeContext.mts), which signs with the Batch
// API credential's real `authenticate`; requests really go to the sandbox; each one is
// recorded with the status it got, so tests can count 429s and read what went over the wire.
import type { IDataObject, IExecuteFunctions, IHttpRequestOptions } from 'n8n-workflow';

import type { FakeContextOptions } from '../../helpers/fakeContext.mts';
import { fakeContext as sharedFakeContext } from '../../helpers/fakeContext.mts';
import { storedParameters } from '../../helpers/storedParameters.mts';
import type { FakeDeduplication } from '../../helpers/fakeDeduplication.mts';

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
	/** The node's version in the workflow (1 when absent: the nodes saved before version 2). */
	typeVersion?: number;
	/** Answers a request instead of the sandbox (see test/helpers/fakeContext.mts). */
	intercept?: FakeContextOptions['intercept'];
}

export interface FakeContext {
	ctx: IExecuteFunctions;
	requests: SentRequest[];
	staticData: IDataObject;
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
		continueOnFail: options.continueOnFail,
		staticData,
		deduplication: options.deduplication,
		mode: options.mode,
		intercept: options.intercept,
		node: { name: 'Batch', type: 'n8n-nodes-customer-profiles.batch', typeVersion: options.typeVersion ?? 1, parameters: storedParameters(options.parameters) },
	});
	const requests: SentRequest[] = [];
	const send = ctx.helpers.httpRequestWithAuthentication as unknown as (type: string, request: IHttpRequestOptions) => Promise<{ statusCode: number }>;
	(ctx.helpers as { httpRequestWithAuthentication: unknown }).httpRequestWithAuthentication = async function (type: string, request: IHttpRequestOptions) {
		const response = await send(type, request);
		// The credential's generic `authenticate` has signed `request` in place, as n8n does.
		requests.push({
			method: request.method ?? 'GET',
			url: request.url,
			headers: request.headers as Record<string, string>,
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
