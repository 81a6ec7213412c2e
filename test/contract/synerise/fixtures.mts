// Synerise profile API v4 contract, per operation the node uses: the request it must send (derived from
// Synerise's published material) and the documented answers. Sources, as cited on each schema:
// - help.synerise.com/developers/api/api-authorization/profile-login/ (workspace login, Api-Version 4.4)
// - help.synerise.com/developers/api/clients/profiles/ and hub.synerise.com/api-reference/profile-management
// - github.com/Synerise/php-sdk (generated v4 client, 2025): lib/V4/Clients/**, lib/V4/Models/**,
//   lib/Uauth/**, lib/Authentication/**, src/Guzzle/ClientFactory.php
// - github.com/Synerise/magento2-integration: lib/api-client/Api/DefaultApi.php
// Facts are restated in this project's words; nothing is copied from those files.
import type { Schema } from '../schema.mts';

const PHP_SDK = 'github.com/Synerise/php-sdk';
const MAGENTO = 'github.com/Synerise/magento2-integration lib/api-client/Api/DefaultApi.php';
const PROFILES_GUIDE = 'help.synerise.com/developers/api/clients/profiles/';

/** Headers every /v4 call carries (reference §4; Api-Version 4.4 is what php-sdk's Guzzle factory sends). */
export const v4Headers: Schema = {
	source: `${PHP_SDK} src/Guzzle/ClientFactory.php (Api-Version 4.4); ${MAGENTO} (api_version a required parameter of every call)`,
	type: 'object',
	required: ['api-version', 'authorization', 'accept'],
	properties: {
		'api-version': { const: '4.4' },
		// One space after the scheme; a three-part JWT (reference §3.2) or base64 of guid:key (§3.3).
		authorization: { type: 'string', pattern: '^(?:Bearer [A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+|Basic [A-Za-z0-9+/]+={0,2})$' },
		accept: { const: 'application/json' },
	},
};

/** A call with a JSON body also says so (reference §4: anything else answers 415). */
export const jsonBodyHeaders: Schema = {
	...v4Headers,
	required: [...(v4Headers.required ?? []), 'content-type'],
	properties: { ...v4Headers.properties, 'content-type': { type: 'string', pattern: '^application/json(?:; ?charset=utf-8)?$' } },
};

const text: Schema = { type: 'string', minLength: 1 };
/** The profile as sent: create, batch entries and updates share it (reference §5.2). */
export const profileBody: Schema = {
	source: `${PHP_SDK} lib/V4/Models/CreateClientRequestBody.php (fields), lib/V4/Models/Agreements.php, lib/V4/Models/InBodyClientSex.php`,
	type: 'object',
	additionalProperties: false,
	properties: {
		email: { type: 'string', format: 'email', nullable: true },
		phone: { type: 'string', pattern: '^(?:\\+[0-9 ()-]{6,19}|[0-9 ()-]{6,20})$', nullable: true },
		customId: { ...text, nullable: true },
		uuid: { ...text, nullable: true },
		firstName: { ...text, nullable: true },
		lastName: { ...text, nullable: true },
		displayName: { ...text, nullable: true },
		company: { ...text, nullable: true },
		address: { ...text, nullable: true },
		city: { ...text, nullable: true },
		province: { ...text, nullable: true },
		zipCode: { ...text, nullable: true },
		countryCode: { type: 'string', pattern: '^[A-Z]{2}$', nullable: true },
		birthDate: { type: 'string', format: 'date', nullable: true },
		sex: { enum: ['FEMALE', 'MALE', 'NOT_SPECIFIED', 'OTHER'], nullable: true },
		avatarUrl: { ...text, nullable: true },
		tags: { type: 'array', items: { type: 'string' }, nullable: true },
		agreements: {
			type: 'object',
			additionalProperties: false,
			properties: Object.fromEntries(['email', 'sms', 'push', 'webPush', 'bluetooth', 'rfid', 'wifi'].map((name) => [name, { type: 'boolean', nullable: true } as Schema])),
		},
		attributes: { type: 'object' },
	},
};

/** Create and batch need at least one identifier in the body (reference §5.2, §6.1). */
export const identifiedProfile: Schema = {
	...profileBody,
	anyOf: ['email', 'phone', 'customId', 'uuid'].map((id) => ({ required: [id], properties: { [id]: { type: 'string' } } })),
};

