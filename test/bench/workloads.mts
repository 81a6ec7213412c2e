// The workflows the benchmarks run: this package's bulk nodes, and the workflow users build today (n8n's
// HTTP Request node, one request per item) sending the same profiles in the same payload shape.
import { sandboxCredentialRef } from '../../sandbox/n8nCredentials.mts';
import { linearWorkflow, type NodeSpec } from '../e2e/workflows.mts';

export type BulkVendor = 'insider' | 'synerise' | 'batch';

/** Code node bodies that generate `count` input profiles for each vendor (the same rows every run). */
export function profileCode(vendor: BulkVendor, count: number, prefix = 'p'): string {
	const row: Record<BulkVendor, string> = {
		insider:
			"{ email: 'user' + i + '@example.com', phone_number: '+65' + (80000000 + i), name: 'User ' + i, age: 18 + (i % 60), email_optin: i % 2 === 0, tier: ['gold', 'silver', 'bronze'][i % 3], score: i }",
		synerise: `{ customId: '${prefix}-' + i, email: 'user' + i + '@example.com', firstName: 'User ' + i, city: ['Warsaw', 'Krakow', 'Gdansk'][i % 3], points: i }`,
		batch: `{ custom_id: '${prefix}-' + i, plan: ['basic', 'gold', 'pro'][i % 3], logins: i % 97, city: ['Paris', 'Lyon', 'Lille'][i % 3] }`,
	};
	return `const out = new Array(${count});\nfor (let i = 0; i < ${count}; i++) out[i] = { json: ${row[vendor]} };\nreturn out;`;
}

/** This package's node for a vendor's bulk write, with the options a user would pick for a full sync. */
export function bulkNode(vendor: BulkVendor, name: string, options: Record<string, unknown> = {}): NodeSpec {
	switch (vendor) {
		case 'insider':
			return {
				name,
				type: 'insider',
				credentials: sandboxCredentialRef('insiderApi'),
				onError: 'continueErrorOutput',
				parameters: { resource: 'user', operation: 'upsert', mappingMode: 'autoMap', options },
			};
		case 'synerise':
			return {
				name,
				type: 'synerise',
				credentials: sandboxCredentialRef('syneriseApi'),
				onError: 'continueErrorOutput',
				parameters: { resource: 'profile', operation: 'upsert', ...(Object.keys(options).length ? { options } : {}) },
			};
		case 'batch':
			return {
				name,
				type: 'batch',
				credentials: sandboxCredentialRef('batchApi'),
				onError: 'continueErrorOutput',
				parameters: {
					resource: 'profile',
					operation: 'createOrUpdate',
					customIdField: 'custom_id',
					attributesToSend: 'allFields',
					options: { onlySendChanges: false, ...options },
				},
			};
	}
}

export interface NaiveTarget {
	url: string;
	headers: Record<string, string>;
	/** An n8n expression that builds the one-profile request body from `$json`. */
	body: string;
}

/** The request users send per item today: the vendor's bulk endpoint with one profile, same shape. */
export function naiveTarget(vendor: BulkVendor, baseUrl: string, secrets: Record<string, string>): NaiveTarget {
	switch (vendor) {
		case 'insider':
			return {
				url: `${baseUrl}/api/user/v1/upsert`,
				headers: { 'X-PARTNER-NAME': secrets.partnerName, 'X-REQUEST-TOKEN': secrets.requestToken },
				body: '={{ JSON.stringify({ users: [{ identifiers: { email: $json.email, phone_number: $json.phone_number }, attributes: { name: $json.name, age: $json.age, email_optin: $json.email_optin, custom: { tier: $json.tier, score: $json.score } } }] }) }}',
			};
		case 'synerise':
			return {
				url: `${baseUrl}/v4/clients/batch`,
				headers: { Authorization: `Bearer ${secrets.token}`, 'Api-Version': '4.4' },
				body: '={{ JSON.stringify([{ customId: $json.customId, email: $json.email, firstName: $json.firstName, city: $json.city, attributes: { points: $json.points } }]) }}',
			};
		case 'batch':
			return {
				url: `${baseUrl}/2.11/profiles/update`,
				headers: { Authorization: `Bearer ${secrets.restApiKey}`, 'X-Batch-Project': secrets.projectKey },
				body: '={{ JSON.stringify([{ identifiers: { custom_id: $json.custom_id }, attributes: { plan: $json.plan, logins: $json.logins, city: $json.city } }]) }}',
			};
	}
}

/** n8n's HTTP Request node (v4.2) posting one profile per item; `batching` adds its Batching option. */
export function httpRequestNode(name: string, target: NaiveTarget, batching?: { batchSize: number; batchInterval: number }): NodeSpec {
	return {
		name,
		type: 'n8n-nodes-base.httpRequest',
		typeVersion: 4.2,
		onError: 'continueErrorOutput',
		parameters: {
			method: 'POST',
			url: target.url,
			sendHeaders: true,
			headerParameters: { parameters: Object.entries(target.headers).map(([name, value]) => ({ name, value })) },
			sendBody: true,
			contentType: 'raw',
			rawContentType: 'application/json',
			body: target.body,
			options: batching ? { batching: { batch: batching } } : {},
		},
	};
}

export function workflow(id: string, inputCode: string, nodes: NodeSpec[], settings: Record<string, unknown> = {}): any {
	return linearWorkflow({ id, name: id, inputCode, nodes, settings });
}
