// Runs any of the package's nodes through its real `execute` against the in-process sandbox, in the one
// fake n8n context (test/helpers/fakeContext.mts): requests are signed by the named credential's real
// `authenticate`, a credential with `preAuthentication` gets its expirable token fetched on first use and
// refreshed once on a 401, as n8n's `httpRequestWithAuthentication` does. Every request is recorded.
import type { IDataObject, INodeExecutionData, INodeType } from 'n8n-workflow';

import type { HttpCall } from '../../helpers/fakeContext.mts';
import { fakeContext } from '../../helpers/fakeContext.mts';

export interface WireRequest {
	method: string;
	url: string;
	/** As sent, names in lowercase. */
	headers: Record<string, string>;
	/** The body as text ('' for none). */
	body: string;
	status?: number;
	/** Signed by a credential (false for a plain httpRequest: a login, a download). */
	authenticated: boolean;
}

export type ParamValue = unknown | ((itemIndex: number, json: IDataObject) => unknown);

export interface NodeRunSpec {
	node: INodeType;
	nodeType: string;
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

function bodyText(body: unknown): string {
	if (body === undefined || body === null) return '';
	if (typeof body === 'string') return body;
	if (Buffer.isBuffer(body)) return body.toString();
	return JSON.stringify(body);
}

function wireRequest(call: HttpCall): WireRequest {
	return {
		method: call.method,
		url: call.url,
		headers: call.headers,
		body: bodyText(call.body),
		status: call.status,
		authenticated: call.credentialType !== undefined,
	};
}

export async function runNodeSpec(spec: NodeRunSpec): Promise<NodeRunResult> {
	const credentials: Record<string, IDataObject> = {};
	for (const [name, data] of Object.entries(spec.credentials)) credentials[name] = { ...data };
	const ctx = fakeContext({
		items: spec.items,
		params: spec.params,
		credentials,
		continueOnFail: spec.continueOnFail === true,
		staticData: spec.staticData,
		signal: spec.signal,
		strictParameters: true,
		node: { id: 'node-under-test', type: spec.nodeType },
	});
	try {
		const output = await spec.node.execute!.call(ctx);
		return { output: output as INodeExecutionData[][], wire: ctx.calls.map(wireRequest), credentials };
	} catch (error) {
		return { error: error as NodeRunResult['error'], wire: ctx.calls.map(wireRequest), credentials };
	}
}
