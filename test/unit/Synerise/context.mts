// Runs the real Synerise node against the in-process sandbox: the shared fake context does the HTTP, and
// this wrapper adds what n8n core does for a credential with `preAuthentication` (from n8n-core 2.41.1
// request-helpers/authentication.js): log in when the expirable token is empty, sign with `authenticate`,
// and on a 401 (or the statuses the caller names) log in again and resend once.
import type { IDataObject, IExecuteFunctions, IHttpRequestOptions, INodeExecutionData, NodeExecutionHint } from 'n8n-workflow';

import { SyneriseApi } from '../../../credentials/SyneriseApi.credentials';
import { Synerise } from '../../../nodes/Synerise/Synerise.node';
import type { HttpCall } from '../../helpers/fakeContext.mts';
import { fakeContext } from '../../helpers/fakeContext.mts';

export interface SyneriseRun {
	ctx: IExecuteFunctions & { calls: HttpCall[] };
	/** The stored credential, as n8n would keep it (token included). */
	credential: IDataObject;
	logins: number;
	hints: NodeExecutionHint[];
}

export function syneriseContext(options: {
	credential: IDataObject;
	items?: IDataObject[];
	params: Record<string, unknown> | ((name: string, itemIndex: number) => unknown);
	continueOnFail?: boolean;
	/** The node version the workflow saved (1 unless set). */
	typeVersion?: number;
}): SyneriseRun {
	const credentialType = new SyneriseApi();
	const credential: IDataObject = { token: '', ...options.credential };
	const ctx = fakeContext({
		items: options.items,
		params: options.params,
		continueOnFail: options.continueOnFail,
		credentials: { syneriseApi: credential },
		node: { name: 'Synerise', type: 'n8n-nodes-customer-profiles.synerise', typeVersion: options.typeVersion ?? 1 },
	});
	const send = ctx.helpers.httpRequestWithAuthentication as unknown as (type: string, request: IHttpRequestOptions) => Promise<unknown>;
	const run: SyneriseRun = { ctx, credential, logins: 0, hints: [] };
	const helpers = { helpers: { httpRequest: async (request: IHttpRequestOptions) => await send('none', request) } };
	const login = async () => {
		const output = await credentialType.preAuthentication.call(helpers as never, credential as never);
		if (output.token !== undefined) {
			Object.assign(credential, output);
			run.logins++;
		}
	};
	const signed = async (request: IHttpRequestOptions) => await credentialType.authenticate(credential as never, request);

	(ctx.helpers as unknown as IDataObject).httpRequestWithAuthentication = async (
		type: string,
		request: IHttpRequestOptions,
		extra?: { preAuthenticationRetryStatusCode?: number | number[] },
	) => {
		if (credential.token === '') await login();
		try {
			return await send(type, await signed(request));
		} catch (error) {
			const codes = [extra?.preAuthenticationRetryStatusCode ?? 401].flat();
			if (!codes.includes((error as { response?: { status?: number } }).response?.status ?? 0)) throw error;
			await login();
			return await send(type, await signed(request));
		}
	};
	(ctx as unknown as IDataObject).addExecutionHints = (...hints: NodeExecutionHint[]) => run.hints.push(...hints);
	return run;
}

export async function runNode(run: SyneriseRun): Promise<INodeExecutionData[]> {
	const [items] = await new Synerise().execute.call(run.ctx);
	return items;
}

/** Parameters of a write operation with fields mapped from the item ("Map Automatically"). */
export function autoMapped(operation: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
	return {
		resource: 'profile',
		operation,
		columns: { mappingMode: 'autoMapInputData', value: null },
		additionalFields: {},
		options: {},
		...extra,
	};
}
