// Contract of the Talon.One CDP routes the node uses, written from Talon.One's third-party API material
// (issue #14 §1). Schemas restate the spec's rules in our own words; `source` says where each comes from.
//
// - POSTMAN: talon-one/t1-openapi-specs, postman/third-party-api.json (first-party; folder "Customer data
//   platforms"; commit c703007552ec466dc7665fe17396f532da0cd66b).
// - OPENAPI: api-evangelist/talon-one, openapi/talon-one-third-party-api-openapi.yml (a copy of the
//   third-party OpenAPI; commit a0887cf3222bf1fa00c78c200c4e4968e02d2079).
import type { Schema } from '../schema.mts';

export const POSTMAN = 'talon-one/t1-openapi-specs postman/third-party-api.json';
export const OPENAPI = 'api-evangelist/talon-one openapi/talon-one-third-party-api-openapi.yml';

/** Headers every CDP call carries (header names as Node's HTTP server gives them, lower case). */
export const cdpHeaders: Schema = {
	source: `${OPENAPI} #/components/securitySchemes/ApiKeyAuth, #/components/parameters/customerDataPlatformName, #/components/parameters/destinationHostname`,
	type: 'object',
	required: ['authorization', 'customer-data-platform-name', 'destination-hostname'],
	properties: {
		// The spec's API-key form: the prefix, one space, the key (the Basic form is the other documented one).
		authorization: { type: 'string', pattern: '^ApiKey-v1 [^\\s]+$' },
		'customer-data-platform-name': { type: 'string', minLength: 1 },
		// `format: hostname`, example without a scheme.
		'destination-hostname': { type: 'string', format: 'hostname' },
	},
};

/** Calls with a body send JSON (every CDP request in the Postman collection sets it). */
export const jsonContentType: Schema = {
	source: `${POSTMAN} item "Customer data platforms" → every request's Content-Type header`,
	type: 'object',
	required: ['content-type'],
	properties: { 'content-type': { type: 'string', pattern: '^application/json' } },
};

const profileId: Schema = {
	source: `${OPENAPI} #/components/schemas/customerProfileID`,
	type: 'string',
	minLength: 1,
	maxLength: 1000,
};

const numericAudienceIds: Schema = {
	source: `${OPENAPI} #/components/schemas/addAudienceIds (items: #/components/schemas/id)`,
	type: 'array',
	items: { type: 'integer', minimum: 1 },
};

const externalAudienceIds: Schema = {
	source: `${OPENAPI} #/components/schemas/addIntegrationAudienceIds`,
	type: 'array',
	items: { type: 'string', minLength: 1 },
};

const audienceFields: Schema = {
	source: `${OPENAPI} #/components/schemas/CreateAndUpdateAudienceRequest (audienceId, audienceName: 1-1000 characters)`,
	type: 'object',
	required: ['audienceId', 'audienceName'],
	additionalProperties: false,
	properties: {
		audienceId: { type: 'string', minLength: 1, maxLength: 1000 },
		audienceName: { type: 'string', minLength: 1, maxLength: 1000 },
	},
};

/** The spec's 1,000-item cap on `adds` + `deletes` (read as the whole request, the stricter reading). */
export const MAX_CHANGES = 1000;

export interface OperationContract {
	name: string;
	method: 'PUT' | 'POST' | 'DELETE';
	/** The path template, as the spec writes it. */
	path: string;
	source: string;
	/** Query parameters as text (what reaches the server). */
	query: Schema;
	/** `null`: the request has no body. */
	body: Schema | null;
	/** Status and body of the documented success answer. */
	success: { status: number; body?: unknown; source: string };
}

