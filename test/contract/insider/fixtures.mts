// Insider UCD contract (issue #14 §1): per operation, the request schema derived from Insider's published
// material, and the documented response examples. Written in our own words from:
//   POSTMAN = api-evangelist/insider, postman/insider-one-apis.postman_collection.json (a copy of Insider's
//             public "Insider One APIs" collection; pointers below are into that file)
//   NODE    = useinsider/n8n-nodes-insiderone (Insider's own n8n node)
// Facts the material leaves open are marked (inferred), as in shared/vendors/insider.md.
import type { Schema } from '../schema.mts';

const POSTMAN = 'api-evangelist/insider postman/insider-one-apis.postman_collection.json';
const NODE = 'useinsider/n8n-nodes-insiderone';

/** The headers every UCD request carries (each request's `header` list in POSTMAN). */
export const headers: Schema = {
	source: `${POSTMAN} #/item/0/item/0/request/header (same list on every UCD request)`,
	type: 'object',
	required: ['x-partner-name', 'x-request-token', 'content-type'],
	properties: {
		// "The partner name should be lowercase."
		'x-partner-name': { type: 'string', pattern: '^[a-z0-9_-]+$' },
		'x-request-token': { type: 'string', minLength: 1 },
		'content-type': { type: 'string', pattern: '^application/json' },
	},
};

const identifiers: Schema = {
	type: 'object',
	minItems: 1,
	additionalProperties: false,
	properties: {
		email: { type: 'string', pattern: '^.+@.+\\..+$' },
		phone_number: { type: 'string', pattern: '^\\+[1-9]\\d{6,14}$' },
		uuid: { type: 'string' },
		custom: { type: 'object', additionalProperties: { type: 'string' } },
	},
};

/** Exactly one of `identifiers` / `insider_id` (§4.1). */
const address = (schema: Schema): Schema => ({
	...schema,
	oneOf: [{ required: ['identifiers'] }, { required: ['insider_id'] }],
});

/** Default attribute names: a custom object must not repeat them (§0). */
const DEFAULTS = ['age', 'app_version', 'birthday', 'city', 'country', 'email', 'email_optin', 'gdpr_optin', 'gender', 'language', 'list_id', 'lo', 'name', 'phone_number', 'sms_optin', 'static_segment_id', 'surname', 'uuid', 'whatsapp_optin'];
export const DEFAULT_ATTRIBUTE_NAMES = DEFAULTS;

const events: Schema = {
	type: 'array',
	items: {
		type: 'object',
		required: ['event_name', 'timestamp'],
		additionalProperties: false,
		properties: {
			event_name: { type: 'string', pattern: '^[a-z0-9][a-zA-Z0-9._-]*$' },
			timestamp: { type: 'string', format: 'date-time' },
			event_params: { type: 'object' },
		},
	},
};

export const upsert = {
	method: 'POST',
	path: '/api/user/v1/upsert',
	body: {
		source: `${POSTMAN} #/item/0/item/0/request (body parameters table and samples of "Upsert user data")`,
		type: 'object',
		required: ['users'],
		additionalProperties: false,
		properties: {
			users: {
				type: 'array',
				minItems: 1,
				maxItems: 1000,
				items: address({
					type: 'object',
					additionalProperties: false,
					properties: {
						identifiers,
						insider_id: { type: 'string', minLength: 1 },
						attributes: {
							type: 'object',
							properties: {
								age: { type: 'number' },
								birthday: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$' },
								email: { type: 'string' },
								phone_number: { type: 'string', pattern: '^\\+[1-9]\\d{6,14}$' },
								uuid: { type: 'string' },
								email_optin: { type: 'boolean' },
								gdpr_optin: { type: 'boolean' },
								sms_optin: { type: 'boolean' },
								whatsapp_optin: { type: 'boolean' },
								static_segment_id: { type: 'array', items: { type: 'number' } },
								custom: { type: 'object' },
							},
						},
						events,
						not_append: { type: 'boolean' },
						append: { type: 'boolean' },
					},
				}),
			},
			skip_hook: { type: 'boolean' },
			error_callback_endpoint: { type: 'string', pattern: '^https?://' },
		},
	} satisfies Schema,
	responses: {
		success: {
			source: `${POSTMAN} #/item/0/item/0/response/0 ("Upsert default and custom attributes")`,
			status: 200,
			body: { data: { successful: { count: 1 }, fail: {} } },
		},
		partial: {
			source: `${POSTMAN} #/item/0/item/0/response/3 ("Invalid event name")`,
			status: 200,
			body: {
				data: {
					successful: {},
					fail: { count: 1, errors: { 'users.0.events.0.event_name.*.regexp(^[a-z0-9][a-zA-Z0-9._-]*$)': ['invalid event name: homepageView'] } },
				},
			},
		},
		tooMany: { source: `${POSTMAN} #/item/0/item/2/request/description (429 sample, shared limit)`, status: 429, body: { error: 'rejected: too many requests' } },
		forbidden: {
			source: `${POSTMAN} #/item/1/item/1/request/description (403 sample)`,
			status: 403,
			body: { success: false, message: 'Access Denied. You do not have sufficient access to perform this action.' },
		},
	},
};

