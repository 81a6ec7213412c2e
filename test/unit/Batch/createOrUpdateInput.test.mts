// Create or Update with awkward input (#18.6, #18.8) and requests carrying events (#14), run through the
// real node `execute` against the in-process Batch sandbox.
import type { IDataObject } from 'n8n-workflow';
import { beforeEach, describe, expect, it } from 'vitest';

import { upsertParameters } from './context.mts';
import { useBatch } from './sandbox.mts';

const { sandbox, configure, execute, state: sandboxState } = await useBatch();

interface StoredProfile {
	attributes: Record<string, { type: string; value: unknown }>;
	events: Array<{ name: string }>;
}

const state = sandboxState<{ profiles: Record<string, StoredProfile>; calls: Array<{ customIds: string[] }> }>;

const received = () => sandbox.vendor('batch').stats().byRoute['POST /:version/profiles/update'] ?? 0;

beforeEach(async () => {
	await configure({ timeScale: 1, knobs: { refuseNextProfileCalls: [], poisonCustomIds: [] } });
});

describe('CSV input (#18.6)', () => {
	it('trims a padded Custom ID for every workflow', async () => {
		const { output } = await execute({ items: [{ custom_id: '  u1 ', plan: 'pro' }], parameters: upsertParameters({ options: { onlySendChanges: false } }) });
		expect(output[0].json).toMatchObject({ customId: 'u1', status: 'sent' });
		expect(Object.keys((await state()).profiles)).toEqual(['u1']);
	});

	it('sends CSV text as given unless "Convert Text Values" is on (saved workflows send the same)', async () => {
		const csv = [
			{ custom_id: 'a', logins: '5', vip: 'true', seen: '2024-05-01T12:00:00+02:00', zip: '01234' },
			{ custom_id: 'b', logins: '12', vip: 'FALSE', seen: '2024-05-02T08:00:00Z', zip: '75003' },
		];
		await execute({ items: csv, parameters: upsertParameters({ options: { onlySendChanges: false } }) });
		const asGiven = (await state()).profiles;
		expect(asGiven.a.attributes.logins).toEqual({ type: 'string', value: '5' });
		expect(asGiven.a.attributes.seen.type).toBe('string');
		expect(asGiven.b.attributes.seen.type).toBe('date');

		await fetch(`${sandbox.vendor('batch').url}/__sandbox/reset`, { method: 'POST' });
		await execute({ items: csv, parameters: upsertParameters({ options: { onlySendChanges: false, convertTextValues: true } }) });
		const typed = (await state()).profiles;
		expect(typed.a.attributes.logins).toEqual({ type: 'integer', value: 5 });
		expect(typed.a.attributes.vip).toEqual({ type: 'boolean', value: true });
		expect(typed.b.attributes.vip).toEqual({ type: 'boolean', value: false });
		expect(typed.a.attributes.seen).toEqual({ type: 'date', value: '2024-05-01T10:00:00.000Z' });
		expect(typed.b.attributes.seen.type).toBe('date');
		expect(typed.a.attributes.zip).toEqual({ type: 'string', value: '01234' });
	});

	it('keeps one type per column: a value that does not fit fails its item, naming the field, and the others go on', async () => {
		const { output, requests } = await execute({
			items: [
				{ custom_id: 'a', logins: '5' },
				{ custom_id: 'b', logins: true },
				{ custom_id: 'c', logins: '7' },
			],
			parameters: upsertParameters({ options: { onlySendChanges: false, convertTextValues: true } }),
			continueOnFail: true,
		});
		expect(output[1].json.error).toMatch(/^Item 1, field "logins": true is a boolean, but the attribute "logins" is a number from item 0 on/);
		expect(output.map((item) => item.json.status)).toEqual(['sent', undefined, 'sent']);
		expect((requests[0].body as Array<{ identifiers: { custom_id: string } }>).map((op) => op.identifiers.custom_id)).toEqual(['a', 'c']);
	});
});