export interface OperationContract {
	source: string;
	method: 'GET' | 'POST' | 'DELETE';
	/** The exact path, as a whole-string pattern. */
	path: RegExp;
	headers: Schema;
	query?: Schema;
	/** `undefined`: the request has no body. */
	body?: Schema;
	/** The documented success status and whether it has a body. */
	success: { status: number; body: boolean };
}

const noQuery: Schema = { type: 'object', additionalProperties: false };

export const operations = {
	login: {
		source: 'help.synerise.com/developers/api/api-authorization/profile-login/ (POST /uauth/v2/auth/login/profile, body {apiKey}, answer {token})',
		method: 'POST',
		path: /^\/uauth\/v2\/auth\/login\/profile$/,
		headers: {
			type: 'object',
			required: ['api-version', 'content-type'],
			properties: { 'api-version': { const: '4.4' }, 'content-type': { type: 'string', pattern: '^application/json' } },
		},
		query: noQuery,
		body: { type: 'object', required: ['apiKey'], additionalProperties: false, properties: { apiKey: { type: 'string', format: 'uuid' } } },
		success: { status: 200, body: true },
	},
	permissionCheck: {
		source: `${PHP_SDK} lib/Uauth/ApiKey/PermissionCheck/PermissionCheckRequestBuilder.php (POST /uauth/api-key/permission-check, a JSON array of names)`,
		method: 'POST',
		path: /^\/uauth\/api-key\/permission-check$/,
		headers: jsonBodyHeaders,
		query: noQuery,
		body: { type: 'array', minItems: 1, items: { type: 'string', pattern: '^[A-Z_]+$' } },
		success: { status: 200, body: true },
	},
	create: {
		source: `${PHP_SDK} lib/V4/Clients/ClientsRequestBuilder.php (POST /v4/clients, 202 no content); ${PROFILES_GUIDE}`,
		method: 'POST',
		path: /^\/v4\/clients$/,
		headers: jsonBodyHeaders,
		query: noQuery,
		body: identifiedProfile,
		success: { status: 202, body: false },
	},
	batch: {
		source: `${PHP_SDK} lib/V4/Clients/Batch/BatchRequestBuilder.php (POST /v4/clients/batch: a bare array, at most 1,000 items and 1 MB, 202 no content)`,
		method: 'POST',
		path: /^\/v4\/clients\/batch$/,
		headers: jsonBodyHeaders,
		query: noQuery,
		body: { type: 'array', minItems: 1, maxItems: 1000, items: identifiedProfile },
		success: { status: 202, body: false },
	},
	getById: {
		source: `${PHP_SDK} lib/V4/Clients/Item/ClientItemRequestBuilder.php (GET /v4/clients/{client-id})`,
		method: 'GET',
		path: /^\/v4\/clients\/\d+$/,
		headers: v4Headers,
		query: noQuery,
		success: { status: 200, body: true },
	},
	getByEmail: {
		source: `${PHP_SDK} lib/V4/Clients/Item/Item/WithIdentifierValueItemRequestBuilder.php and ${MAGENTO} (GET /v4/clients/{identifierType}/{identifierValue}); by-email per ${PROFILES_GUIDE}`,
		method: 'GET',
		path: /^\/v4\/clients\/by-email\/[^/]+%40[^/]+$/,
		headers: v4Headers,
		query: noQuery,
		success: { status: 200, body: true },
	},
	getByUuid: {
		source: `${PHP_SDK} lib/V4/Clients/Item/Item/WithIdentifierValueItemRequestBuilder.php; by-uuid as on the sibling linked-devices path (lib/V4/Clients/Item/Item/LinkedDevices)`,
		method: 'GET',
		path: /^\/v4\/clients\/by-uuid\/[0-9a-f-]{36}$/,
		headers: v4Headers,
		query: noQuery,
		success: { status: 200, body: true },
	},
	getByPhone: {
		source: 'inferred (reference §0: not in public material; GET_BY_PHONE_SEGMENT); the hub lists GET /v4/clients/batch/by-phone/{phoneNumber}',
		method: 'GET',
		path: /^\/v4\/clients\/by-phone\/(?:%2B)?[0-9%()-]+$/,
		headers: v4Headers,
		query: noQuery,
		success: { status: 200, body: true },
	},
	getByCustomId: {
		source: 'inferred (reference §0, §6.5: not in public material; GET_BY_CUSTOM_ID_SEGMENT)',
		method: 'GET',
		path: /^\/v4\/clients\/by-customId\/[^/]+$/,
		headers: v4Headers,
		query: noQuery,
		success: { status: 200, body: true },
	},
	list: {
		source: `${PHP_SDK} lib/V4/Clients/ClientsRequestBuilder.php and ClientsRequestBuilderGetQueryParameters.php, GetSortByQueryParameterType.php, GetSortOrderQueryParameterType.php; ${MAGENTO} listClients (pageIndex, pageSize >= 1)`,
		method: 'GET',
		path: /^\/v4\/clients$/,
		headers: v4Headers,
		query: {
			type: 'object',
			additionalProperties: false,
			required: ['pageIndex', 'pageSize'],
			properties: {
				pageIndex: { type: 'string', pattern: '^[1-9]\\d*$' },
				// The maximum page size is not published (reference §6.4, inferred: 100).
				pageSize: { type: 'string', pattern: '^(?:[1-9]\\d?|100)$' },
				sortBy: { enum: ['firstName', 'lastName', 'lastActivityDate', 'email', 'city', 'phone'] },
				sortOrder: { enum: ['ASC', 'DESC'] },
				'filters[anonymous]': { enum: ['true', 'false'] },
				'filters[email]': { type: 'string', minLength: 1, pattern: '^\\S(?:.*\\S)?$' },
				'filters[firstName]': { type: 'string', minLength: 1, pattern: '^\\S(?:.*\\S)?$' },
				'filters[lastName]': { type: 'string', minLength: 1, pattern: '^\\S(?:.*\\S)?$' },
				'filters[phone]': { type: 'string', minLength: 1, pattern: '^\\S(?:.*\\S)?$' },
			},
		},
		success: { status: 200, body: true },
	},
	updateById: {
		source: `${PHP_SDK} lib/V4/Clients/Item/ClientItemRequestBuilder.php (POST /v4/clients/{client-id}, no content)`,
		method: 'POST',
		path: /^\/v4\/clients\/\d+$/,
		headers: jsonBodyHeaders,
		query: noQuery,
		body: profileBody,
		success: { status: 202, body: false },
	},
	updateByEmail: {
		source: `${PHP_SDK} lib/V4/Clients/ByEmail/Item/WithClientEmailItemRequestBuilder.php; ${MAGENTO} updateAClientByEmail`,
		method: 'POST',
		path: /^\/v4\/clients\/by-email\/[^/]+%40[^/]+$/,
		headers: jsonBodyHeaders,
		query: noQuery,
		body: profileBody,
		success: { status: 202, body: false },
	},
	updateByCustomId: {
		source: `${PHP_SDK} lib/V4/Clients/ByCustomid/Item/WithCustomItemRequestBuilder.php (POST); ${MAGENTO} updateAClientByCustomId (both by-customid)`,
		method: 'POST',
		path: /^\/v4\/clients\/by-customid\/[^/]+$/,
		headers: jsonBodyHeaders,
		query: noQuery,
		body: profileBody,
		success: { status: 202, body: false },
	},
	deleteById: {
		source: `${PHP_SDK} lib/V4/Clients/Item/ClientItemRequestBuilder.php (DELETE /v4/clients/{client-id}, no content)`,
		method: 'DELETE',
		path: /^\/v4\/clients\/\d+$/,
		headers: v4Headers,
		query: noQuery,
		success: { status: 202, body: false },
	},
	deleteByCustomId: {
		source: `${PHP_SDK} lib/V4/Clients/ByCustomid/Item/WithCustomItemRequestBuilder.php (DELETE by-customid) vs ${MAGENTO} deleteAClientByCustomId (by-custom-id); DELETE_BY_CUSTOM_ID_SEGMENT`,
		method: 'DELETE',
		path: /^\/v4\/clients\/by-customid\/[^/]+$/,
		headers: v4Headers,
		query: noQuery,
		success: { status: 202, body: false },
	},
} satisfies Record<string, OperationContract>;

