// The Talon.One preset of the one fake n8n context (test/helpers/fakeContext.mts): requests go over real
// HTTP to the in-process sandbox, signed by the Talon.One CDP credential's real `authenticate`, and every
// request is recorded so tests can check what went over the wire.
import type { IDataObject, IExecuteFunctions, INode } from 'n8n-workflow';

import type { Clock } from '../../../nodes/shared/clock';
import { route } from '../../../nodes/shared/router';
import { operations, router } from '../../../nodes/TalonOne/actions/router';
import { connect } from '../../../nodes/TalonOne/transport';
import type { FakeContext, FakeContextOptions } from '../../helpers/fakeContext.mts';
import { fakeContext as sharedFakeContext } from '../../helpers/fakeContext.mts';

export interface SentRequest {
	method: string;
	url: string;
	/** As sent, names in lowercase. */
	headers: Record<string, string>;
	body: any;
	/** The vendor's status (for a lost answer too); an intercepted request has the intercept's. */
	status: number;
}

export interface FakeOptions {
	/** Node parameters; a function gets the item index and the item's json. */
	params: Record<string, unknown>;
	items?: IDataObject[];
	credentials: Record<string, unknown>;
	continueOnFail?: boolean;
	/** Answers or drops a request instead of the sandbox (see test/helpers/fakeContext.mts). */
	intercept?: FakeContextOptions['intercept'];
}

export const NODE: Partial<INode> = { id: 'talon', name: 'Talon.One', type: 'n8n-nodes-customer-profiles.talonOne', typeVersion: 1 };

export type TalonContext = FakeContext & { readonly sent: SentRequest[] };

export function fakeContext(options: FakeOptions): TalonContext {
	const ctx = sharedFakeContext({
		items: options.items,
		params: options.params,
		credentials: { talonOneCdpApi: options.credentials as IDataObject },
		continueOnFail: options.continueOnFail,
		intercept: options.intercept,
		strictParameters: true,
		node: NODE,
	});
	// The requests the credential's real `authenticate` signed, read live from the shared record.
	Object.defineProperty(ctx, 'sent', {
		get: (): SentRequest[] =>
			ctx.calls
				.filter((call) => call.credentialType !== undefined && call.status !== undefined)
				.map((call) => ({ method: call.method, url: call.url, headers: call.headers, body: call.body, status: call.status! })),
	});
	return ctx as TalonContext;
}

/**
 * Runs the node's real `execute` path (router → operation) in the fake context; with a clock, the same
 * route with the API client built on that clock.
 */
export async function runNode(ctx: IExecuteFunctions, clock?: Clock) {
	if (clock === undefined) return await router.call(ctx);
	return await route(ctx, operations, async (context) => await connect(context, { clock }));
}
