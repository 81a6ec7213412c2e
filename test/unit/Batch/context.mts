// A fake n8n execution context for the Batch node whose HTTP helper really talks to the sandbox, signing
// requests the way the Batch API credential's `authenticate` block does.
import type { IDataObject, IExecuteFunctions, IHttpRequestOptions, INode } from 'n8n-workflow';

import { BatchApi } from '../../../credentials/BatchApi.credentials';

export interface SentRequest {
	method: string;
	url: string;
	headers: Record<string, string>;
	body: unknown;
	status: number;
}

export interface FakeOptions {
	items: IDataObject[];
	/** Node parameters; a function gives a per-item value. */
	parameters: Record<string, unknown>;
	credentials: Record<string, unknown>;
	staticData?: IDataObject;
	continueOnFail?: boolean;
}

export interface FakeContext {
	ctx: IExecuteFunctions;
	requests: SentRequest[];
	staticData: IDataObject;
}

const NODE: INode = { id: 'n1', name: 'Batch', type: 'n8n-nodes-customer-profiles.batch', typeVersion: 1, position: [0, 0], parameters: {} };

function credentialHeaders(credentials: Record<string, unknown>): Record<string, string> {
	const headers: Record<string, string> = {};
	const template = new BatchApi().authenticate.properties.headers as Record<string, string>;
	for (const [name, expression] of Object.entries(template)) {
		headers[name] = expression.replace(/^=/, '').replace(/\{\{\$credentials\.(\w+)\}\}/g, (_, key: string) => String(credentials[key] ?? ''));
	}
	return headers;
}

function lookup(parameters: Record<string, unknown>, path: string, itemIndex: number): unknown {
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
	const requests: SentRequest[] = [];
	const staticData = options.staticData ?? {};
	const items = options.items.map((json) => ({ json }));
	const helpers = {
		async httpRequestWithAuthentication(this: unknown, credentialType: string, request: IHttpRequestOptions) {
			if (credentialType !== 'batchApi') throw new Error(`unexpected credential type ${credentialType}`);
			const headers: Record<string, string> = {
				...credentialHeaders(options.credentials),
				...((request.headers as Record<string, string>) ?? {}),
			};
			let body: string | undefined;
			if (request.body !== undefined) {
				body = JSON.stringify(request.body);
				headers['content-type'] = 'application/json';
			}
			const response = await fetch(request.url, { method: request.method ?? 'GET', headers, body });
			const text = await response.text();
			let parsed: unknown = text;
			try {
				parsed = text ? JSON.parse(text) : undefined;
			} catch {
				// not JSON: keep the text
			}
			requests.push({ method: request.method ?? 'GET', url: request.url, headers, body: body && JSON.parse(body), status: response.status });
			if (!request.ignoreHttpStatusErrors && response.status >= 400) throw new Error(`HTTP ${response.status}`);
			return { statusCode: response.status, headers: Object.fromEntries(response.headers.entries()), body: parsed };
		},
	};
	const ctx = {
		getInputData: () => items,
		getNode: () => NODE,
		getNodeParameter: (name: string, itemIndex: number, ...fallback: unknown[]) => {
			const value = lookup(options.parameters, name, itemIndex);
			if (value === undefined) {
				if (fallback.length > 0) return fallback[0];
				throw new Error(`missing parameter ${name}`);
			}
			return value;
		},
		getCredentials: async () => options.credentials,
		continueOnFail: () => options.continueOnFail ?? false,
		getWorkflowStaticData: () => staticData,
		getExecutionCancelSignal: () => undefined,
		helpers,
	};
	return { ctx: ctx as unknown as IExecuteFunctions, requests, staticData };
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