export const updateCustomerProfile: OperationContract = {
	name: 'Update customer profile',
	method: 'PUT',
	path: '/cdp/customer_profile/{customerProfileId}',
	source: `${OPENAPI} #/paths/~1cdp~1customer_profile~1{customerProfileId}/put; ${POSTMAN} "Update customer profile"`,
	query: {
		source: `${OPENAPI} #/components/parameters/skipNonExistingAttributes`,
		type: 'object',
		additionalProperties: false,
		properties: { skipNonExistingAttributes: { type: 'string', enum: ['true', 'false'] } },
	},
	body: {
		source: `${OPENAPI} #/components/schemas/CDPCustomerProfileRequest`,
		type: 'object',
		additionalProperties: false,
		properties: {
			attributes: { type: 'object' },
			runRuleEngine: { type: 'boolean' },
			audiencesChanges: {
				source: `${OPENAPI} #/components/schemas/audienceChange`,
				type: 'object',
				additionalProperties: false,
				properties: { adds: numericAudienceIds, deletes: numericAudienceIds },
			},
		},
	},
	success: {
		status: 200,
		source: `${POSTMAN} "Update customer profile" → response "OK" (trimmed to one effect; schema IntegrationStateV2)`,
		body: {
			effects: [
				{
					campaignId: 244,
					effectType: 'rejectCoupon',
					props: { value: 'string' },
					ruleIndex: 2,
					ruleName: 'Give 20% discount',
					rulesetId: 73,
					triggeredByCoupon: 4928,
				},
			],
			createdCoupons: [],
			createdReferrals: [],
			customerProfile: {
				accountId: 6,
				created: '2020-06-10T09:05:27.993483Z',
				id: 6,
				attributes: { Language: 'english', ShippingCountry: 'DE', ProductClicked: true },
				integrationId: 'URNGV8294NV',
				closedSessions: 3,
				totalSales: 299.99,
				audienceMemberships: [{ id: 6, name: 'audience1' }],
				lastActivity: '2020-02-08T14:15:20Z',
			},
		},
	},
};

const noQuery: Schema = { source: 'no query parameters are documented for this route', type: 'object', additionalProperties: false };

export const updateAudiencesInternal: OperationContract = {
	name: 'Update audiences in multiple customer profiles',
	method: 'PUT',
	path: '/cdp/customer_profiles/audiences',
	source: `${OPENAPI} #/paths/~1cdp~1customer_profiles~1audiences/put; ${POSTMAN} "Update audiences in multiple customer profiles"`,
	query: noQuery,
	body: {
		source: `${OPENAPI} #/components/schemas/CustomerProfilesAudiencesRequest (items: multipleAudienceChanges)`,
		type: 'object',
		required: ['data'],
		additionalProperties: false,
		properties: {
			data: {
				type: 'array',
				items: {
					type: 'object',
					required: ['customerProfileId'],
					additionalProperties: false,
					properties: { customerProfileId: profileId, adds: numericAudienceIds, deletes: numericAudienceIds },
				},
			},
		},
	},
	success: { status: 204, source: `${OPENAPI} #/paths/~1cdp~1customer_profiles~1audiences/put/responses/204` },
};

export const updateAudiencesExternal: OperationContract = {
	name: 'Update audiences in multiple customer profiles (external ID)',
	method: 'PUT',
	path: '/cdp/v2/customer_profiles/audiences',
	source: `${OPENAPI} #/paths/~1cdp~1v2~1customer_profiles~1audiences/put; ${POSTMAN} "Update audiences in multiple customer profiles (external ID)"`,
	query: noQuery,
	body: {
		source: `${OPENAPI} #/components/schemas/CustomerProfilesIntegrationAudiencesRequest (items: multipleIntegrationAudienceChanges)`,
		type: 'object',
		required: ['data'],
		additionalProperties: false,
		properties: {
			data: {
				type: 'array',
				items: {
					type: 'object',
					required: ['customerProfileId'],
					additionalProperties: false,
					properties: { customerProfileId: profileId, adds: externalAudienceIds, deletes: externalAudienceIds },
				},
			},
		},
	},
	success: { status: 204, source: `${OPENAPI} #/paths/~1cdp~1v2~1customer_profiles~1audiences/put/responses/204` },
};

