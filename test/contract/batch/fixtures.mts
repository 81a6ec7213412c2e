// Batch's published contract for the routes the node calls, written in our own words from Batch's
// documentation (each schema and example cites its page; see also ../../../../shared/vendors/batch.md §0).
// Error bodies: Batch documents each error as a name and a number (AUTHENTICATION_INVALID, HTTP 401, code
// 10) but not the JSON field names; `error_code`/`error_message` are inferred from third-party clients.
import type { Schema } from '../schema.mts';

const UPDATE_PAGE = 'doc.batch.com/developer/api/cep/profiles/update (embedded OpenAPI 3.1, POST /profiles/update)';
const MASS_UPDATE_PAGE = 'doc.batch.com/developer/api/cep/profiles/mass-update-profile';
const GDPR_CREATE_PAGE = 'doc.batch.com/api/gdpr/create';
const GDPR_STATUS_PAGE = 'doc.batch.com/api/gdpr/get-status';
const ERRORS_PAGE = 'doc.batch.com/api/project-campaign/update (error codes table)';

/** Path of each route under the base URL; exact, no trailing slash. */
export const paths = {
	update: (version: string) => `/${version}/profiles/update`,
	massUpdate: (version: string) => `/${version}/profiles/mass-update`,
	gdprCreate: (appKey: string) => `/1.0/${appKey}/gdpr/request`,
	gdprStatus: (appKey: string, requestId: string) => `/1.0/${appKey}/gdpr/request/${requestId}`,
};

/** Headers of the CEP profile routes: "Authorization: Bearer <REST API key>" and the project key. */
export const cepHeaders: Schema = {
	source: `${UPDATE_PAGE}: securitySchemes (Bearer) and the required X-Batch-Project header parameter`,
	type: 'object',
	required: ['authorization', 'x-batch-project', 'content-type'],
	properties: {
		authorization: { type: 'string', pattern: '^Bearer \\S+$' },
		'x-batch-project': { type: 'string', pattern: '^project_[a-z0-9]{32}$' },
		'content-type': { type: 'string', pattern: '^application/json' },
	},
};

/** Headers of the legacy per-app GDPR routes: the REST API key in X-Authorization. */
export const gdprHeaders: Schema = {
	source: `${GDPR_CREATE_PAGE}: "Headers" (X-Authorization: BATCH_REST_API_KEY) and the cURL example (Content-Type: application/json)`,
	type: 'object',
	required: ['x-authorization'],
	properties: { 'x-authorization': { type: 'string', minLength: 1 } },
};

const attributeValue: Schema = {
	description: 'string, number, boolean, string array, {$add,$remove} edit or null (delete)',
	type: ['string', 'number', 'boolean', 'array', 'object', 'null'],
};

const operation: Schema = {
	type: 'object',
	required: ['identifiers'],
	additionalProperties: false,
	properties: {
		identifiers: {
			source: `${UPDATE_PAGE}: identifiers, "exactly one of custom_id or installation"; the node sends custom_id only`,
			type: 'object',
			required: ['custom_id'],
			additionalProperties: false,
			properties: { custom_id: { type: 'string', minLength: 1, maxLength: 512 } },
		},
		attributes: {
			source: `${UPDATE_PAGE}: attributes (native $ keys, custom keys with optional date()/url() wrappers)`,
			type: 'object',
			additionalProperties: attributeValue,
			properties: {
				$email_address: { type: 'string', format: 'email', nullable: true },
				$email_marketing: { enum: ['subscribed', 'unsubscribed', null] },
				$phone_number: { type: 'string', pattern: '^\\+[0-9]{1,15}$', nullable: true },
				$sms_marketing: { enum: ['subscribed', 'unsubscribed', null] },
				$language: { type: 'string', pattern: '^[a-z]{2}$', nullable: true },
				$region: { type: 'string', pattern: '^[A-Z]{2}$', nullable: true },
				$timezone: { type: 'string', minLength: 1, nullable: true },
			},
		},
		events: {
			source: `${UPDATE_PAGE}: events[] with name, optional time (RFC 3339) and attributes`,
			type: 'array',
			maxItems: 15,
			items: {
				type: 'object',
				required: ['name'],
				additionalProperties: false,
				properties: {
					name: { type: 'string', pattern: '^[a-z0-9_]{1,30}$' },
					time: { type: 'string', format: 'date-time' },
					attributes: { type: 'object' },
				},
			},
		},
	},
};

