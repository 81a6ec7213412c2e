// The Profile Sync operation of each vendor but Synerise, as a workflow node, with its input rows and how to
// read what reached the vendor: shared by the real-n8n Sync tests (test/e2e/syncVendors.test.mts) and the
// queue-mode test. `row` functions are self-contained so a workflow's Code node can carry their source.
import type { CapturedRequest } from '../../sandbox/core.mts';
import type { Sandbox, VendorName } from '../../sandbox/index.mts';
import { sandboxCredentialRef } from '../../sandbox/n8nCredentials.mts';

const state = async (sandbox: Sandbox, vendor: VendorName): Promise<any> => await sandbox.control(vendor).state();
/** One vendor's sync operation, its input rows and how to read what reached the vendor. */
export interface VendorCase {
	vendor: VendorName;
	node: { type: string; typeVersion: number; credentials: Record<string, { id: string; name: string }>; parameters: Record<string, unknown> };
	/** The input row of profile `i`; `tier` is the field the test changes (undefined: left out once sent as JSON). */
	row: (i: number, tier: string | undefined) => Record<string, unknown>;
	/** The requests that write profiles (the Sync option's sends). */
	isWrite: (request: CapturedRequest) => boolean;
	/** Fault routes that make every write fail (a substring of the write route's pattern). */
	writeRoute: string;
	/** The profiles one write request carries: each one's key and the field names it sends. */
	sent: (request: CapturedRequest) => Array<{ key: string; fields: string[] }>;
	/** The key of profile `i` as `sent` names it. */
	key: (i: number) => string;
	/** The field `tier` as `sent` names it. */
	tierField: string;
	/** Profile `i`'s tier as the vendor holds it now. */
	storedTier: (sandbox: Sandbox, i: number) => Promise<unknown>;
	/** What the Missing From Source item of profile `i` carries besides `id` and `syncStatus`. */
	missing: (i: number) => Record<string, unknown>;
}

const flat = (object: Record<string, unknown> | undefined, prefix = ''): string[] =>
	Object.entries(object ?? {}).flatMap(([name, value]) =>
		value !== null && typeof value === 'object' && !Array.isArray(value) ? flat(value as Record<string, unknown>, `${prefix}${name}.`) : [`${prefix}${name}`],
	);

