// Scenario 5: the CPU cost per item of what this package adds around the requests (reading parameters,
// building and validating payloads, chunking, pacing bookkeeping, mapping results back to items), measured
// in process on the built nodes with no HTTP: each request goes straight to the sandbox fake's handler,
// whose own CPU time is measured apart and subtracted.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { IDataObject, IHttpRequestOptions, INodeProperties, INodeType } from 'n8n-workflow';

import type { Route, SandboxRequest, SandboxResponse } from '../../sandbox/core.mts';
import type { Sandbox } from '../../sandbox/index.mts';
import { bulkNode, profileCode, type BulkVendor } from './workloads.mts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);

export interface EngineFigure {
	vendor: string;
	usPerItem: number;
	vendorUsPerItem: number;
	wallMs: number;
	requests: number;
	note?: string;
}

const NODE_FILES: Record<BulkVendor, [string, string]> = {
	insider: ['dist/nodes/Insider/Insider.node.js', 'Insider'],
	synerise: ['dist/nodes/Synerise/Synerise.node.js', 'Synerise'],
	batch: ['dist/nodes/Batch/Batch.node.js', 'Batch'],
};

function matcher(routes: Route[]) {
	const compiled = routes.map((route) => {
		const keys: string[] = [];
		const source = route.path
			.split('/')
			.map((part) => {
				if (!part.startsWith(':')) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
				keys.push(part.slice(1));
				return '([^/]+)';
			})
			.join('/');
		return { route, keys, regex: new RegExp(`^${source}/?$`) };
	});
	return (method: string, path: string) => {
		for (const candidate of compiled) {
			if (candidate.route.method !== method) continue;
			const match = candidate.regex.exec(path);
			if (!match) continue;
			const params: Record<string, string> = {};
			candidate.keys.forEach((key, i) => (params[key] = decodeURIComponent(match[i + 1])));
			return { route: candidate.route, params };
		}
		return undefined;
	};
}

/** The parameter's default from the node's description, as n8n fills in parameters the workflow leaves out. */
function describedDefault(properties: INodeProperties[], name: string, operation: unknown): unknown {
	const [top, ...rest] = name.split('.');
	const candidates = properties.filter((property) => property.name === top);
	const forOperation = candidates.find((property) => (property.displayOptions?.show?.operation as unknown[] | undefined)?.includes(operation));
	const value = (forOperation ?? candidates[0])?.default;
	return rest.length === 0 ? value : pick((value ?? {}) as IDataObject, rest.join('.'));
}

function pick(source: IDataObject, path: string): unknown {
	if (path in source) return source[path];
	return path.split('.').reduce<unknown>((value, key) => (value as IDataObject | undefined)?.[key], source);
}

