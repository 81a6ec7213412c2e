// Contract fixtures of Crescendo Lab's two import surfaces (issue #14 §1), written in our own words from
// the vendor's material; nothing here is copied from it.
//
// MAAC OpenAPI v1 is public: help-cresclab/ProductSpecLibrary, maac-general/maac-openapi.md (commit
// 98fa175e823676ed51bb9f33412194b2c7ad3ffa), sections "匯入聯絡人 [POST /openapi/v1/member/import/]" (import),
// "查詢匯入聯絡人狀態 [GET /openapi/v1/member/import/{task_id}/]" (status), "請求表頭" (Authorization
// header), "狀態代碼" (status codes) and "流量限制" (15 imports a minute).
//
// The Profile API (CDH / User360) is not public beyond its introduction: the host, the `apikey` header,
// the five import keys, 10,000 contacts per import, one import at a time, 15 requests a minute, null
// clears a field, and a `task_id` answer (Crescendo Lab's Profile API tutorial, reference
// ../shared/vendors/crescendo-lab.md §0 and §5A). Its paths, the body layout (modelled on MAAC v1), the
// field list and the status values are INFERRED, and the schemas below say so part by part; they check the
// request against the named constants of nodes/CrescendoLab/transport.ts, so a change to an inferred
// fact changes one constant and this file follows.
import type { Schema } from '../schema.mts';
import {
	CUSTOM_FIELD_PREFIX,
	MAAC_FIELDS,
	MAX_CONTACTS_PER_IMPORT,
	MAX_TAG_LENGTH,
	PROFILE_API_FIELDS,
	PROFILE_API_PATH_PREFIX,
	PROFILE_API_ROUTES,
} from '../../../nodes/CrescendoLab/transport';

const MAAC_SPEC = 'help-cresclab/ProductSpecLibrary maac-general/maac-openapi.md';
const MAAC_IMPORT = `${MAAC_SPEC} § 匯入聯絡人 [POST /openapi/v1/member/import/]`;
const MAAC_STATUS = `${MAAC_SPEC} § 查詢匯入聯絡人狀態 [GET /openapi/v1/member/import/{task_id}/]`;
const PROFILE_INTRO = 'Crescendo Lab Profile API tutorial (crescendolab.zendesk.com article 32097882552601), reference §0/§5A';

/** MAAC v1: the import route, exact (the spec writes every path with a trailing slash). */
export const maacImportRoute = { method: 'POST', path: '/openapi/v1/member/import/', source: MAAC_IMPORT };
/** MAAC v1: the status route; `task_id` is a number in the spec's parameters. */
export const maacStatusRoute = { method: 'GET', pattern: /^\/openapi\/v1\/member\/import\/\d+\/$/, source: MAAC_STATUS };
/** MAAC v1 headers: `Authorization: Bearer {Access token}` (§ 請求表頭), JSON in UTF-8 (§ 格式). */
export const maacHeaders = {
	source: `${MAAC_SPEC} § 請求表頭, § 格式`,
	authorization: /^Bearer [^\s]+$/,
	contentType: /^application\/json\b/i,
};

/** MAAC v1 import request (§ 匯入聯絡人, Request attributes). */
export const maacImportRequest: Schema = {
	source: `${MAAC_IMPORT} → Request (application/json) Attributes`,
	type: 'object',
	required: ['import_key', 'data'],
	additionalProperties: false,
	properties: {
		import_key: { enum: ['line_uid', 'customer_id', 'email', 'mobile'] },
		data: {
			type: 'array',
			minItems: 1,
			// "單次請求最多匯入 10000 筆聯絡人資料"
			maxItems: 10_000,
			items: {
				type: 'object',
				additionalProperties: false,
				properties: {
					line_uid: { type: 'string', minLength: 33, maxLength: 33, pattern: '^U[0-9a-f]{32}$' },
					line_display_name: { type: 'string', maxLength: 255 },
					email: { type: 'string', format: 'email' },
					// "請使用 E.164 格式" (a 09… number is converted by MAAC; the node sends the converted form).
					mobile: { type: 'string', pattern: '^\\+\\d{6,15}$' },
					customer_id: { type: 'string' },
					gender: { enum: ['male', 'female'] },
					birthday: { type: 'string', format: 'date' },
					tags: { type: 'array', items: { type: 'string', maxLength: MAX_TAG_LENGTH } },
				},
			},
		},
		tags: { type: 'array', items: { type: 'string', maxLength: MAX_TAG_LENGTH } },
	},
};

/** The node's MAAC field list is the spec's row attributes, no more and no fewer. */
export const maacRowFields = { source: `${MAAC_IMPORT} → data[] attributes`, fields: [...MAAC_FIELDS] };

