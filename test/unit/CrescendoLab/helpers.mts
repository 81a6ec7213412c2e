import type { IDataObject, INodeExecutionData } from 'n8n-workflow';
import { afterAll, beforeEach } from 'vitest';

import { CrescendoLab } from '../../../nodes/CrescendoLab/CrescendoLab.node';
import { startSandbox, type Sandbox } from '../../../sandbox/index.mts';
import { credentials, maacCredentials } from '../../../sandbox/crescendoLab.mts';
import type { FakeContext as SharedContext, HttpCall } from '../../helpers/fakeContext.mts';
import { fakeContext } from '../../helpers/fakeContext.mts';

/** Sandbox time runs 100× faster: 15 requests per 600 ms, 1 s pending → 10 ms. */
export const SCALE = 0.01;
/** The node's budget that matches the scaled vendor window (15 per 600 ms). */
export const SCALED_RPM = 1500;
export const FAST = { pollIntervalSeconds: 0.02, firstCheckSeconds: 0.01, maxWaitSeconds: 60, maxRequestsPerMinute: SCALED_RPM };

export async function crescendoSandbox(): Promise<Sandbox> {
	return await startSandbox({ only: ['crescendoLab'], ports: 'random', timeScale: SCALE });
}

/** The set-up of a Crescendo Lab test file: the sandbox for the file (closed after it), reset before each test. */
export async function useCrescendo(): Promise<Sandbox> {
	const sandbox = await crescendoSandbox();
	afterAll(async () => await sandbox.close());
	beforeEach(async () => await resetSandbox(sandbox));
	return sandbox;
}

const auto = { mappingMode: 'autoMapInputData', value: null };

/** Import (Create or Update) by customer ID with fields mapped from the item, at the scaled pace. */
export const importParams = (extra: Record<string, unknown> = {}, options: Record<string, unknown> = {}) => ({
	operation: 'import',
	importKey: 'customer_id',
	columns: auto,
	options: { ...FAST, ...options },
	...extra,
});

export async function sandboxCall(sandbox: Sandbox, method: string, path: string, body?: unknown): Promise<any> {
	const response = await fetch(`${sandbox.vendor('crescendoLab').url}${path}`, {
		method,
		headers: { 'content-type': 'application/json' },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	return await response.json();
}

export async function resetSandbox(sandbox: Sandbox, knobs: Record<string, unknown> = {}): Promise<void> {
	await sandboxCall(sandbox, 'POST', '/__sandbox/reset');
	await sandboxCall(sandbox, 'POST', '/__sandbox/config', {
		faults: { rate429: 0, error5xxRate: 0, resetRate: 0 },
		knobs: { busyStatus: 429, profileTrailingSlash: true, mismatchCsvHeader: false, disabledFields: [], rateLimit: 15, rateWindowMs: 60_000, pendingMs: 1000, processingMsPer1000: 1000, maxBodyBytes: 10 * 1024 * 1024, ...knobs },
	});
}

export async function sandboxState(sandbox: Sandbox): Promise<any> {
	return await sandboxCall(sandbox, 'GET', '/__sandbox/state');
}

export interface RunOptions {
	items: IDataObject[];
	parameters: Record<string, unknown>;
	continueOnFail?: boolean;
	credentials?: Record<string, IDataObject>;
}

export interface ContextOptions {
	items: IDataObject[];
	parameters: Record<string, unknown>;
	credentials: Record<string, IDataObject>;
	continueOnFail?: boolean;
}

/** The one fake context as a Crescendo Lab run reads it: what went out (signed or not) and the files made. */
export interface CrescendoContext {
	context: SharedContext;
	/** Every request, the credential's signed ones and plain downloads; header names in lowercase. */
	readonly sent: HttpCall[];
	readonly binaries: SharedContext['binaries'];
	abort: AbortController;
}

/** The shared fake context (test/helpers/fakeContext.mts) under the Crescendo Lab node's name. */
export function crescendoContext(options: ContextOptions): CrescendoContext {
	const abort = new AbortController();
	const context = fakeContext({
		items: options.items,
		params: options.parameters,
		credentials: options.credentials,
		continueOnFail: options.continueOnFail,
		signal: abort.signal,
		strictParameters: true,
		node: { id: 'node-1', name: 'Crescendo Lab', type: 'n8n-nodes-customer-profiles.crescendoLab' },
	});
	return { context, sent: context.calls, binaries: context.binaries, abort };
}

export interface NodeRun {
	output?: INodeExecutionData[][];
	error?: Error;
	fake: CrescendoContext;
}

/** Runs the real node's `execute` against the sandbox. */
export async function runNode(sandbox: Sandbox, options: RunOptions): Promise<NodeRun> {
	const baseUrl = sandbox.vendor('crescendoLab').url;
	const fake = crescendoContext({
		items: options.items,
		parameters: { authentication: 'profileApi', resource: 'contact', ...options.parameters },
		credentials: options.credentials ?? {
			crescendoLabApi: { ...credentials, baseUrl },
			crescendoLabMaacApi: { ...maacCredentials, baseUrl },
		},
		continueOnFail: options.continueOnFail,
	});
	try {
		const output = await new CrescendoLab().execute.call(fake.context);
		return { output, fake };
	} catch (error) {
		return { error: error as Error, fake };
	}
}

export const uid = (n: number) => `U${n.toString(16).padStart(32, '0')}`;