async function measureVendor(sandbox: Sandbox, vendor: BulkVendor, count: number, headers: Record<string, string>): Promise<EngineFigure> {
	const [file, className] = NODE_FILES[vendor];
	const node = new (require(join(root, file))[className] as new () => INodeType)();
	const spec = bulkNode(vendor, 'Bulk');
	const parameters = spec.parameters as IDataObject;
	const properties = node.description.properties;
	const items = (new Function(profileCode(vendor, count))() as Array<{ json: IDataObject }>).map((item) => ({ json: item.json }));
	const running = sandbox.vendor(vendor);
	const route = matcher(running.module.routes);
	const credentials = { ...(sandbox.credentials[vendor] as IDataObject), baseUrl: running.url };
	const vendorCtx = {
		scale: (ms: number) => ms,
		now: () => Date.now(),
		random: Math.random,
		baseUrl: () => running.url,
		timeScale: 1,
	};
	let vendorMicros = 0;
	let requests = 0;

	const request = async (options: IHttpRequestOptions) => {
		const before = process.cpuUsage();
		requests++;
		const url = new URL(options.url);
		const rawBody = options.body === undefined ? Buffer.alloc(0) : Buffer.from(typeof options.body === 'string' ? options.body : JSON.stringify(options.body));
		const lowered: Record<string, string> = {};
		for (const [key, value] of Object.entries({ ...options.headers, ...headers, 'content-type': 'application/json' })) lowered[key.toLowerCase()] = String(value);
		const found = route(String(options.method ?? 'GET').toUpperCase(), url.pathname);
		let response: SandboxResponse;
		if (!found) response = { status: 404, body: { error: 'no route' } };
		else {
			const req: SandboxRequest = {
				method: String(options.method ?? 'GET').toUpperCase(),
				path: url.pathname,
				route: `${found.route.method} ${found.route.path}`,
				params: found.params,
				query: url.searchParams,
				headers: lowered,
				rawBody,
				body: rawBody.length ? JSON.parse(rawBody.toString('utf8')) : undefined,
				host: url.host,
			};
			response = await found.route.handler(req, vendorCtx);
		}
		// The body goes through JSON as it would over HTTP.
		const body = response.body === undefined ? undefined : JSON.parse(JSON.stringify(response.body));
		const spent = process.cpuUsage(before);
		vendorMicros += spent.user + spent.system;
		return { statusCode: response.status, headers: response.headers ?? {}, body };
	};

	const staticData: IDataObject = {};
	const context = {
		getInputData: () => items,
		getNode: () => ({ id: 'bench', name: 'Bulk', type: `n8n-nodes-customer-profiles.${vendor}`, typeVersion: 1, position: [0, 0], parameters }),
		getNodeParameter: (name: string, _itemIndex: number, fallback?: unknown) => {
			const value = pick(parameters, name);
			if (value !== undefined) return value;
			const described = describedDefault(properties, name, parameters.operation);
			return described !== undefined ? described : fallback;
		},
		continueOnFail: () => true,
		getExecutionCancelSignal: () => undefined,
		onExecutionCancellation: () => undefined,
		getWorkflowStaticData: () => staticData,
		getCredentials: async () => credentials,
		addExecutionHints: () => undefined,
		logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
		helpers: {
			httpRequest: request,
			httpRequestWithAuthentication: async (_type: string, options: IHttpRequestOptions) => await request(options),
			returnJsonArray: (data: IDataObject | IDataObject[]) => (Array.isArray(data) ? data : [data]).map((json) => ({ json })),
		},
	};
	const wallStart = Date.now();
	const cpuStart = process.cpuUsage();
	const output = (await node.execute!.call(context as never)) as Array<Array<{ json: IDataObject; error?: unknown }>>;
	const cpu = process.cpuUsage(cpuStart);
	const wallMs = Date.now() - wallStart;
	const produced = output.reduce((sum, branch) => sum + branch.length, 0);
	const failures = output.flat().filter((item) => item.error !== undefined || item.json.error !== undefined);
	const failed = failures.length;
	const firstFailure = failed ? `: ${String(failures[0].json.error ?? (failures[0].error as Error)?.message).slice(0, 200)}` : '';
	const ours = cpu.user + cpu.system - vendorMicros;
	return {
		vendor,
		usPerItem: ours / count,
		vendorUsPerItem: vendorMicros / count,
		wallMs,
		requests,
		note: produced !== count || failed > 0 ? `${produced} items out, ${failed} failed${firstFailure}` : undefined,
	};
}

export async function engineOverhead(sandbox: Sandbox, count: number, log: (text: string) => void): Promise<EngineFigure[]> {
	const figures: EngineFigure[] = [];
	for (const vendor of ['insider', 'synerise', 'batch'] as BulkVendor[]) {
		const running = sandbox.vendors[vendor];
		if (!running || !existsSync(join(root, NODE_FILES[vendor][0]))) continue;
		const keys = sandbox.credentials[vendor] as Record<string, string>;
		// Resets the fake and signs requests as the credential would (Synerise's reset forgets its tokens).
		const fresh = async (): Promise<Record<string, string>> => {
			await sandbox.control(vendor).reset();
			// Writes apply inside the handler (no timers left running), so their CPU time is the fake's, not ours.
			if (vendor !== 'batch') running.module.configure({ applyDelayMs: 0 });
			if (vendor === 'insider') return { 'x-partner-name': keys.partnerName, 'x-request-token': keys.requestToken };
			if (vendor === 'batch') return { authorization: `Bearer ${keys.restApiKey}`, 'x-batch-project': keys.projectKey };
			const login = await fetch(`${running.url}/uauth/v2/auth/login/profile`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ apiKey: keys.apiKey }),
			});
			return { authorization: `Bearer ${((await login.json()) as { token: string }).token}` };
		};
		// A warm-up run, so the figure is not the JIT's first pass.
		await measureVendor(sandbox, vendor, Math.min(count, 5_000), await fresh());
		const figure = await measureVendor(sandbox, vendor, count, await fresh());
		log(`engine ${vendor}: ${figure.usPerItem.toFixed(1)} µs/item (fake vendor ${figure.vendorUsPerItem.toFixed(1)} µs/item), ${figure.requests} requests, ${figure.wallMs} ms wall`);
		figures.push(figure);
	}
	return figures;
}
