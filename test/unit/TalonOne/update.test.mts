import { describe, expect, it } from 'vitest';

import { fakeContext, runNode } from './context.mts';
import { memberships, talon, useTalon } from './sandbox.mts';

const { sandbox, audiences } = await useTalon(['a1', 'a2', 'a3']);

const params = (extra: Record<string, unknown> = {}) => ({
	resource: 'customerProfile',
	operation: 'update',
	customerProfileId: (_: number, json: any) => json.id,
	attributesMode: 'json',
	attributesJson: (_: number, json: any) => JSON.stringify(json.attributes ?? {}),
	deleteAttributes: '',
	audiencesToAdd: '',
	audiencesToRemove: '',
	options: {},
	...extra,
});

const profile = (id: string) =>
	sandbox.state().deployments[talon.DEPLOYMENT].profiles.find((candidate: any) => candidate.integrationId === id);

describe('Customer Profile → Update', () => {
	it('sends PUT /cdp/customer_profile/{id} with attributes, runRuleEngine, audiencesChanges and the query flag', async () => {
		const ctx = fakeContext({
			params: params({
				audiencesToAdd: `${audiences[0]},${audiences[1]}`,
				audiencesToRemove: [audiences[2]],
				options: { runRuleEngine: true, skipNonExistingAttributes: true },
			}),
			credentials: sandbox.credentials,
			items: [{ id: 'URN GV/82', attributes: { Language: 'english', ProductClicked: true, Undefined: 1 } }],
		});
		const [output] = await runNode(ctx);
		const [request] = ctx.sent;
		const url = new URL(request.url);
		expect(request.method).toBe('PUT');
		expect(url.pathname).toBe('/cdp/customer_profile/URN%20GV%2F82');
		expect(url.searchParams.get('skipNonExistingAttributes')).toBe('true');
		expect(request.body).toEqual({
			attributes: { Language: 'english', ProductClicked: true, Undefined: 1 },
			runRuleEngine: true,
			audiencesChanges: { adds: [audiences[0], audiences[1]], deletes: [audiences[2]] },
		});
		expect(output[0].json).toMatchObject({ effects: [], createdCoupons: [], createdReferrals: [] });
		expect(output[0].json.customerProfile).toMatchObject({
			integrationId: 'URN GV/82',
			attributes: { Language: 'english', ProductClicked: true },
			audienceMemberships: [
				{ id: audiences[0], name: 'Audience a1' },
				{ id: audiences[1], name: 'Audience a2' },
			],
		});
	});

	it('deletes attributes given as null or listed to delete, and keeps the others', async () => {
		const first = fakeContext({
			params: params(),
			credentials: sandbox.credentials,
			items: [{ id: 'p', attributes: { Language: 'english', Nickname: 'Bo', Tier: 'gold', Score: 3 } }],
		});
		await runNode(first);
		const second = fakeContext({
			params: params({ deleteAttributes: 'Tier, Score' }),
			credentials: sandbox.credentials,
			items: [{ id: 'p', attributes: { Nickname: null } }],
		});
		await runNode(second);
		expect(second.sent[0].body.attributes).toEqual({ Nickname: null, Tier: null, Score: null });
		expect(second.sent[0].body).not.toHaveProperty('audiencesChanges');
		expect(profile('p').attributes).toEqual({ Language: 'english' });
	});

	it('maps automatically (minus excluded fields) or field by field, with the empty-value policy', async () => {
		const auto = fakeContext({
			params: params({
				attributesMode: 'autoMapInputData',
				excludeFields: 'id',
				options: { emptyValues: 'skip' },
			}),
			credentials: sandbox.credentials,
			items: [{ id: 'auto', Language: 'german', Nickname: '', Tier: ' ' }],
		});
		await runNode(auto);
		expect(auto.sent[0].body.attributes).toEqual({ Language: 'german' });

		const asNull = fakeContext({
			params: params({ attributesMode: 'autoMapInputData', excludeFields: 'id', options: { emptyValues: 'null' } }),
			credentials: sandbox.credentials,
			items: [{ id: 'auto', Nickname: '' }],
		});
		await runNode(asNull);
		expect(asNull.sent[0].body.attributes).toEqual({ Nickname: null });

		const rows = fakeContext({
			params: params({
				attributesMode: 'defineBelow',
				attributeValues: { attribute: [{ name: 'Language', value: 'french' }, { name: ' Score ', value: 7 }] },
			}),
			credentials: sandbox.credentials,
			items: [{ id: 'rows' }],
		});
		await runNode(rows);
		expect(rows.sent[0].body.attributes).toEqual({ Language: 'french', Score: 7 });

		const none = fakeContext({
			params: params({ attributesMode: 'none', audiencesToAdd: `${audiences[0]}` }),
			credentials: sandbox.credentials,
			items: [{ id: 'none' }],
		});
		await runNode(none);
		expect(none.sent[0].body).toEqual({ attributes: {}, runRuleEngine: false, audiencesChanges: { adds: [audiences[0]], deletes: [] } });
		expect(memberships(sandbox.state(), 'none')).toEqual([audiences[0]]);
		// Audience changes force the rule engine on (reference §5.1); the fake records it.
		expect(sandbox.state().ruleEngine.at(-1)).toEqual({ customerProfileId: 'none', requested: false, ran: true });
	});

	it('rejects bad input before sending: invalid JSON, a non-object, an empty row name, a long ID', async () => {
		const cases: Array<[Record<string, unknown>, Record<string, any>, string]> = [
			[{ attributesJson: '{"Language": ' }, { id: 'p' }, 'Item 0, field "Attributes (JSON)": is not valid JSON'],
			[{ attributesJson: '[1, 2]' }, { id: 'p' }, 'Item 0, field "Attributes (JSON)": must be an object'],
			[
				{ attributesMode: 'defineBelow', attributeValues: { attribute: [{ name: ' ', value: 'x' }] } },
				{ id: 'p' },
				'Item 0, field "Attributes to Set[0].Name": must not be empty',
			],
			[{}, { id: 'x'.repeat(1001) }, 'Item 0, field "Customer Profile ID": is 1001 characters long; at most 1000'],
			[{ audiencesToRemove: '0' }, { id: 'p' }, 'Item 0, field "Audience IDs to Remove": entry 0 ("0") is not an audience ID'],
			[
				{ audiencesToAdd: Array.from({ length: 600 }, () => 1), audiencesToRemove: Array.from({ length: 401 }, () => 2) },
				{ id: 'p' },
				'Item 0, field "Audience IDs to Add": with the audiences to remove, 1001 changes; one profile update allows at most 1000',
			],
		];
		for (const [extra, item, message] of cases) {
			const ctx = fakeContext({ params: params(extra), credentials: sandbox.credentials, items: [item] });
			await expect(runNode(ctx)).rejects.toThrow(message);
			expect(ctx.sent).toHaveLength(0);
		}
	});

	it("returns the gateway's error text per item, without the API key, and goes on with Continue On Fail", async () => {
		const ctx = fakeContext({
			params: params(),
			credentials: sandbox.credentials,
			continueOnFail: true,
			items: [
				{ id: 'good', attributes: { Language: 'english' } },
				{ id: 'bad', attributes: { Favourite: 'blue' } },
			],
		});
		const [output] = await runNode(ctx);
		expect(output[0].json.customerProfile).toMatchObject({ integrationId: 'good' });
		expect(output[1].json.error).toMatch(
			/^Item 1: Updating the customer profile failed\. The service answered 400: The attribute 'Favourite' does not exist \[request [0-9a-f-]{36}\]$/,
		);
		expect(output[1].json.details).toMatchObject({ httpCode: '400' });
		expect(JSON.stringify(output)).not.toContain(String(sandbox.credentials.apiKey));
		expect(profile('bad')).toBeUndefined();
	});

	it('sends updates of one profile one after another, in item order', async () => {
		// Each update takes 30 ms at the fake, which refuses overlapping updates of one profile (reference §8).
		sandbox.configure({ profileLatencyMs: 30, profileOverlapStatus: 409 });
		const items = Array.from({ length: 12 }, (_, i) => ({ id: i % 2 === 0 ? 'same' : `other-${i}`, attributes: { Score: i } }));
		const ctx = fakeContext({ params: params(), credentials: sandbox.credentials, items });
		const [output] = await runNode(ctx);
		expect(output).toHaveLength(12);
		const order = ctx.sent.filter((request) => request.url.includes('/same')).map((request) => request.body.attributes.Score);
		expect(order).toEqual([0, 2, 4, 6, 8, 10]);
		expect(profile('same').attributes).toEqual({ Score: 10 });
		expect(ctx.sent.every((request) => request.status === 200)).toBe(true);
		expect(sandbox.state().profileOverlaps).toBe(0);
		// The fake does catch overlaps: two direct updates of "same" at once get one 409.
		const direct = await Promise.all(
			[0, 1].map(() =>
				fetch(`${sandbox.vendor.url}/cdp/customer_profile/same`, {
					method: 'PUT',
					headers: {
						authorization: `ApiKey-v1 ${sandbox.credentials.apiKey}`,
						'destination-hostname': String(sandbox.credentials.deploymentHostname),
						'customer-data-platform-name': String(sandbox.credentials.platformName),
						'content-type': 'application/json',
					},
					body: '{}',
				}).then((response) => response.status),
			),
		);
		expect(direct.sort()).toEqual([200, 409]);
	});

	it('paces requests under 60 per second, so the gateway never answers 429', async () => {
		const items = Array.from({ length: 90 }, (_, i) => ({ id: `paced-${i}`, attributes: { Score: i } }));
		const ctx = fakeContext({ params: params(), credentials: sandbox.credentials, items });
		const started = Date.now();
		const [output] = await runNode(ctx);
		const elapsed = Date.now() - started;
		expect(output).toHaveLength(90);
		expect(ctx.sent.map((request) => request.status).every((status) => status === 200)).toBe(true);
		expect(ctx.sent).toHaveLength(90);
		// 60 start at once, the other 30 wait for the one-second window (plus the limiter's margin) to move on.
		expect(elapsed).toBeGreaterThanOrEqual(1000);
	});
});

