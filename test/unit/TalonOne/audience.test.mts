import { describe, expect, it } from 'vitest';

import { fakeContext, runNode } from './context.mts';
import { memberships, talon, useTalon } from './sandbox.mts';

const { sandbox } = await useTalon();

const audience = (operation: string, extra: Record<string, unknown> = {}) => ({
	resource: 'audience',
	operation,
	audienceId: (_: number, json: any) => json.id,
	audienceName: (_: number, json: any) => json.name,
	options: {},
	...extra,
});

const audiences = () => sandbox.state().deployments[talon.DEPLOYMENT]?.audiences ?? [];

describe('Audience operations', () => {
	it('creates audiences: POST /cdp/audiences with audienceId and audienceName', async () => {
		const ctx = fakeContext({
			params: audience('create'),
			credentials: sandbox.credentials,
			items: [
				{ id: '382370BKDB946', name: 'Travel audience' },
				{ id: 42, name: 'Numeric ID given as a number' },
			],
		});
		const [output] = await runNode(ctx);
		expect(ctx.sent.map((request) => [request.method, new URL(request.url).pathname, request.body])).toEqual([
			['POST', '/cdp/audiences', { audienceId: '382370BKDB946', audienceName: 'Travel audience' }],
			['POST', '/cdp/audiences', { audienceId: '42', audienceName: 'Numeric ID given as a number' }],
		]);
		expect(output[0].json).toMatchObject({
			id: 1,
			name: 'Travel audience',
			integrationId: '382370BKDB946',
			integration: 'n8n sandbox',
			alreadyExisted: false,
		});
		expect(audiences().map((entry: any) => entry.integrationId).sort()).toEqual(['382370BKDB946', '42']);
	});

	it('on an existing ID fails clearly, or returns the audience with the option on', async () => {
		await runNode(fakeContext({ params: audience('create'), credentials: sandbox.credentials, items: [{ id: 'dup', name: 'First' }] }));

		const failing = fakeContext({ params: audience('create'), credentials: sandbox.credentials, items: [{ id: 'dup', name: 'Second' }] });
		const error = await runNode(failing).then(
			() => undefined,
			(caught: any) => caught,
		);
		expect(error.message).toBe('Item 0: the audience "dup" already exists');
		expect(error.description).toContain('Return Existing Audience');
		expect(error.httpCode).toBe('409');

		const returning = fakeContext({
			params: audience('create', { options: { returnExisting: true } }),
			credentials: sandbox.credentials,
			items: [{ id: 'dup', name: 'Second' }],
		});
		const [output] = await runNode(returning);
		expect(returning.sent.map((request) => [request.method, request.status])).toEqual([
			['POST', 409],
			['PUT', 200],
		]);
		expect(output[0].json).toMatchObject({ id: 1, integrationId: 'dup', name: 'Second', alreadyExisted: true });
		expect(audiences()).toHaveLength(1);
	});

	it('treats a 409 on the retry of a create whose first answer was lost as created, with its outcome (#14)', async () => {
		const ctx = fakeContext({
			params: audience('create'),
			credentials: sandbox.credentials,
			items: [{ id: 'lost-answer', name: 'Travel audience' }],
			// The fake applies the first POST, then the connection drops before its answer arrives.
			intercept: (request, number) => (request.method === 'POST' && number === 1 ? 'lose' : undefined),
		});
		const [output] = await runNode(ctx);
		expect(ctx.sent.map((request) => [request.method, request.status])).toEqual([
			['POST', 201],
			['POST', 409],
		]);
		expect(output[0].json).toEqual({
			audienceId: 'lost-answer',
			audienceName: 'Travel audience',
			alreadyExisted: false,
			outcome: 'createdOnEarlierAttempt',
		});
		expect(audiences()).toMatchObject([{ integrationId: 'lost-answer', name: 'Travel audience' }]);
	});

	it('with Return Existing Audience, a lost first answer still yields the audience and its numeric ID', async () => {
		const ctx = fakeContext({
			params: audience('create', { options: { returnExisting: true } }),
			credentials: sandbox.credentials,
			items: [{ id: 'lost-too', name: 'Lost too' }],
			intercept: (request, number) => (request.method === 'POST' && number === 1 ? 'lose' : undefined),
		});
		const [output] = await runNode(ctx);
		expect(ctx.sent.map((request) => [request.method, request.status])).toEqual([
			['POST', 201],
			['POST', 409],
			['PUT', 200],
		]);
		expect(output[0].json).toMatchObject({ id: 1, integrationId: 'lost-too', name: 'Lost too', alreadyExisted: false, outcome: 'createdOnEarlierAttempt' });
	});

	it('keeps a 409 an error when no earlier attempt can have created the audience (first attempt, or after a 429)', async () => {
		await sandbox.seedAudiences(['taken']);
		for (const intercept of [
			undefined,
			(request: { method: string }, number: number) =>
				request.method === 'POST' && number === 1
					? { status: 429, body: { StatusCode: 429, Error: 'Too many requests', RequestUUID: 'fd2f7c55-d064-46e1-ab87-a39cb877cd82' } }
					: undefined,
		]) {
			const ctx = fakeContext({
				params: audience('create'),
				credentials: sandbox.credentials,
				items: [{ id: 'taken', name: 'Someone else' }],
				intercept,
			});
			const error = await runNode(ctx).then(
				() => undefined,
				(caught: any) => caught,
			);
			expect(error?.message).toBe('Item 0: the audience "taken" already exists');
		}
	});

	it('outputs the outcome of a plain create and of Return Existing Audience', async () => {
		const [first] = await runNode(
			fakeContext({ params: audience('create'), credentials: sandbox.credentials, items: [{ id: 'o1', name: 'One' }] }),
		);
		expect(first[0].json).toMatchObject({ integrationId: 'o1', alreadyExisted: false, outcome: 'created' });
		const [again] = await runNode(
			fakeContext({
				params: audience('create', { options: { returnExisting: true } }),
				credentials: sandbox.credentials,
				items: [{ id: 'o1', name: 'One' }],
			}),
		);
		expect(again[0].json).toMatchObject({ integrationId: 'o1', alreadyExisted: true, outcome: 'alreadyExisted' });
	});

	it('updates by external ID and reports an unknown one per item', async () => {
		await runNode(fakeContext({ params: audience('create'), credentials: sandbox.credentials, items: [{ id: 'a/b', name: 'Old' }] }));
		const ctx = fakeContext({
			params: audience('update'),
			credentials: sandbox.credentials,
			continueOnFail: true,
			items: [
				{ id: 'a/b', name: 'New' },
				{ id: 'missing', name: 'Nope' },
				{ id: 'a/b', name: '' },
			],
		});
		const [output] = await runNode(ctx);
		expect(new URL(ctx.sent[0].url).pathname).toBe('/cdp/audiences/a%2Fb');
		expect(ctx.sent[0].body).toEqual({ audienceId: 'a/b', audienceName: 'New' });
		expect(output[0].json).toMatchObject({ integrationId: 'a/b', name: 'New' });
		expect(output[1].json.error).toMatch(/^Item 1: Updating the audience failed\. The service answered 404: Not Found/);
		expect(output[2].json.error).toBe('Item 2, field "Audience Name": must not be empty');
		expect(ctx.sent).toHaveLength(2);
	});

	it('deletes an audience and with it every membership', async () => {
		const [id] = await sandbox.seedAudiences(['gone']);
		await runNode(
			fakeContext({
				params: {
					resource: 'customerProfile',
					operation: 'updateAudiences',
					audienceIdType: 'internal',
					customerProfileId: 'member',
					audiencesToAdd: `${id}`,
					audiencesToRemove: '',
				},
				credentials: sandbox.credentials,
			}),
		);
		expect(memberships(sandbox.state(), 'member')).toEqual([id]);
		const ctx = fakeContext({ params: audience('delete'), credentials: sandbox.credentials, items: [{ id: 'gone' }] });
		const [output] = await runNode(ctx);
		expect(ctx.sent[0].method).toBe('DELETE');
		expect(ctx.sent[0].body).toBeUndefined();
		expect(output[0].json).toEqual({ audienceId: 'gone', deleted: true });
		expect(audiences()).toEqual([]);
		expect(memberships(sandbox.state(), 'member')).toEqual([]);
	});
});
