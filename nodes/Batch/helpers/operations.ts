import type { IDataObject } from 'n8n-workflow';

import type { BulkOptions } from '../../shared/bulk';
import type { ChangeKey, ChangeTracker } from '../../shared/changes';
import type { Profile } from './profiles';
import { groupByCustomId } from './profiles';

/** One profile operation of a call to Batch, and what the node needs to map Batch's answer back. */
export interface ProfileOperation {
	customId: string;
	body: IDataObject;
	hasEvents: boolean;
	/** What "Only Send Changes" records once Batch accepted it (on the last item of a Custom ID). */
	remember?: ChangeKey[];
	attributes: string[];
}

/** What becomes of one item: a profile operation to send, an output without sending, or its error. */
export type ItemPlan = { send: ProfileOperation } | { skip: IDataObject } | { fail: Error };

/** The operation that sends a profile (its attributes as given, e.g. only the changed ones). */
export function profileOperation(profile: Profile, remember?: ChangeKey[]): ProfileOperation {
	const { customId, attributes, events } = profile;
	const body: IDataObject = { identifiers: { custom_id: customId } };
	if (Object.keys(attributes).length > 0) body.attributes = attributes;
	if (events) body.events = events;
	return { customId, body, hasEvents: events !== undefined, remember, attributes: Object.keys(attributes) };
}

const skipped = (customId: string): ItemPlan => ({
	skip: { customId, status: 'skipped', reason: 'unchanged since the last run Batch accepted it' },
});

/**
 * The operation of every item, decided against the sync state when there is one; the state then keeps only
 * what is still true. A Custom ID on several items is decided once, on the state Batch holds after all of
 * them (later items win): deciding each item against the one before made every later run send them all again.
 */
export async function planOperations(profiles: Array<Profile | Error>, sync?: ChangeTracker): Promise<ItemPlan[]> {
	const plan = new Array<ItemPlan>(profiles.length);
	profiles.forEach((profile, itemIndex) => {
		if (profile instanceof Error) plan[itemIndex] = { fail: profile };
	});
	for (const group of groupByCustomId(profiles).values()) {
		const { customId } = group.final;
		const decision = sync?.decide(customId, group.final.attributes, group.hasEvents);
		const last = group.items[group.items.length - 1];
		for (const itemIndex of group.items) {
			const { attributes, events } = profiles[itemIndex] as Profile;
			if (decision && decision.send === undefined) {
				plan[itemIndex] = skipped(customId);
				continue;
			}
			let sent = attributes;
			if (decision && sync?.granularity === 'attribute') {
				sent = Object.fromEntries(Object.entries(attributes).filter(([key]) => key in decision.send!));
				if (Object.keys(sent).length === 0 && !events) {
					plan[itemIndex] = skipped(customId);
					continue;
				}
			}
			plan[itemIndex] = { send: profileOperation({ customId, attributes: sent, events }, itemIndex === last ? decision?.remember : undefined) };
		}
	}
	await sync?.retain();
	return plan;
}

/** runBulk's `prepare` and `settle` for a plan: an item's error fails it, a skipped item is output unsent. */
export function followPlan(plan: ItemPlan[]): Pick<BulkOptions<ProfileOperation | undefined>, 'prepare' | 'settle'> {
	return {
		prepare: (itemIndex) => {
			const item = plan[itemIndex];
			if ('fail' in item) throw item.fail;
			return 'send' in item ? item.send : undefined;
		},
		settle: (_, itemIndex) => {
			const item = plan[itemIndex];
			return 'skip' in item ? item.skip : undefined;
		},
	};
}