const selection = {
	attributes: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } } satisfies Schema,
	events: {
		type: 'object',
		required: ['start_date', 'end_date', 'wanted'],
		additionalProperties: false,
		properties: {
			start_date: { type: 'integer' },
			end_date: { type: 'integer' },
			wanted: {
				type: 'array',
				minItems: 1,
				items: {
					type: 'object',
					required: ['event_name', 'params'],
					additionalProperties: false,
					properties: { event_name: { type: 'string' }, params: { type: 'array', items: { type: 'string' } }, filters: { type: 'array' } },
				},
			},
		},
	} satisfies Schema,
};

export const profile = {
	method: 'POST',
	path: '/api/user/v1/profile',
	body: address({
		source: `${POSTMAN} #/item/0/item/5/request (body parameters table of "Get user profiles")`,
		type: 'object',
		additionalProperties: false,
		anyOf: [{ required: ['attributes'] }, { required: ['events'] }],
		properties: { identifiers, insider_id: { type: 'string', minLength: 1 }, ...selection, quota: { type: 'boolean' } },
	}),
	responses: {
		success: {
			source: `${POSTMAN} #/item/0/item/5/request/description (200 sample, shortened to two event types)`,
			status: 200,
			body: {
				attributes: { email: 'example@useinsider.com', name: 'John', iid: 'insider-id-user-1' },
				events: { email_click: [{ campaign_id: 1456, created_date: '2021-01-06T23:34:09Z' }], journey_entered: [{ journey_id: 12, created_date: '2021-01-02T09:35:46Z' }] },
				quota: { cost: 2.5, used: 2.5, total: 1000 },
			},
		},
		notFound: { source: `${POSTMAN} #/item/0/item/5/request/description (404 sample)`, status: 404, body: { error: 'no such user for these identifiers: no data' } },
	},
};

export const exportStart = {
	method: 'POST',
	path: '/api/raw/v1/export',
	body: {
		source: `${POSTMAN} #/item/0/item/1/request (body and sample of "Export raw user data")`,
		type: 'object',
		required: ['segment', 'format', 'hook'],
		additionalProperties: false,
		anyOf: [{ required: ['attributes'] }, { required: ['events'] }],
		properties: {
			segment: { type: 'object', required: ['segment_id'], additionalProperties: false, properties: { segment_id: { type: 'integer' } } },
			...selection,
			format: { enum: ['csv', 'parquet', 'json'] },
			hook: { type: 'string', pattern: '^https?://' },
		},
	} satisfies Schema,
	responses: {
		// The recorded example has an empty body; other material shows `{"url": …}` (§5.3): both handled.
		empty: { source: `${POSTMAN} #/item/0/item/1/response/0 (200, empty body)`, status: 200, body: '' },
	},
};

/** The download link the hook receives: `https://insider-data-export.useinsider.com/{partner}/p/{file}`. */
export const exportDownload = {
	method: 'GET',
	path: /^\/[a-z0-9_-]+\/p\/[^/]+$/,
	source: `${POSTMAN} #/item/0/item/1/request/description (link form); whether it needs the partner headers is not documented (inferred: no)`,
};

export const attributeDelete = {
	method: 'POST',
	path: '/api/user/v1/attribute/delete',
	body: {
		source: `${POSTMAN} #/item/0/item/2/request (parameters table and samples of "Delete user attribute")`,
		type: 'object',
		required: ['users'],
		additionalProperties: false,
		properties: {
			users: {
				type: 'array',
				minItems: 1,
				maxItems: 1000,
				items: address({
					type: 'object',
					additionalProperties: false,
					anyOf: [{ required: ['whole'] }, { required: ['partial'] }, { required: ['custom'] }],
					properties: {
						identifiers,
						insider_id: { type: 'string', minLength: 1 },
						whole: { type: 'array', minItems: 1, items: { enum: DEFAULTS } },
						partial: { type: 'object', additionalProperties: { type: 'array' } },
						custom: {
							type: 'object',
							additionalProperties: false,
							properties: { whole: { type: 'array', items: { type: 'string' } }, partial: { type: 'object', additionalProperties: { type: 'array' } } },
						},
					},
				}),
			},
		},
	} satisfies Schema,
	responses: {
		envelope: {
			source: `${POSTMAN} #/item/0/item/2/response/0 ("Delete default and custom whole and partial attributes")`,
			status: 200,
			body: { data: { successful: { count: 1 }, fail: {} } },
		},
		empty: { source: `${POSTMAN} #/item/0/item/2/request/description (200 sample "{}")`, status: 200, body: {} },
		error500: {
			source: `${POSTMAN} #/item/0/item/2/request/description (500 sample)`,
			status: 500,
			body: { success: false, message: 'The request processing has failed because of an unknown error.' },
		},
	},
};

