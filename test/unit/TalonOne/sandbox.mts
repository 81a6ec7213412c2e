// Starts the Talon.One fake in-process for unit tests and seeds audiences through its own API.
import { afterAll, beforeEach } from 'vitest';

import type { RunningVendor } from '../../../sandbox/core.mts';
import { startVendor } from '../../../sandbox/core.mts';
import * as talon from '../../../sandbox/talonOne.mts';

export interface TalonSandbox {
	vendor: RunningVendor;
	credentials: Record<string, unknown>;
	state(): any;
	reset(): Promise<void>;
	configure(knobs: Record<string, unknown>): void;
	seedAudiences(ids: string[]): Promise<number[]>;
}

export async function startTalon(): Promise<TalonSandbox> {
	const module = talon.create();
	const definedAttributes = [...module.knobs.definedAttributes];
	const vendor = await startVendor(module);
	const credentials = { ...talon.credentials, baseUrl: vendor.url };
	return {
		vendor,
		credentials,
		state: () => module.state() as any,
		async reset() {
			module.reset();
			module.configure({
				requestsPerSecond: 60,
				burst: 60,
				retryAfterSeconds: null,
				maxAudienceChanges: 1000,
				capScope: 'request',
				singularAlias: false,
				profileLatencyMs: 0,
				profileOverlapStatus: null,
				basicAuth: false,
				undocumentedFields: 'refuse',
				definedAttributes: [...definedAttributes],
			});
			vendor.setFaults({ error5xxRate: 0, rate429: 0, resetRate: 0, routes: [] });
		},
		configure: (knobs) => void module.configure(knobs),
		async seedAudiences(ids) {
			// Seeding is not what the tests measure: lift the rate limit for it.
			const { burst } = module.knobs;
			module.configure({ burst: Math.max(burst, ids.length + 1) });
			const numeric: number[] = [];
			for (const audienceId of ids) {
				const response = await fetch(`${vendor.url}/cdp/audiences`, {
					method: 'POST',
					headers: {
						authorization: `ApiKey-v1 ${talon.credentials.apiKey}`,
						'destination-hostname': talon.credentials.deploymentHostname,
						'customer-data-platform-name': talon.credentials.platformName,
						'content-type': 'application/json',
					},
					body: JSON.stringify({ audienceId, audienceName: `Audience ${audienceId}` }),
				});
				if (response.status !== 201) throw new Error(`seeding ${audienceId}: ${response.status}`);
				numeric.push(((await response.json()) as { id: number }).id);
			}
			module.configure({ burst });
			return numeric;
		},
	};
}

/**
 * The set-up of a Talon.One test file: starts the sandbox (closed after the file), resets it before each
 * test and seeds these audiences; `audiences` holds their numeric IDs, refilled in place before each test.
 */
export async function useTalon(seed: string[] = []): Promise<{ sandbox: TalonSandbox; audiences: number[] }> {
	const sandbox = await startTalon();
	const audiences: number[] = [];
	afterAll(async () => {
		await sandbox.vendor.close();
	});
	beforeEach(async () => {
		await sandbox.reset();
		audiences.splice(0, audiences.length, ...(seed.length > 0 ? await sandbox.seedAudiences(seed) : []));
	});
	return { sandbox, audiences };
}

export function memberships(state: any, profileId: string): number[] {
	const profile = (state.deployments[talon.DEPLOYMENT]?.profiles ?? []).find(
		(candidate: any) => candidate.integrationId === profileId,
	);
	return profile ? profile.audienceMemberships.map((membership: { id: number }) => membership.id) : [];
}

export { talon };