export const SYNC_CASES: Record<string, VendorCase> = {
	'Talon.One Create or Update': {
		vendor: 'talonOne',
		node: {
			type: 'talonOne',
			typeVersion: 1,
			credentials: sandboxCredentialRef('talonOneCdpApi'),
			parameters: {
				resource: 'customerProfile',
				operation: 'update',
				customerProfileId: '={{ $json.id }}',
				attributesMode: 'json',
				attributesJson: '={{ JSON.stringify($json.attributes) }}',
				deleteAttributes: '',
				audiencesToAdd: '',
				audiencesToRemove: '',
				options: {},
			},
		},
		row: (i, tier) => ({ id: `sync-${i}`, attributes: { Language: 'english', Tier: tier, Score: i } }),
		isWrite: (request) => request.method === 'PUT' && request.route.includes('/cdp/customer_profile/:customerProfileId') && !request.route.endsWith('audiences'),
		writeRoute: 'customer_profile/:customerProfileId',
		sent: (request) => [{ key: decodeURIComponent(request.path.split('/').pop()!.split('?')[0]), fields: flat((request.body as any).attributes, 'attributes.') }],
		key: (i) => `sync-${i}`,
		tierField: 'attributes.Tier',
		storedTier: async (sandbox, i) => {
			const talon = await state(sandbox, 'talonOne');
			const deployments = Object.values(talon.deployments ?? talon) as any[];
			const profile = deployments.flatMap((deployment) => deployment.profiles ?? []).find((candidate: any) => candidate.integrationId === `sync-${i}`);
			return profile?.attributes?.Tier;
		},
		missing: (i) => ({ customerProfileId: `sync-${i}` }),
	},
	'Insider Create or Update': {
		vendor: 'insider',
		node: {
			type: 'insider',
			typeVersion: 3,
			credentials: sandboxCredentialRef('insiderApi'),
			parameters: { resource: 'user', operation: 'upsert', mappingMode: 'autoMap', options: { useMetadata: false } },
		},
		row: (i, tier) => ({ uuid: `sync-${i}`, email: `sync${i}@example.com`, name: `Person ${i}`, tier, visits: i }),
		isWrite: (request) => request.path.startsWith('/api/user/v1/upsert'),
		writeRoute: '/api/user/v1/upsert',
		sent: (request) =>
			((request.body as any).users as any[]).map((user) => ({ key: user.identifiers.uuid, fields: flat(user.attributes, 'attributes.') })),
		key: (i) => `sync-${i}`,
		tierField: 'attributes.custom.tier',
		storedTier: async (sandbox, i) => {
			const user = ((await state(sandbox, 'insider')).users as any[]).find((candidate) => candidate.identifiers?.uuid === `sync-${i}`);
			return user?.attributes?.custom?.tier ?? user?.attributes?.tier;
		},
		missing: (i) => ({ identifiers: { uuid: `sync-${i}` } }),
	},
	'Crescendo Lab Import': {
		vendor: 'crescendoLab',
		node: {
			type: 'crescendoLab',
			typeVersion: 1,
			credentials: sandboxCredentialRef('crescendoLabApi'),
			parameters: {
				authentication: 'profileApi',
				resource: 'contact',
				operation: 'import',
				importKey: 'customer_id',
				columns: { mappingMode: 'autoMapInputData', value: null },
				// Max Wait also bounds how long a refused task start is retried (the failing write below).
				options: { maxRequestsPerMinute: 300, pollIntervalSeconds: 0.25, firstCheckSeconds: 0.25, maxWaitSeconds: 15 },
			},
		},
		row: (i, tier) => ({ customer_id: `sync-${i}`, display_name: `Name ${i}`, city: tier, cl_custom_points: i }),
		isWrite: (request) => request.method === 'POST' && request.route.includes('/member/import'),
		writeRoute: '/member/import',
		sent: (request) => ((request.body as any).data as any[]).map((row) => ({ key: row.customer_id, fields: Object.keys(row).filter((name) => name !== 'customer_id') })),
		key: (i) => `sync-${i}`,
		tierField: 'city',
		storedTier: async (sandbox, i) => ((await state(sandbox, 'crescendoLab')).contacts as any[]).find((contact) => contact.customer_id === `sync-${i}`)?.city,
		missing: (i) => ({ importKey: 'customer_id', keyValue: `sync-${i}` }),
	},
	'Batch Create or Update (node version 2)': {
		vendor: 'batch',
		node: {
			type: 'batch',
			typeVersion: 2,
			credentials: sandboxCredentialRef('batchApi'),
			parameters: {
				resource: 'profile',
				operation: 'createOrUpdate',
				customIdField: 'custom_id',
				attributesToSend: 'allFields',
				fieldsToExclude: '',
				nativeAttributes: {},
				additionalFields: {},
				options: {},
			},
		},
		row: (i, tier) => ({ custom_id: `sync-${i}`, plan: tier, logins: i }),
		isWrite: (request) => request.method === 'POST' && /\/profiles\/(mass-)?update$/.test(request.route),
		writeRoute: '/profiles/',
		sent: (request) => ((request.body as any[]) ?? []).map((operation) => ({ key: operation.identifiers.custom_id, fields: Object.keys(operation.attributes ?? {}) })),
		key: (i) => `sync-${i}`,
		tierField: 'plan',
		storedTier: async (sandbox, i) => (await state(sandbox, 'batch')).profiles[`sync-${i}`]?.attributes?.plan?.value,
		missing: (i) => ({ customId: `sync-${i}` }),
	},
};
