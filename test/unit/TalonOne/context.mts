// A fake n8n execution context for the Talon.One node whose HTTP helper really talks to the in-process
// sandbox: the credential's own `authenticate` headers are applied, as n8n would, and every request is
// recorded so tests can check what went over the wire.
import type { IDataObject, IExecuteFunctions, IHttpRequestOptions, INode } from 'n8n-workflow';

import { TalonOneCdpApi } from '../../../credentials/TalonOneCdpApi.credentials';
import type { Clock } from '../../../nodes/shared/clock';
import { route } from '../../../nodes/shared/router';
import { operations, router } from '../../../nodes/TalonOne/actions/router';
import { connect } from '../../../nodes/TalonOne/transport';
import { storedParameters } from '../../helpers/storedParameters.mts';

export interface SentRequest {
	method: string;
	url: string;
	headers: Record<string, string>;
	body: any;
	status: number;
}

export interface FakeOptions {
	/** Node parameters; a function gets the item index and the item's json. */
	params: Record<string, unknown>;
	items?: IDataObject[];
	credentials: Record<string, unknown>;
	continueOnFail?: boolean;
	/**
	 * Per request (numbered from 1): `'lose'` sends it and then drops the answer as a reset connection
	 * would (the fake has applied it); an answer object is returned without sending anything.
	 */
	intercept?: (request: { method: string; path: string }, number: number) => 'lose' | { status: number; body?: unknown } | undefined;
}

export const NODE: INode = {
	id: 'talon',
	name: 'Talon.One',
	type: 'n8n-nodes-customer-profiles.talonOne',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
};

function resolve(template: string, credentials: Record<string, unknown>): string {
	const body = template.startsWith('=') ? template.slice(1) : template;
	return body.replace(/\{\{\s*\$credentials\.(\w+)\s*\}\}/g, (_, name: string) => String(credentials[name] ?? ''));
}

function lookup(params: Record<string, unknown>, path: string): unknown {
	let current: unknown = params;
	for (const part of path.split('.')) {
		if (current === null || typeof current !== 'object') return undefined;
		current = (current as Record<string, unknown>)[part];
	}
	return current;
}

export function fakeContext(options: FakeOptions): IExecuteFunctions & { sent: SentRequest[] } {
	const items = (options.items ?? [{}]).map((json) => ({ json }));
	const sent: SentRequest[] = [];
	const stored = storedParameters(options.params);
	const credential = new TalonOneCdpApi();
	const authenticate = credential.authenticate as unknown;

	const httpRequestWithAuthentication = async (type: string, request: IHttpRequestOptions) => {
		if (type !== 'talonOneCdpApi') throw new Error(`unexpected credential type ${type}`);
		// n8n signs with a function `authenticate` by calling it, and with a generic one by filling its templates.
		let signed = request;
		if (typeof authenticate === 'function') {
			signed = await (authenticate as (c: IDataObject, o: IHttpRequestOptions) => Promise<IHttpRequestOptions>).call(
				credential,
				options.credentials as IDataObject,
				request,
			);
		} else {
			const templates = ((authenticate as { properties?: { headers?: IDataObject } }).properties?.headers ?? {}) as Record<string, string>;
			signed = { ...request, headers: { ...request.headers } };
			for (const [name, template] of Object.entries(templates)) signed.headers![name] = resolve(template, options.credentials);
		}
		const headers: Record<string, string> = {};
		for (const [name, value] of Object.entries(signed.headers ?? {})) headers[name.toLowerCase()] = String(value);
		const url = new URL(request.url);
		for (const [name, value] of Object.entries(request.qs ?? {})) url.searchParams.set(name, String(value));
		const number = sent.length + 1;
		const interception = options.intercept?.({ method: request.method ?? 'GET', path: url.pathname }, number);
		if (interception && interception !== 'lose') {
			sent.push({ method: request.method ?? 'GET', url: url.toString(), headers, body: request.body, status: interception.status });
			return { statusCode: interception.status, headers: {}, body: interception.body };
		}
		let payload: string | undefined;
		if (request.body !== undefined) {
			payload = JSON.stringify(request.body);
			headers['content-type'] = 'application/json';
		}
		const response = await fetch(url, { method: request.method ?? 'GET', headers, body: payload });
		const text = await response.text();
		let body: unknown = text;
		if (request.json && text !== '') {
			try {
				body = JSON.parse(text);
			} catch {
				body = text;
			}
		}
		sent.push({
			method: request.method ?? 'GET',
			url: url.toString(),
			headers,
			body: request.body,
			status: response.status,
		});
		if (interception === 'lose') throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
		return { statusCode: response.status, headers: Object.fromEntries(response.headers.entries()), body };
	};

	const ctx = {
		sent,
		getNode: () => ({ ...NODE, parameters: stored }),
		getInputData: () => items,
		continueOnFail: () => options.continueOnFail ?? false,
		getExecutionCancelSignal: () => undefined,
		getCredentials: async (type: string) => {
			if (type !== 'talonOneCdpApi') throw new Error(`unexpected credential type ${type}`);
			return options.credentials;
		},
		getNodeParameter: (name: string, itemIndex: number, ...fallback: unknown[]) => {
			let value = lookup(options.params, name);
			if (typeof value === 'function') value = (value as (i: number, json: IDataObject) => unknown)(itemIndex, items[itemIndex]?.json);
			if (value === undefined) {
				if (fallback.length > 0) return fallback[0];
				throw new Error(`parameter ${name} is not set`);
			}
			return value;
		},
		helpers: { httpRequestWithAuthentication },
	};
	return ctx as unknown as IExecuteFunctions & { sent: SentRequest[] };
}

/**
 * Runs the node's real `execute` path (router → operation) in the fake context; with a clock, the same
 * route with the API client built on that clock.
 */
export async function runNode(ctx: IExecuteFunctions, clock?: Clock) {
	if (clock === undefined) return await router.call(ctx);
	return await route(ctx, operations, async (context) => await connect(context, { clock }));
}
