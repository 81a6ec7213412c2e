// The bad-input catalogue's table runner (issue #9). Each case puts bad items among good ones and runs the
// vendor node's real `execute` against the in-process sandbox twice:
// - with "Continue On Fail": every item gets exactly one result paired with it; each bad item is an error
//   item (it carries `error`, so n8n routes it to the error output) whose message names the item index and
//   the field; the good items went through to the sandbox;
// - without it: the node stops with the first bad item's error.
// Both times nothing that identifies a bad item reaches the sandbox (checked on the wire and in the
// sandbox's own request counters), unless the case is about a download that has to be fetched to be judged.
import { expect } from 'vitest';
import type { IDataObject, INodeType } from 'n8n-workflow';

import { routesToErrorOutput } from '../../helpers/errorOutput.mts';
import { SandboxControl } from '../../../sandbox/control.mts';
import type { RunningVendor } from '../../../sandbox/core.mts';
import type { NodeRunResult, ParamValue } from './nodeRunner.mts';
import { runNodeSpec } from './nodeRunner.mts';

export type Category =
	| 'malformed email'
	| 'malformed phone'
	| 'forbidden attribute name'
	| 'over a length cap'
	| 'over a count cap'
	| 'wrong type'
	| 'empty string'
	| 'missing identifier'
	| 'invalid JSON'
	| 'item bigger than a request'
	| 'CSV with a broken row'
	| 'download returns HTML'
	| 'download returns 404';

export interface BadInputCase {
	/** What is wrong, in a few words (the catalogue's row). */
	name: string;
	category: Category;
	/** The field the error must name (as the error message spells it). */
	field: string;
	/** What else the error message must say. */
	message?: RegExp;
	items: Array<Record<string, unknown>>;
	params: Record<string, ParamValue>;
	/** Indices of the bad items; `[1]` by default. */
	bad?: number[];
	/**
	 * Text only the bad items carry. It must never appear in a request (URL or body). Leave it out for
	 * cases where the bad value is a download that has to be fetched.
	 */
	marker?: string;
	/** The node fetches something to judge the item (downloads): requests are made, still one result each. */
	fetches?: boolean;
	/** False for operations that send item by item, so good items before the bad one were sent. */
	validatesAllFirst?: boolean;
	/** Operations that emit one item per input; exports emit one per row. */
	onePerInput?: boolean;
	/** Prepares the sandbox for the case (knobs, seed data). */
	setup?: (vendor: RunningVendor) => Promise<void> | void;
	/** Extra checks of the sandbox state after the run with Continue On Fail. */
	checkState?: (state: any) => void;
}

export interface VendorRig {
	node: () => INodeType;
	nodeType: string;
	credentials: () => Record<string, IDataObject>;
	vendor: () => RunningVendor;
	/** Restores the sandbox to a clean, fast state between runs. */
	reset: () => Promise<void>;
	/** Parameters every case of this vendor starts from. */
	baseParams?: Record<string, ParamValue>;
}

const control = (rig: VendorRig) => new SandboxControl(rig.vendor().url);

async function run(rig: VendorRig, testCase: BadInputCase, continueOnFail: boolean): Promise<NodeRunResult & { before: number }> {
	await rig.reset();
	await testCase.setup?.(rig.vendor());
	// Requests the case's own set-up made (seeding) are not the node's.
	const before = (await control(rig).stats()).requests as number;
	const result = await runNodeSpec({
		node: rig.node(),
		nodeType: rig.nodeType,
		credentials: rig.credentials(),
		params: { ...rig.baseParams, ...testCase.params },
		items: testCase.items as IDataObject[],
		continueOnFail,
	});
	return { ...result, before };
}

function expectNamesItemAndField(message: string, itemIndex: number, field: string): void {
	expect(message, 'the error names the item').toMatch(new RegExp(`\\bItem ${itemIndex}\\b`));
	expect(message.toLowerCase(), `the error names the field "${field}"`).toContain(field.toLowerCase());
}

function expectMarkerNeverSent(result: NodeRunResult, marker: string | undefined): void {
	if (marker === undefined) return;
	const leaked = result.wire.filter((request) => request.url.includes(marker) || request.body.includes(marker));
	expect(leaked.map((request) => `${request.method} ${request.url}`), 'no request carried the bad item').toEqual([]);
}

/** Runs one catalogue case both ways and asserts the contract described at the top of this file. */
export async function checkCase(rig: VendorRig, testCase: BadInputCase): Promise<void> {
	const bad = testCase.bad ?? [1];
	const good = testCase.items.map((_, index) => index).filter((index) => !bad.includes(index));

	// With Continue On Fail (or the error output): bad items become error items, the others go on.
	const continued = await run(rig, testCase, true);
	expect(continued.error, continued.error?.message).toBeUndefined();
	const items = continued.output![0];
	if (testCase.onePerInput !== false) {
		expect(items.map((item) => (item.pairedItem as { item: number }).item)).toEqual(testCase.items.map((_, index) => index));
	}
	for (const index of bad) {
		const errors = items.filter((item) => (item.pairedItem as { item: number }).item === index && item.json.error !== undefined);
		expect(errors, `item ${index} has one error item`).toHaveLength(1);
		const [errorItem] = errors;
		expectNamesItemAndField(String(errorItem.json.error), index, testCase.field);
		if (testCase.message) expect(String(errorItem.json.error)).toMatch(testCase.message);
		expect(errorItem.json.details).toMatchObject({ itemIndex: index });
		expect(routesToErrorOutput(errorItem), 'the error item reaches the error output').toBe(true);
	}
	for (const index of good) {
		const own = items.filter((item) => (item.pairedItem as { item: number }).item === index);
		expect(own.length, `good item ${index} has a result`).toBeGreaterThan(0);
		expect(own.map((item) => item.json.error), `good item ${index} did not fail`).toEqual(own.map(() => undefined));
	}
	expectMarkerNeverSent(continued, testCase.marker);
	const stats = await control(rig).stats();
	if (good.length > 0) expect(stats.requests, 'the good items reached the sandbox').toBeGreaterThan(continued.before);
	testCase.checkState?.(await control(rig).state());

	// Without it: the node stops with the first bad item's error.
	const stopped = await run(rig, testCase, false);
	expect(stopped.error, 'the node stops').toBeDefined();
	expectNamesItemAndField(stopped.error!.message, bad[0], testCase.field);
	expectMarkerNeverSent(stopped, testCase.marker);
	if (!testCase.fetches && testCase.validatesAllFirst !== false) {
		// The bulk engine validates every item before it sends anything.
		const after = await control(rig).stats();
		expect(after.requests, 'nothing was sent').toBe(stopped.before);
	}
}

/** The catalogue in one table, for the docs and a count check. */
export function catalogueRows(vendor: string, operation: string, cases: BadInputCase[]): string[] {
	return cases.map((c) => `| ${vendor} | ${operation} | ${c.category} | ${c.name} | ${c.field} |`);
}
