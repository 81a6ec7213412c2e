import { describe, expect, it } from 'vitest';

import { mapBatchResponse, parseErrorKey } from '../../../nodes/Insider/helpers/responses';
import { insiderErrorMessage } from '../../../nodes/Insider/transport';
import { NODE } from './context.mts';

describe('parseErrorKey', () => {
	it('splits users.<i>.<path>.<rule>, even when the rule holds dots and brackets', () => {
		expect(parseErrorKey('users.3.identifiers.*.regexp(^.+@.+\\..+$)', ['not a valid email address: x'])).toEqual({
			user: 3,
			field: 'identifiers.email',
			messages: ['not a valid email address: x'],
		});
		expect(parseErrorKey('users.0.events.2.event_params.*.required', ['event_group_id parameter is required on purchase event'])).toMatchObject({
			user: 0,
			field: 'events.2.event_params.event_group_id',
		});
		expect(parseErrorKey('users.12.attributes.age.type(number)', ['age must be a number'])).toMatchObject({ user: 12, field: 'attributes.age' });
		expect(parseErrorKey('users.1.identifiers.*.regexp(^\\+[1-9]\\d{6,14}$)', ['user has an invalid phone number: 1'])).toMatchObject({ field: 'identifiers.phone_number' });
		expect(parseErrorKey('users.4', ['bad user'])).toMatchObject({ user: 4, field: 'user' });
		expect(parseErrorKey('skip_hook.type(bool)', ['x'])).toBeUndefined();
	});
});

describe('mapBatchResponse', () => {
	const batch = [10, 11, 12].map((itemIndex) => ({ itemIndex, payload: { n: itemIndex } }));
	const ok = (entry: { payload: { n: number } }) => ({ ok: entry.payload.n });

	it('gives each user of the request its own outcome, by position in the request', () => {
		const outcomes = mapBatchResponse(NODE, batch, {
			data: {
				successful: { count: 1 },
				fail: {
					count: 2,
					errors: {
						'users.0.events.0.event_params.*.required': ['event_group_id parameter is required on purchase event', 'currency parameter is required on purchase event'],
						'users.2.identifiers.*.regexp(^.+@.+\\..+$)': ['not a valid email address: q'],
						'users.2.attributes.age.type(number)': ['age must be a number'],
					},
				},
			},
		}, ok);
		expect((outcomes[0] as any).error.message).toBe(
			'Item 10, field "events.0.event_params.event_group_id": event_group_id parameter is required on purchase event; currency parameter is required on purchase event',
		);
		expect(outcomes[1]).toEqual({ json: { ok: 11 } });
		expect((outcomes[2] as any).error.message).toBe(
			'Item 12, field "identifiers.email": identifiers.email: not a valid email address: q | attributes.age: age must be a number',
		);
		expect((outcomes[2] as any).error.context.itemIndex).toBe(12);
	});

	it('accepts the empty {} answer and fails everyone on a key that names no user', () => {
		expect(mapBatchResponse(NODE, batch, {}, ok)).toEqual([{ json: { ok: 10 } }, { json: { ok: 11 } }, { json: { ok: 12 } }]);
		const outcomes = mapBatchResponse(NODE, batch, { data: { fail: { count: 3, errors: { 'skip_hook.type(bool)': ['skip_hook must be bool'] } } } }, ok);
		expect(outcomes.every((outcome: any) => outcome.error.message.includes('skip_hook must be bool'))).toBe(true);
	});
});

describe('insiderErrorMessage', () => {
	it('reads both envelope families and summarises HTML', () => {
		expect(insiderErrorMessage({ error: 'users must be defined: bad request' })).toBe('users must be defined: bad request');
		expect(insiderErrorMessage({ success: false, message: 'Partner is invalid.' })).toBe('Partner is invalid.');
		expect(insiderErrorMessage('{"error":"rejected: too many requests"}')).toBe('rejected: too many requests');
		expect(insiderErrorMessage('<html><body>cloudflare</body></html>')).toBe('the service returned an HTML error page');
		expect(insiderErrorMessage(undefined)).toBeUndefined();
	});
});
