// The client of a vendor fake's control routes (`/__sandbox/*`, served by core.mts): read its vendor-side
// state and request statistics, reset it, change its time scale, faults and knobs. Over HTTP, so it works the
// same on a fake in this process and on one `npm run sandbox` started elsewhere.
import type { FaultConfig, Stats } from './core.mts';

/** What `configure` changes; anything left out stays as it is. Faults merge into the current ones. */
export interface SandboxSettings {
	timeScale?: number;
	faults?: Partial<FaultConfig>;
	/** The vendor's own knobs (each vendor module documents its `Knobs`). */
	knobs?: Record<string, unknown>;
}

/** The settings in force, as the fake answers them. */
export interface SandboxConfig {
	timeScale: number;
	faults: FaultConfig;
	knobs: Record<string, unknown>;
}

const ATTEMPTS = 3;
const RETRY_DELAY_MS = 200;

export class SandboxControl {
	/** `url` is the vendor fake's base URL (`sandbox.vendor(name).url`). */
	constructor(readonly url: string) {}

	/** The vendor-side data (its shape is the vendor module's `state()`). */
	async state(): Promise<any> {
		return await this.request('GET', '/__sandbox/state');
	}

	/** Requests since the last reset: by route, by status, injected faults and a log. */
	async stats(): Promise<Stats> {
		return (await this.request('GET', '/__sandbox/stats')) as Stats;
	}

	/** Empties the vendor-side data, the statistics and the captured requests. */
	async reset(): Promise<void> {
		await this.request('POST', '/__sandbox/reset');
	}

	/** The settings in force. */
	async config(): Promise<SandboxConfig> {
		return (await this.request('GET', '/__sandbox/config')) as SandboxConfig;
	}

	/** Changes the time scale, faults or knobs; returns the settings now in force. */
	async configure(settings: SandboxSettings): Promise<SandboxConfig> {
		return (await this.request('POST', '/__sandbox/config', settings)) as SandboxConfig;
	}

	async setFaults(faults: Partial<FaultConfig>): Promise<SandboxConfig> {
		return await this.configure({ faults });
	}

	async setKnobs(knobs: Record<string, unknown>): Promise<SandboxConfig> {
		return await this.configure({ knobs });
	}

	private async request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
		// The control routes are idempotent: a reused keep-alive connection that the fake has just closed
		// (ECONNRESET, fetch's "fetch failed" TypeError) is retried, up to three attempts in all.
		for (let attempt = 1; ; attempt++) {
			let status: number;
			let text: string;
			try {
				const response = await fetch(`${this.url}${path}`, {
					method,
					headers: body === undefined ? undefined : { 'content-type': 'application/json' },
					body: body === undefined ? undefined : JSON.stringify(body),
				});
				status = response.status;
				text = await response.text();
			} catch (error) {
				if (attempt >= ATTEMPTS || !(error instanceof TypeError)) throw error;
				await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
				continue;
			}
			if (status < 200 || status >= 300) throw new Error(`sandbox ${method} ${this.url}${path} answered ${status}: ${text.slice(0, 500)}`);
			return text === '' ? undefined : JSON.parse(text);
		}
	}
}