/** The documented answers, each as the spec shows it (values ours where the spec elides them). */
export const maacResponses = {
	started: { source: `${MAAC_IMPORT} → Response 200`, status: 200, body: { id: 999, result: 'start importing' } },
	pending: {
		source: `${MAAC_STATUS} → Response 200 (等待處理中)`,
		status: 200,
		body: { category: 'import_member', status: 'pending', created_at: '2021-04-23T22:34:07.360839+08:00', updated_at: '2021-04-23T22:34:07.427273+08:00' },
	},
	processing: {
		source: `${MAAC_STATUS} → Response 200 (處理中)`,
		status: 200,
		body: { category: 'import_member', status: 'processing', created_at: '2021-04-23T22:34:07.360839+08:00', updated_at: '2021-04-23T22:34:07.427273+08:00' },
	},
	/** Done: two contacts sent, both mismatches, with the mismatch file (import key line_uid). */
	doneWithMismatches: {
		source: `${MAAC_STATUS} → Response 200 (已完成)`,
		status: 200,
		body: {
			category: 'import_member',
			result: {
				tags: ['testtag'],
				success: true,
				end_time: '2021-04-23T22:33:06.643646+08:00',
				total_num: 2,
				start_time: '2021-04-23T22:33:06.031562+08:00',
				created_num: 0,
				updated_num: 0,
				mismatch_num: 2,
				// Replaced by the test server's own file link.
				mismatch_export_link: 'MISMATCH_LINK',
			},
			status: 'done',
			created_at: '2021-04-23T22:33:05.936006+08:00',
			updated_at: '2021-04-23T22:33:06.673536+08:00',
		},
	},
	/** Done, validation failed (the partial-error answer: nothing imported, counters only). */
	doneFailed: {
		source: `${MAAC_STATUS} → Response 200 (失敗)`,
		status: 200,
		body: {
			category: 'import_member',
			result: { success: false, blank_error: 1, miss_fields: [], gender_error: 0, mobile_error: 0, birthday_error: 0, useless_fields: [], duplicate_error: 1 },
			status: 'done',
			created_at: '2022-06-15T11:23:43.465063+08:00',
			updated_at: '2022-06-15T11:23:43.465086+08:00',
		},
	},
	/**
	 * Error envelopes. The spec lists the codes (§ 狀態代碼: 400, 401, 403, 404, 405, 429) but no bodies;
	 * the `{"detail": …}` shape is Django REST's and is INFERRED (reference §8).
	 */
	unauthorized: { source: `${MAAC_SPEC} § 狀態代碼 (401; body inferred, reference §8)`, status: 401, body: { detail: 'Invalid token.' } },
	rateLimited: { source: `${MAAC_SPEC} § 狀態代碼 (429; body inferred, reference §8)`, status: 429, body: { detail: 'Too many requests' } },
	badRequest: { source: `${MAAC_SPEC} § 狀態代碼 (400; body inferred, reference §8)`, status: 400, body: { detail: 'import_key must be one of line_uid, customer_id, email, mobile' } },
};

/** The two LINE UIDs of the spec's own request example. */
export const maacExampleUids = ['U21d78de43c3ce40fbcbc5c4ce6dfe0b0', 'U21d78de43c3ce40fbcbc5c4ce6dfe0b1'];

/** Profile API routes: documented host and header; every path INFERRED (named constants, reference §0). */
export const profileImportRoute = {
	method: 'POST',
	path: `${PROFILE_API_PATH_PREFIX}${PROFILE_API_ROUTES.importStart}`,
	source: `INFERRED: PROFILE_API_PATH_PREFIX + PROFILE_API_ROUTES.importStart (design notes show /member/import/, reference §0)`,
};
export const profileStatusRoute = {
	method: 'GET',
	pattern: new RegExp(`^${PROFILE_API_PATH_PREFIX}/member/import/\\d+/$`),
	source: 'INFERRED: PROFILE_API_ROUTES.importStatus (reference §0, §5A A2)',
};
/** Documented: the key travels in `apikey`, without Bearer (reference §0, §2). */
export const profileHeaders = { source: PROFILE_INTRO, apikey: /^[^\s]+$/, contentType: /^application\/json\b/i };

/** Profile API import request: documented keys and limits; the envelope and field list INFERRED. */
export const profileImportRequest: Schema = {
	source: `${PROFILE_INTRO}: import_key values, ≤${MAX_CONTACTS_PER_IMPORT} contacts, null clears (documented); envelope modelled on MAAC v1 and field list PROFILE_API_FIELDS (inferred, reference §5A A1)`,
	type: 'object',
	required: ['import_key', 'data'],
	additionalProperties: false,
	properties: {
		import_key: { enum: ['line_uid', 'display_email', 'display_mobile', 'connect_id', 'customer_id'] },
		data: {
			type: 'array',
			minItems: 1,
			maxItems: MAX_CONTACTS_PER_IMPORT,
			items: {
				type: 'object',
				additionalProperties: false,
				properties: {
					...Object.fromEntries(PROFILE_API_FIELDS.map((field) => [field, { type: ['string', 'number', 'boolean', 'null'] } as Schema])),
					display_mobile: { type: 'string', pattern: '^\\+\\d{6,15}$', nullable: true },
					display_email: { type: 'string', format: 'email', nullable: true },
					line_uid: { type: 'string', pattern: '^U[0-9a-f]{32}$' },
					gender: { enum: ['male', 'female', 'unknown', 'others', null] },
					birthday: { type: 'string', format: 'date', nullable: true },
					tags: { type: 'array', items: { type: 'string', maxLength: MAX_TAG_LENGTH } },
				},
			},
		},
	},
};
/** Custom fields: `cl_custom_<key>` as the export names them (inferred, reference §4.2). */
export const profileCustomFieldPattern = new RegExp(`^${CUSTOM_FIELD_PREFIX}[a-z0-9_]+$`);

/** The Profile API answers: only `task_id` is documented; its type, the status body and states are INFERRED. */
export const profileResponses = {
	started: { source: `${PROFILE_INTRO} (task_id documented; number type inferred)`, status: 200, body: { task_id: 5001 } },
	done: {
		source: 'INFERRED: same lifecycle as MAAC v1 (reference §5A A2); CDH internals call the final state "complete"',
		status: 200,
		body: { task_id: 5001, status: 'complete', result: { success: true, total_num: 1, created_num: 1, updated_num: 0, mismatch_num: 0 } },
	},
	unauthorized: { source: 'INFERRED FastAPI body (reference §8); the 401 for a bad key is documented', status: 401, body: { detail: 'Invalid API key' } },
};
