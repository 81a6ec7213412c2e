// The Insider preset of the one fake n8n context (test/helpers/fakeContext.mts): authenticated requests
// are signed by the Insider API credential's real `authenticate` and go over real HTTP to the sandbox.
// Unit tests then run the node's real `execute` end to end against the fake vendor.
import type { IDataObject, INode } from 'n8n-workflow';

import { Insider } from '../../../nodes/Insider/Insider.node';
import type { FakeContext, HttpCall } from '../../helpers/fakeContext.mts';
import { fakeContext as sharedFakeContext } from '../../helpers/fakeContext.mts';
import { everyParameterPerItem, storedParameters } from '../../helpers/storedParameters.mts';

export interface RecordedRequest {
	method: string;
	url: string;
	/** As sent, names in lowercase. */
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

/** A signed request as the tests read it: the JSON body parsed back, with the status it got. */
function recorded(call: HttpCall): RecordedRequest {
	const body = typeof call.body === 'string' && call.body !== '' ? (JSON.parse(call.body) as unknown) : call.body;
	return { method: call.method, url: call.url, headers: call.headers, body, bytes: call.bytes, status: call.status ?? 0 };
}

export function fakeContext(options: FakeOptions): { ctx: FakeContext } {
	const credentials = { ...(options.credentials ?? { partnerName: 'x', requestToken: 'y' }), baseUrl: options.baseUrl };
	const parametersOf = (itemIndex: number) => (typeof options.parameters === 'function' ? options.parameters(itemIndex) : options.parameters);
	const ctx = sharedFakeContext({
		items: options.items,
		params: (name, itemIndex) => lookup(parametersOf(itemIndex), name),
		credentials: { insiderApi: credentials },
		continueOnFail: options.continueOnFail,
		signal: options.signal,
		strictParameters: true,
		node: { ...NODE, parameters: typeof options.parameters === 'function' ? everyParameterPerItem() : storedParameters(options.parameters) },
	});
	return { ctx };
}

/** The requests the credential signed that got an answer. */
function requestsOf(ctx: FakeContext): RecordedRequest[] {
	return ctx.calls.filter((call) => call.credentialType !== undefined && call.status !== undefined).map(recorded);
}

/** Runs the real node once; returns its first output and the requests it made. */
export async function runNode(options: FakeOptions) {
	const { ctx } = fakeContext(options);
	const output = await new Insider().execute.call(ctx);
	return { output: output[0], requests: requestsOf(ctx), maxInFlight: ctx.maxInFlight };
}

/** Runs the node expecting it to stop; returns the error. */
export async function runNodeFailing(options: FakeOptions): Promise<any> {
	const { ctx } = fakeContext(options);
	const error = await new Insider().execute.call(ctx).then(
		() => undefined,
		(failure: unknown) => failure,
	);
	if (!error) throw new Error('the node was expected to fail');
	return Object.assign(error as object, { requests: requestsOf(ctx) });
}
