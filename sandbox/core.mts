// The sandbox's shared machinery: one HTTP server per vendor on 127.0.0.1, a router, JSON bodies, seeded
// fault injection, a time scale for limits and task durations, and the `/__sandbox/*` inspection routes
// tests use to read and reset vendor-side state. Vendor behaviour lives in one module per vendor.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Readable } from 'node:stream';

export interface FaultConfig {
	/** Probability (0..1) of answering a vendor route with a 5xx before handling it. */
	error5xxRate: number;
	/** Probability of answering 429 (with `Retry-After`) before handling it. */
	rate429: number;
	/** Probability of destroying the connection without an answer. */
	resetRate: number;
	/** Extra latency added to every vendor request, uniformly drawn in [min, max] ms. */
	latencyMs: [number, number];
	/** `Retry-After` seconds sent with injected 429s (scaled by the time scale, rounded up). */
	retryAfterSeconds: number;
	/** Only routes whose pattern contains one of these strings get faults; empty means all vendor routes. */
	routes: string[];
	seed: number;
}

export const NO_FAULTS: FaultConfig = {
	error5xxRate: 0,
	rate429: 0,
	resetRate: 0,
	latencyMs: [0, 0],
	retryAfterSeconds: 1,
	routes: [],
	seed: 1,
};

export interface SandboxRequest {
	method: string;
	path: string;
	/** The route pattern that matched, e.g. `POST /v4/clients/:clientId`. */
	route: string;
	params: Record<string, string>;
	query: URLSearchParams;
	headers: IncomingMessage['headers'];
	rawBody: Buffer;
	/** Parsed JSON body, when the body is JSON. */
	body: unknown;
	/** Set when the body claimed to be JSON and did not parse. */
	bodyError?: string;
	/** Host header, for vendors that pick a region from it. */
	host: string;
}

export interface SandboxResponse {
	status: number;
	body?: unknown;
	headers?: Record<string, string>;
	/** A raw body (CSV, HTML) or stream; `contentType` then names its type. */
	raw?: string | Buffer | Readable;
	contentType?: string;
}

export interface VendorContext {
	/** Milliseconds of vendor time → milliseconds of sandbox time. */
	scale(ms: number): number;
	now(): number;
	random(): number;
	/** The sandbox's own base URL (for download links and callbacks). */
	baseUrl(): string;
	timeScale: number;
}

export type Handler = (req: SandboxRequest, ctx: VendorContext) => SandboxResponse | Promise<SandboxResponse>;

export interface Route {
	method: string;
	path: string;
	handler: Handler;
}

export interface VendorModule {
	name: string;
	routes: Route[];
	/**
	 * The vendor's own answer to a path (or method) it does not serve, in its error shape; without it the
	 * sandbox answers a plain 404.
	 */
	unknownRoute?: (req: SandboxRequest) => SandboxResponse;
	/** Vendor-side state, as JSON, for tests to compare with what was sent. */
	state(): unknown;
	reset(): void;
	/** Applies vendor-specific knobs (limits, durations, error variants); returns the knobs in force. */
	configure(knobs: Record<string, unknown>): Record<string, unknown>;
	/** Called once the server listens, with its context. */
	attach?(ctx: VendorContext): void;
	close?(): void;
}

export interface Stats {
	requests: number;
	byRoute: Record<string, number>;
	byStatus: Record<string, number>;
	injected: { error5xx: number; rate429: number; reset: number };
	log: Array<{ at: number; method: string; route: string; status: number; bytes: number }>;
}

/** mulberry32: small, fast and seedable, so a failing fault run can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

/** Sliding-window request counter, as vendors that allow N requests per minute enforce it. */
export class SlidingWindow {
	private readonly hits = new Map<string, number[]>();

	constructor(
		public limit: number,
		public windowMs: number,
	) {}