describe('smaller points (#18.8)', () => {
	it('a Custom ID repeated within one run is not sent again by later runs under Only Send Changes', async () => {
		const items = [
			{ custom_id: 'dup', plan: 'basic' },
			{ custom_id: 'dup', plan: 'pro' },
			{ custom_id: 'solo', plan: 'free' },
		];
		for (const granularity of [false, true]) {
			const staticData: IDataObject = {};
			const parameters = upsertParameters({ options: { changedAttributesOnly: granularity } });
			const first = await execute({ items, staticData, parameters });
			expect(first.output.map((item) => item.json.status)).toEqual(['sent', 'sent', 'sent']);
			for (let run = 2; run <= 3; run++) {
				const again = await execute({ items, staticData, parameters });
				expect(again.requests).toHaveLength(0);
				expect(again.output.map((item) => item.json.status)).toEqual(['skipped', 'skipped', 'skipped']);
			}
			// Batch ends with the last item's value.
			expect((await state()).profiles.dup.attributes.plan.value).toBe('pro');
			// A change of the repeated ID is sent again, each item in order.
			const changed = await execute({ items: [items[0], { custom_id: 'dup', plan: 'vip' }, items[2]], staticData, parameters });
			expect(changed.output.map((item) => item.json.status)).toEqual(['sent', 'sent', 'skipped']);
			expect((await state()).profiles.dup.attributes.plan.value).toBe('vip');
		}
	});

	it('a Custom ID that is missing reads "missing", never "a undefined"', async () => {
		const { output } = await execute({ items: [{ plan: 'pro' }], continueOnFail: true });
		expect(output[0].json.error).toBe('Item 0, field "custom_id": the Custom ID is missing; expected a non-empty string');
	});

	it('a parameter that cannot be read for one item fails that item with its index; the others go on', async () => {
		const { output } = await execute({
			items: [
				{ custom_id: 'a', plan: 'pro' },
				{ custom_id: 'b', plan: 'pro' },
			],
			parameters: upsertParameters({
				customIdField: (itemIndex: number) => {
					if (itemIndex === 1) throw new Error('invalid syntax in the expression');
					return 'custom_id';
				},
				options: { onlySendChanges: false },
			}),
			continueOnFail: true,
		});
		expect(output[0].json.status).toBe('sent');
		expect(output[1].json.error).toMatch(/^Item 1\b.*invalid syntax/);
	});
});

describe('requests carrying events are retried only when nothing was applied (#14)', () => {
	const withEvents = () =>
		upsertParameters({
			options: { onlySendChanges: false },
			additionalFields: { events: JSON.stringify([{ name: 'purchase', time: new Date().toISOString() }]) },
		});
	const items = [{ custom_id: 'e1', plan: 'pro' }];

	it('retries a 429 and a 5xx with Batch\'s error body, and tracks the event once', async () => {
		await configure({ knobs: { refuseNextProfileCalls: [429, 503] } });
		const before = received();
		const { output } = await execute({ items, parameters: withEvents() });
		expect(output[0].json.status).toBe('sent');
		expect(received() - before).toBe(3);
		expect((await state()).profiles.e1.events).toHaveLength(1);
	});

	it('does not retry a dropped connection or a 5xx without Batch\'s body', async () => {
		for (const faults of [{ resetRate: 1 }, { error5xxRate: 1 }]) {
			sandbox.vendor('batch').setFaults({ resetRate: 0, error5xxRate: 0, ...faults });
			const before = received();
			const { output } = await execute({ items, parameters: withEvents(), continueOnFail: true });
			expect(output[0].json.error).toMatch(/^Item 0\b/);
			expect(received() - before).toBe(1);
		}
	});

	it('still retries those failures for a request without events', async () => {
		sandbox.vendor('batch').setFaults({ error5xxRate: 1 });
		const before = received();
		const run = execute({ items, parameters: upsertParameters({ options: { onlySendChanges: false } }), continueOnFail: true });
		// Let the first retry happen, then heal the fake.
		await new Promise((resolve) => setTimeout(resolve, 300));
		sandbox.vendor('batch').setFaults({ error5xxRate: 0 });
		const { output } = await run;
		expect(output[0].json.status).toBe('sent');
		expect(received() - before).toBeGreaterThan(1);
	});
});
