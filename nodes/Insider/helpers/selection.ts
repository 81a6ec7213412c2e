import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { invalidField } from '../../shared/errors';
import { textList } from '../../shared/lists';
import { EVENT_NAME_PATTERN } from './user';

/** Attribute and event selection shared by profile reads and raw exports (§5.2, §5.3). */
export function selectionProperties(what: string): INodeProperties[] {
	return [
		{
			displayName: 'Attributes',
			name: 'attributeSelection',
			type: 'options',
			options: [
				{ name: 'All', value: 'all', description: 'Every attribute that has a value' },
				{ name: 'Selected', value: 'selected', description: 'Only the attributes chosen below' },
				{ name: 'None', value: 'none', description: 'Events only' },
			],
			default: 'all',
			description: `Which attributes to ${what}`,
		},
		{
			displayName: 'Attribute Names or IDs',
			name: 'attributeNames',
			type: 'multiOptions',
			typeOptions: { loadOptionsMethod: 'getAttributes' },
			default: [],
			description:
				'Attributes to return; custom attributes start with "c_". Choose from the list, or specify IDs using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
			displayOptions: { show: { attributeSelection: ['selected'] } },
		},
		{
			displayName: 'Events',
			name: 'events',
			type: 'fixedCollection',
			typeOptions: { multipleValues: true },
			placeholder: 'Add Event',
			default: {},
			description: `Events to ${what}, with the parameters wanted for each`,
			options: [
				{
					displayName: 'Event',
					name: 'event',
					values: [
						{
							displayName: 'Event Name or ID',
							name: 'name',
							type: 'options',
							typeOptions: { loadOptionsMethod: 'getEvents' },
							default: '',
							description:
								'Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>',
						},
						{
							displayName: 'Parameters',
							name: 'params',
							type: 'string',
							default: 'timestamp',
							placeholder: 'product_id, timestamp',
							description: 'Comma-separated event parameters to return; "timestamp" returns the event time',
						},
					],
				},
			],
		},
		{
			displayName: 'Events From',
			name: 'startDate',
			type: 'dateTime',
			default: '',
			description: 'Start of the event date range (required when events are selected)',
		},
		{
			displayName: 'Events To',
			name: 'endDate',
			type: 'dateTime',
			default: '',
			description: 'End of the event date range (required when events are selected)',
		},
	];
}

function epochSeconds(ctx: IExecuteFunctions, itemIndex: number, parameter: string): number {
	const raw = ctx.getNodeParameter(parameter, itemIndex, '') as unknown;
	const text = typeof raw === 'object' && raw !== null && 'toISO' in raw ? String((raw as { toISO(): string }).toISO()) : String(raw ?? '');
	const time = Date.parse(text);
	if (!text || Number.isNaN(time)) {
		throw invalidField(ctx.getNode(), itemIndex, parameter, 'must be a date when events are selected');
	}
	return Math.floor(time / 1000);
}

/** The `attributes`/`events` selection of one item, in the service's shape. */
export function readSelection(ctx: IExecuteFunctions, itemIndex: number): IDataObject {
	const node = ctx.getNode();
	const selection: IDataObject = {};
	const mode = ctx.getNodeParameter('attributeSelection', itemIndex) as string;
	if (mode === 'all') selection.attributes = ['*'];
	if (mode === 'selected') {
		const names = textList(ctx.getNodeParameter('attributeNames', itemIndex, []));
		if (names.length === 0) throw invalidField(node, itemIndex, 'attributeNames', 'choose at least one attribute');
		selection.attributes = names;
	}
	const events = (ctx.getNodeParameter('events.event', itemIndex, []) as IDataObject[]) ?? [];
	if (events.length > 0) {
		const wanted = events.map((event, position) => {
			const name = String(event.name ?? '').trim();
			if (!EVENT_NAME_PATTERN.test(name)) {
				throw invalidField(node, itemIndex, `events.${position}.name`, `invalid event name ${JSON.stringify(name)}`);
			}
			const params = textList(event.params);
			return { event_name: name, params: params.length > 0 ? params : ['timestamp'] };
		});
		const start = epochSeconds(ctx, itemIndex, 'startDate');
		const end = epochSeconds(ctx, itemIndex, 'endDate');
		if (end < start) throw invalidField(node, itemIndex, 'endDate', 'is before Events From');
		selection.events = { start_date: start, end_date: end, wanted };
	}
	if (!selection.attributes && !selection.events) {
		throw invalidField(node, itemIndex, 'attributeSelection', 'choose attributes, events or both');
	}
	return selection;
}
