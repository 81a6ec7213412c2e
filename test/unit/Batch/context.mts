// The Batch preset of the one fake n8n context (test/helpers/fakeContext.mts), which signs with the Batch
// API credential's real `authenticate`; requests really go to the sandbox; each one is
// recorded with the status it got, so tests can count 429s and read what went over the wire.
import type { IDataObject } from 'n8n-workflow';

import type { FakeContextOptions, FakeContext as SharedContext } from '../../helpers/fakeContext.mts';
import { fakeContext as sharedFakeContext } from '../../helpers/fakeContext.mts';
import type { FakeDeduplication } from '../../helpers/fakeDeduplication.mts';

export interface SentRequest {
	method: string;
	url: string;
	/** As sent, names in lowercase. */
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
	ctx: SharedContext;
	/** The requests the credential signed that got an answer (read live). */
	readonly requests: SentRequest[];
	staticData: IDataObject;
}

export function fakeContext(options: FakeOptions): FakeContext {
	const staticData = options.staticData ?? {};
	const ctx = sharedFakeContext({
		items: options.items,
		params: options.parameters,
		credentials: { batchApi: options.credentials as IDataObject },
		continueOnFail: options.continueOnFail,
		staticData,
		deduplication: options.deduplication,
		mode: options.mode,
		intercept: options.intercept,
		node: { name: 'Batch', type: 'n8n-nodes-customer-profiles.batch', typeVersion: options.typeVersion ?? 1 },
	});
	return {
		ctx,
		get requests() {
			return ctx.calls
				.filter((call) => call.credentialType !== undefined && call.status !== undefined && !call.lost)
				.map((call) => ({ method: call.method, url: call.url, headers: call.headers, body: call.body, status: call.status! }));
		},
		staticData,
	};
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