export const updateRequest: Schema = {
	source: `${UPDATE_PAGE}: requestBody, an array of at most 200 operations`,
	type: 'array',
	minItems: 1,
	maxItems: 200,
	items: operation,
};

export const massUpdateRequest: Schema = {
	source: `${MASS_UPDATE_PAGE}: the same operations as /profiles/update, at most 10,000 per call`,
	type: 'array',
	minItems: 1,
	maxItems: 10_000,
	items: operation,
};

export const gdprCreateRequest: Schema = {
	source: `${GDPR_CREATE_PAGE}: "Post data" (request_type required, callback_url optional, id required)`,
	type: 'object',
	required: ['request_type', 'id'],
	additionalProperties: false,
	properties: {
		request_type: { enum: ['review', 'remove'] },
		callback_url: { type: 'string', pattern: '^https?://' },
		id: {
			type: 'object',
			required: ['type', 'value'],
			additionalProperties: false,
			properties: { type: { const: 'custom_id' }, value: { type: 'string', minLength: 1 } },
		},
	},
};

/** GET carries no body; the path holds the app key and the request ID. */
export const gdprStatusRequest: Schema = {
	source: `${GDPR_STATUS_PAGE}: GET https://api.batch.com/1.0/BATCH_API_KEY/gdpr/request/REQUEST_ID`,
	type: ['null', 'string'],
	maxLength: 0,
};

export interface ResponseExample {
	source: string;
	status: number;
	body: unknown;
}

/** Answers of /profiles/update and /profiles/mass-update. */
export const profileResponses = {
	success: { source: `${UPDATE_PAGE}: 202 response example`, status: 202, body: { code: 'SUCCESS' } },
	partialErrors: {
		source: `${UPDATE_PAGE}: 202 SUCCESS_WITH_PARTIAL_ERRORS example (errors[] with category, bulk_index, attribute, reason)`,
		status: 202,
		body: {
			code: 'SUCCESS_WITH_PARTIAL_ERRORS',
			errors: [{ category: 'attribute', bulk_index: 1, attribute: 'em_last_intent', reason: 'value is too long' }],
		},
	},
	malformed: {
		source: `${UPDATE_PAGE}: 400 (malformed request); ${ERRORS_PAGE} for the code name`,
		status: 400,
		body: { error_code: 'MALFORMED_PARAMETER', error_message: 'Malformed parameter' },
	},
	authentication: {
		source: `${ERRORS_PAGE}: AUTHENTICATION_INVALID, HTTP 401, error code 10`,
		status: 401,
		body: { error_code: 'AUTHENTICATION_INVALID', error_message: 'Authentication invalid' },
	},
	tooManyRequests: {
		source: `${UPDATE_PAGE}: "Rate Limiting" (429 when the token bucket is empty)`,
		status: 429,
		body: { error_code: 'TOO_MANY_REQUESTS', error_message: 'Too many requests' },
	},
	serverError: {
		source: `${ERRORS_PAGE}: SERVER_ERROR, HTTP 500`,
		status: 500,
		body: { error_code: 'SERVER_ERROR', error_message: 'Server error' },
	},
	maintenance: {
		source: `${ERRORS_PAGE}: MAINTENANCE, HTTP 503`,
		status: 503,
		body: { error_code: 'MAINTENANCE', error_message: 'Service under maintenance' },
	},
} satisfies Record<string, ResponseExample>;

export const gdprResponses = {
	created: {
		source: `${GDPR_CREATE_PAGE}: success answer; the ID is called a "token" there, its field name request_id is inferred from ${GDPR_STATUS_PAGE}`,
		status: 200,
		body: { request_id: '6c256bd1-485a-47d1-8c36-7e3d5be013aa' },
	},
	status: {
		source: `${GDPR_STATUS_PAGE}: "Fields breakdown" and the example of doc.batch.com/api/gdpr/get-all-requests`,
		status: 200,
		body: {
			request_id: '7e2142f1-b0a3-4ed0-aef3-67d3f41270b6',
			request_date: '2020-11-04T10:37:06.512',
			status: 'done',
			error: 'user not found',
			request_type: 'remove',
			trigger_type: 'api',
			id: { type: 'custom_id', value: 'foobar' },
		},
	},
	authentication: {
		source: `${ERRORS_PAGE}: AUTHENTICATION_INVALID, HTTP 401`,
		status: 401,
		body: { error_code: 'AUTHENTICATION_INVALID', error_message: 'Authentication invalid' },
	},
} satisfies Record<string, ResponseExample>;