const audienceAnswer = (status: number, what: string) => ({
	status,
	source: `${POSTMAN} "${what}" → response "OK" (schema CreateAndUpdateResponse)`,
	body: {
		accountId: 6,
		created: '2020-06-10T09:05:27.993483Z',
		id: 6,
		name: 'Travel audience',
		integration: 'My platform name',
		integrationId: '382370BKDB946',
	},
});

export const createAudience: OperationContract = {
	name: 'Create audience',
	method: 'POST',
	path: '/cdp/audiences',
	source: `${OPENAPI} #/paths/~1cdp~1audiences/post; ${POSTMAN} "Create audience"`,
	query: noQuery,
	body: audienceFields,
	success: audienceAnswer(201, 'Create audience'),
};

export const updateAudience: OperationContract = {
	name: 'Update audience',
	method: 'PUT',
	path: '/cdp/audiences/{audienceId}',
	source: `${OPENAPI} #/paths/~1cdp~1audiences~1{audienceId}/put; ${POSTMAN} "Update audience"`,
	query: noQuery,
	body: audienceFields,
	success: audienceAnswer(200, 'Update audience'),
};

export const deleteAudience: OperationContract = {
	name: 'Delete audience',
	method: 'DELETE',
	path: '/cdp/audiences/{audienceId}',
	source: `${OPENAPI} #/paths/~1cdp~1audiences~1{audienceId}/delete; ${POSTMAN} "Delete audience"`,
	query: noQuery,
	body: null,
	success: { status: 204, source: `${OPENAPI} #/paths/~1cdp~1audiences~1{audienceId}/delete/responses/204` },
};

/** The gateway's error body, `{StatusCode, Error, RequestUUID}`. */
export const errorBody: Schema = {
	source: `${OPENAPI} #/components/schemas/errorResponseWithStatus`,
	type: 'object',
	required: ['StatusCode', 'Error', 'RequestUUID'],
	additionalProperties: false,
	properties: { StatusCode: { type: 'integer' }, Error: { type: 'string' }, RequestUUID: { type: 'string' } },
};

export interface ErrorExample {
	status: number;
	body: { StatusCode: number; Error: string; RequestUUID: string };
	source: string;
}

/** The documented error answers every CDP route lists (400, 401, 404; 429 is retried, see below). */
export const documentedErrors: ErrorExample[] = [
	{
		status: 400,
		body: { StatusCode: 400, Error: 'No Deployment URL specified', RequestUUID: 'fd2f7c55-d064-46e1-ab87-a39cb877cd82' },
		source: `${OPENAPI} #/components/responses/BadRequest`,
	},
	{
		status: 401,
		body: { StatusCode: 401, Error: 'Missing Session Token', RequestUUID: 'fd2f7c55-d064-46e1-ab87-a39cb877cd82' },
		source: `${OPENAPI} #/components/responses/Unauthorized`,
	},
	{
		status: 404,
		body: { StatusCode: 404, Error: 'Not Found', RequestUUID: 'fd2f7c55-d064-46e1-ab87-a39cb877cd82' },
		source: `${OPENAPI} #/components/responses/NotFound`,
	},
];

export const audienceExists: ErrorExample = {
	status: 409,
	body: { StatusCode: 409, Error: "The audience with the ID '382370BKDB946' already exists", RequestUUID: '80322e41-d7d2-48eb-b6c5-c458e13b4b65' },
	source: `${OPENAPI} #/components/responses/AudienceAlreadyExist`,
};

export const tooManyRequests: ErrorExample = {
	status: 429,
	body: { StatusCode: 429, Error: 'Too many requests', RequestUUID: 'fd2f7c55-d064-46e1-ab87-a39cb877cd82' },
	source: `${OPENAPI} #/components/responses/TooManyRequests`,
};