/** The v4 error object (reference §7.1). */
export const errorObject: Schema = {
	source: `${PHP_SDK} lib/V4/Models/HTTP400.php and lib/V4/Models/Error.php (error, status, timestamp, path, message, errors[code, field, message, rejectedValue])`,
	type: 'object',
	required: ['error', 'status', 'timestamp', 'path', 'message'],
	additionalProperties: false,
	properties: {
		error: { type: 'string' },
		status: { type: 'integer' },
		timestamp: { type: 'string', format: 'date-time' },
		path: { type: 'string', pattern: '^/' },
		message: { type: 'string' },
		errors: {
			type: 'array',
			items: {
				type: 'object',
				additionalProperties: false,
				properties: { code: { type: 'integer' }, field: { type: 'string' }, message: { type: 'string' }, rejectedValue: {} },
			},
		},
	},
};

/** The auth error object: the same fields without `errors` (reference §7.2). */
const { errors: _errors, ...authFields } = errorObject.properties!;
export const authErrorObject: Schema = { ...errorObject, source: `${PHP_SDK} lib/Authentication/Models/HTTP400.php`, properties: authFields };

export interface ResponseExample {
	source: string;
	status: number;
	body?: unknown;
}

/** Answers as Synerise documents them; values are illustrative, the shapes are the documented ones. */
export const responses = {
	loginOk: {
		source: 'help.synerise.com/developers/api/api-authorization/profile-login/ (200 {token})',
		status: 200,
		body: { token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ3b3Jrc3BhY2UiLCJleHAiOjQxMDI0NDQ4MDB9.c2lnbmF0dXJl' },
	},
	loginRefused: {
		source: `${PHP_SDK} lib/Authentication/Models/HTTP400.php (401 auth error object)`,
		status: 401,
		body: { error: 'Unauthorized', status: 401, timestamp: '2026-12-01T10:00:00.000+00:00', path: '/uauth/v2/auth/login/profile', message: 'Bad credentials' },
	},
	queued: { source: `${PHP_SDK} sendNoContentAsync of POST /v4/clients, /v4/clients/batch, updates and deletes (202, no content)`, status: 202 },
	profile: {
		source: `${PHP_SDK} lib/V4/Models/InResponseClientDetails.php; reference §5.1`,
		status: 200,
		body: {
			clientId: 433230297,
			email: 'jane@example.com',
			phone: '+48111222333',
			customId: 'crm-42',
			uuid: '07243772-008a-42e1-ba37-c3807cebde8f',
			firstName: 'Jane',
			lastName: 'Doe',
			displayName: null,
			company: 'Acme',
			address: 'Main St 1',
			city: 'Warsaw',
			province: 'Mazowieckie',
			zipCode: '00-001',
			countryCode: 'PL',
			birthDate: '1990-05-03',
			lastActivityDate: '2024-01-01T10:00:00Z',
			sex: 'FEMALE',
			avatarUrl: 'https://example.com/a.png',
			anonymous: false,
			agreements: { email: true, sms: false, push: false, webPush: false, bluetooth: false, rfid: false, wifi: false },
			attributes: { hasDog: true, loyaltyTier: 'gold' },
			tags: ['vip'],
			previousClients: [],
		},
	},
	validation: {
		source: `${PHP_SDK} lib/V4/Models/HTTP400.php + Error.php (400 with errors[])`,
		status: 400,
		body: {
			error: 'Bad Request',
			status: 400,
			timestamp: '2026-12-01T10:00:00.000+00:00',
			path: '/v4/clients',
			message: 'Validation failed',
			errors: [{ code: 1, field: 'email', message: 'must be a well-formed email address', rejectedValue: 'not-an-email' }],
		},
	},
	forbidden: {
		source: `${PHP_SDK} errorMappings '403' of every v4 request builder (HTTP400 model)`,
		status: 403,
		body: { error: 'Forbidden', status: 403, timestamp: '2026-12-01T10:00:00.000+00:00', path: '/v4/clients/batch', message: 'Access is denied' },
	},
	notFound: {
		source: `${PHP_SDK} lib/V4/Clients/Item/Item/WithIdentifierValueItemRequestBuilder.php ("if no profile is found, HTTP 404"), errorMappings '404'`,
		status: 404,
		body: { error: 'Not Found', status: 404, timestamp: '2026-12-01T10:00:00.000+00:00', path: '/v4/clients/by-email/nobody%40example.com', message: 'Client not found' },
	},
	unsupportedMediaType: {
		source: `${PHP_SDK} errorMappings '415' of POST /v4/clients (HTTP400 model)`,
		status: 415,
		body: { error: 'Unsupported Media Type', status: 415, timestamp: '2026-12-01T10:00:00.000+00:00', path: '/v4/clients', message: "Content type 'text/plain' not supported" },
	},
} satisfies Record<string, ResponseExample>;
