// The Synerise preset of the one fake n8n context (test/helpers/fakeContext.mts), which logs in with the
// credential's real `preAuthentication`, signs with its `authenticate` and logs in again after a 401.
import type { IDataObject, INodeExecutionData, NodeExecutionHint } from 'n8n-workflow';

import { Synerise } from '../../../nodes/Synerise/Synerise.node';
import type { FakeContext, FakeContextOptions } from '../../helpers/fakeContext.mts';
import type { FakeDeduplication } from '../../helpers/fakeDeduplication.mts';
import { fakeContext } from '../../helpers/fakeContext.mts';

export interface SyneriseRun {
	ctx: FakeContext;
	/** The stored credential, as n8n would keep it (token included). */
	credential: IDataObject;
	readonly logins: number;
	hints: NodeExecutionHint[];
}

export function syneriseContext(options: {
	credential: IDataObject;
	items?: IDataObject[];
	params: Record<string, unknown> | ((name: string, itemIndex: number) => unknown);
	continueOnFail?: boolean;
	/** The node version the workflow saved (1 unless set). */
	typeVersion?: number;
	staticData?: IDataObject;
	deduplication?: FakeDeduplication;
	mode?: string;
	intercept?: FakeContextOptions['intercept'];
}): SyneriseRun {
	const credential: IDataObject = { token: '', ...options.credential };
	const ctx = fakeContext({
		items: options.items,
		params: options.params,
		continueOnFail: options.continueOnFail,
		staticData: options.staticData,
		deduplication: options.deduplication,
		mode: options.mode,
		intercept: options.intercept,
		credentials: { syneriseApi: credential },
		node: { name: 'Synerise', type: 'n8n-nodes-customer-profiles.synerise', typeVersion: options.typeVersion ?? 1 },
	});
	return {
		ctx,
		credential,
		get logins() {
			return ctx.logins;
		},
		hints: ctx.hints,
	};
}

/** Every output of the node (a full-snapshot sync has a second one, Missing From Source). */
export async function runNodeOutputs(run: SyneriseRun): Promise<INodeExecutionData[][]> {
	return await new Synerise().execute.call(run.ctx);
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