	/** Records a hit unless it is over the limit; returns how long until one would be allowed. */
	hit(key: string, now: number): { ok: boolean; retryAfterMs: number } {
		const list = (this.hits.get(key) ?? []).filter((t) => t > now - this.windowMs);
		this.hits.set(key, list);
		if (list.length >= this.limit) return { ok: false, retryAfterMs: list[list.length - this.limit] + this.windowMs - now };
		list.push(now);
		return { ok: true, retryAfterMs: 0 };
	}

	/** Counts a rejected request against the window too, where the vendor does so. */
	record(key: string, now: number): void {
		const list = this.hits.get(key) ?? [];
		list.push(now);
		this.hits.set(key, list);
	}

	reset(): void {
		this.hits.clear();
	}
}

/** Token bucket over records (profiles per second), as vendors that count records enforce it. */
export class TokenBucket {
	private tokens: number;
	private at: number;

	constructor(
		public perSecond: number,
		public burst: number,
		now: number,
	) {
		this.tokens = burst;
		this.at = now;
	}

	take(count: number, now: number): { ok: boolean; retryAfterMs: number } {
		this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) / 1000) * this.perSecond);
		this.at = now;
		// Like the limiter on the client side, a request bigger than the burst passes on a full bucket.
		const needed = Math.min(count, this.burst);
		if (this.tokens + 1e-9 < needed) {
			return { ok: false, retryAfterMs: Math.ceil(((needed - this.tokens) / this.perSecond) * 1000) };
		}
		this.tokens -= count;
		return { ok: true, retryAfterMs: 0 };
	}

	reset(now: number): void {
		this.tokens = this.burst;
		this.at = now;
	}
}

function compile(pattern: string): { regex: RegExp; keys: string[] } {
	const keys: string[] = [];
	const source = pattern
		.split('/')
		.map((part) => {
			if (part.startsWith(':')) {
				keys.push(part.slice(1));
				return '([^/]+)';
			}
			return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
		})
		.join('/');
	// Exact: a trailing slash is part of the path, as it is at the vendors (a route declared without one
	// answers 404 to a request with one, and the other way round).
	return { regex: new RegExp(`^${source}$`), keys };
}

const MAX_BODY_BYTES = 64 * 1024 * 1024;

async function readBody(req: IncomingMessage): Promise<Buffer> {
	const chunks: Buffer[] = [];
	let size = 0;
	for await (const chunk of req) {
		size += (chunk as Buffer).length;
		if (size > MAX_BODY_BYTES) throw new Error('body too large');
		chunks.push(chunk as Buffer);
	}
	return Buffer.concat(chunks);
}

export interface StartOptions {
	port?: number;
	host?: string;
	timeScale?: number;
	faults?: Partial<FaultConfig>;
	knobs?: Record<string, unknown>;
	/** Keep every vendor request with its headers and body (contract tests); off by default to keep memory flat. */
	capture?: boolean;
}

/** One request as it reached the fake, kept for contract tests that check what a node sent. */
export interface CapturedRequest {
	method: string;
	path: string;
	/** The matched route pattern (`POST /v4/clients/batch`), or `METHOD path` when nothing matched. */
	route: string;
	query: Record<string, string>;
	headers: IncomingMessage['headers'];
	body: unknown;
	rawBody: string;
	status: number;
}

export interface RunningVendor {
	name: string;
	url: string;
	module: VendorModule;
	/** The requests received since the last reset (only when started with `capture: true`). */
	captured(): CapturedRequest[];
	setFaults(faults: Partial<FaultConfig>): FaultConfig;
	stats(): Stats;
	close(): Promise<void>;
}