const oneIdentifier: Schema = {
	type: 'object',
	additionalProperties: false,
	oneOf: [{ required: ['email'] }, { required: ['phone_number'] }, { required: ['uuid'] }, { required: ['custom'] }],
	properties: { ...identifiers.properties, custom: { type: 'object', minItems: 1, additionalProperties: { type: 'string' } } },
};

export const identityUpdate = {
	method: 'PATCH',
	path: '/api/user/v1/identity',
	body: {
		source: `${POSTMAN} #/item/0/item/3/request (body and sample of "Update identifiers")`,
		type: 'object',
		required: ['old_identifier', 'new_identifier'],
		additionalProperties: false,
		properties: { old_identifier: oneIdentifier, new_identifier: oneIdentifier },
	} satisfies Schema,
	responses: {
		success: { source: `${POSTMAN} #/item/0/item/3/response/0 ("Update custom identifier")`, status: 200, body: {} },
		same: { source: `${POSTMAN} #/item/0/item/3/request/description (400 sample)`, status: 400, body: { error: 'identifier values are the same: bad request' } },
	},
};

export const identityDelete = {
	method: 'DELETE',
	path: '/api/user/v1/identity',
	body: {
		source: `${POSTMAN} #/item/0/item/4/request (body of "Delete identifiers", sent with DELETE)`,
		type: 'object',
		required: ['identifiers'],
		additionalProperties: false,
		properties: { identifiers: oneIdentifier },
	} satisfies Schema,
	responses: {
		sole: {
			source: `${POSTMAN} #/item/0/item/4/request/description (400 sample)`,
			status: 400,
			body: { error: 'you cannot delete the sole identifier specified for a user: bad request' },
		},
	},
};

export const userDelete = {
	method: 'POST',
	path: '/api/user/v1/delete',
	body: {
		source: `${POSTMAN} #/item/1/item/1/request ("Each POST body must have a unifier field under identifiers")`,
		type: 'object',
		required: ['identifiers'],
		additionalProperties: false,
		properties: { identifiers },
	} satisfies Schema,
	/** Undocumented form Insider's own node sends; offered, and the fake accepts it only behind a knob. */
	byInsiderId: { source: `${NODE} nodes/InsiderOne/resources/dataGovernance/deleteUserProfile.execute.ts`, type: 'object', required: ['insider_id'], additionalProperties: false, properties: { insider_id: { type: 'string' } } } satisfies Schema,
	responses: {
		success: { source: `${POSTMAN} #/item/1/item/1/response/0 ("Delete user")`, status: 200, body: {} },
	},
};

export const anonymize = {
	byId: {
		method: 'POST',
		path: '/api/contact/v1/anonymize',
		body: {
			source: `${POSTMAN} #/item/1/item/2/request (sample body of "Delete user's PII data using profile ID")`,
			type: 'object',
			required: ['insider_id'],
			additionalProperties: false,
			properties: { insider_id: { type: 'string', minLength: 1 } },
		} satisfies Schema,
	},
	byIdentifier: {
		method: 'POST',
		path: '/api/user/v1/anonymize',
		body: {
			source: `${POSTMAN} #/item/1/item/3/request (sample body of "Delete user's PII data using identifier")`,
			type: 'object',
			required: ['identifiers'],
			additionalProperties: false,
			properties: { identifiers: { ...identifiers, properties: { email: identifiers.properties!.email, phone_number: identifiers.properties!.phone_number, uuid: identifiers.properties!.uuid } } },
		} satisfies Schema,
	},
	responses: {
		notFound: { source: `${POSTMAN} #/item/1/item/3/request/description (404 sample)`, status: 404, body: { error: 'no such user for these identifiers: no data' } },
	},
};

export const metadata = {
	method: 'POST',
	path: '/api/user/v3/metadata/columns',
	body: {
		source: `${NODE} credentials/InsiderOneUnificationApi.credentials.ts (credential test request; not in the public reference)`,
		type: 'object',
		required: ['table'],
		additionalProperties: false,
		properties: { table: { enum: ['contacts', 'events'] } },
	} satisfies Schema,
};