export async function startVendor(module: VendorModule, options: StartOptions = {}): Promise<RunningVendor> {
	const compiled = module.routes.map((route) => ({ ...route, ...compile(route.path) }));
	let faults: FaultConfig = { ...NO_FAULTS, ...options.faults };
	let faultRandom = seededRandom(faults.seed);
	let timeScale = options.timeScale ?? 1;
	let baseUrl = '';
	const vendorRandom = seededRandom(faults.seed + 1);
	const ctx: VendorContext = {
		scale: (ms) => ms * timeScale,
		now: () => Date.now(),
		random: vendorRandom,
		baseUrl: () => baseUrl,
		get timeScale() {
			return timeScale;
		},
	};
	const fresh = (): Stats => ({
		requests: 0,
		byRoute: {},
		byStatus: {},
		injected: { error5xx: 0, rate429: 0, reset: 0 },
		log: [],
	});
	let stats = fresh();
	let captured: CapturedRequest[] = [];
	const sockets = new Set<Socket>();

	const send = (res: ServerResponse, response: SandboxResponse, route: string, method: string, bytes: number, req?: SandboxRequest) => {
		stats.byStatus[response.status] = (stats.byStatus[response.status] ?? 0) + 1;
		if (options.capture && req && !req.path.startsWith('/__sandbox')) {
			captured.push({
				method: req.method,
				path: req.path,
				route,
				query: Object.fromEntries(req.query),
				headers: req.headers,
				body: req.body,
				rawBody: req.rawBody.toString('utf8'),
				status: response.status,
			});
		}
		if (!route.startsWith('/__sandbox')) {
			stats.log.push({ at: Date.now(), method, route, status: response.status, bytes });
			if (stats.log.length > 100_000) stats.log.splice(0, 50_000);
		}
		const headers: Record<string, string> = { ...response.headers };
		if (response.raw instanceof Readable) {
			res.writeHead(response.status, { 'content-type': response.contentType ?? 'application/octet-stream', ...headers });
			response.raw.pipe(res);
			return;
		}
		let payload: string | Buffer = '';
		if (response.raw !== undefined) {
			payload = response.raw;
			headers['content-type'] = response.contentType ?? 'text/plain; charset=utf-8';
		} else if (response.body !== undefined) {
			payload = JSON.stringify(response.body);
			headers['content-type'] = 'application/json';
		}
		headers['content-length'] = String(Buffer.byteLength(payload));
		res.writeHead(response.status, headers);
		res.end(payload);
	};

	const inspection = async (req: SandboxRequest): Promise<SandboxResponse | undefined> => {
		const key = `${req.method} ${req.path}`;
		switch (key) {
			case 'GET /__sandbox/state':
				return { status: 200, body: module.state() };
			case 'GET /__sandbox/stats':
				return { status: 200, body: stats };
			case 'POST /__sandbox/reset':
				module.reset();
				stats = fresh();
				captured = [];
				return { status: 200, body: { ok: true } };
			case 'GET /__sandbox/config':
				return { status: 200, body: { timeScale, faults, knobs: module.configure({}) } };
			case 'POST /__sandbox/config': {
				const body = (req.body ?? {}) as { timeScale?: number; faults?: Partial<FaultConfig>; knobs?: Record<string, unknown> };
				if (typeof body.timeScale === 'number') timeScale = body.timeScale;
				if (body.faults) {
					faults = { ...faults, ...body.faults };
					faultRandom = seededRandom(faults.seed);
				}
				const knobs = module.configure(body.knobs ?? {});
				return { status: 200, body: { timeScale, faults, knobs } };
			}
			default:
				return undefined;
		}
	};

	const server: Server = createServer(async (req, res) => {
		const url = new URL(req.url ?? '/', 'http://sandbox');
		const method = (req.method ?? 'GET').toUpperCase();
		let raw: Buffer;
		try {
			raw = await readBody(req);
		} catch {
			send(res, { status: 413, body: { error: 'request body too large for the sandbox' } }, 'body', method, 0);
			return;
		}
		const type = String(req.headers['content-type'] ?? '');
		let body: unknown;
		let bodyError: string | undefined;
		if (raw.length > 0 && (type.includes('json') || type === '')) {
			try {
				body = JSON.parse(raw.toString('utf8'));
			} catch (error) {
				if (type.includes('json')) bodyError = (error as Error).message;
			}
		}
		const base: Omit<SandboxRequest, 'route' | 'params'> = {
			method,
			path: url.pathname,
			query: url.searchParams,
			headers: req.headers,
			rawBody: raw,
			body,
			bodyError,
			host: String(req.headers.host ?? ''),
		};
		if (url.pathname.startsWith('/__sandbox/')) {
			const answer = await inspection({ ...base, route: url.pathname, params: {} });
			send(res, answer ?? { status: 404, body: { error: 'unknown sandbox route' } }, url.pathname, method, raw.length);
			return;
		}
		stats.requests++;
		const match = compiled
			.filter((route) => route.method === method)
			.map((route) => ({ route, m: route.regex.exec(url.pathname) }))
			.find((candidate) => candidate.m);
		const routeName = match ? `${method} ${match.route.path}` : `${method} ${url.pathname}`;
		stats.byRoute[routeName] = (stats.byRoute[routeName] ?? 0) + 1;

		const request: SandboxRequest = { ...base, route: routeName, params: {} };
		const faulty = faults.routes.length === 0 || faults.routes.some((part) => routeName.includes(part));
		if (match && faulty) {
			const [min, max] = faults.latencyMs;
			if (max > 0) await new Promise((resolve) => setTimeout(resolve, min + faultRandom() * (max - min)));
			const roll = faultRandom();
			if (roll < faults.resetRate) {
				stats.injected.reset++;
				req.socket.destroy();
				return;
			}
			if (roll < faults.resetRate + faults.rate429) {
				stats.injected.rate429++;
				const seconds = Math.max(1, Math.ceil(faults.retryAfterSeconds * timeScale));
				send(res, { status: 429, body: { error: 'injected: too many requests' }, headers: { 'retry-after': String(seconds) } }, routeName, method, raw.length, request);
				return;
			}
			if (roll < faults.resetRate + faults.rate429 + faults.error5xxRate) {
				stats.injected.error5xx++;
				const status = [500, 502, 503][Math.floor(faultRandom() * 3)];
				send(res, { status, raw: '<html><body>injected upstream error</body></html>', contentType: 'text/html' }, routeName, method, raw.length, request);
				return;
			}
		}
		if (!match) {
			const answer = module.unknownRoute?.(request) ?? { status: 404, body: { error: `no route ${method} ${url.pathname}` } };
			send(res, answer, routeName, method, raw.length, request);
			return;
		}
		const params: Record<string, string> = {};
		match.route.keys.forEach((key, i) => (params[key] = decodeURIComponent(match.m![i + 1])));
		try {
			const answer = await match.route.handler({ ...base, route: routeName, params }, ctx);
			send(res, answer, routeName, method, raw.length, request);
		} catch (error) {
			send(res, { status: 500, body: { error: `sandbox bug: ${(error as Error).message}` } }, routeName, method, raw.length, request);
		}
	});
	server.keepAliveTimeout = 5000;
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
	});
	const address = server.address() as AddressInfo;
	baseUrl = `http://127.0.0.1:${address.port}`;
	if (options.knobs) module.configure(options.knobs);
	module.attach?.(ctx);
	return {
		name: module.name,
		url: baseUrl,
		module,
		setFaults(next) {
			faults = { ...faults, ...next };
			faultRandom = seededRandom(faults.seed);
			return faults;
		},
		stats: () => stats,
		captured: () => captured,
		async close() {
			module.close?.();
			for (const socket of sockets) socket.destroy();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}

/** JSON helpers vendor modules share. */
export const json = (status: number, body?: unknown, headers?: Record<string, string>): SandboxResponse => ({
	status,
	body,
	headers,
});

/** Byte length of a request body, for vendors that cap request size. */
export const bodyBytes = (req: SandboxRequest): number => req.rawBody.length;
