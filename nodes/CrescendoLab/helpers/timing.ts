import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { DEFAULT_REQUESTS_PER_MINUTE, STATUS_CHECKS_PER_MINUTE } from '../transport';

/** How often a task's status is read, by default: the vendor suggests about once a second (reference §7). */
export const DEFAULT_POLL_INTERVAL_SECONDS = 5;
export const DEFAULT_MAX_WAIT_SECONDS = 15 * 60;

/** The options of the operations that start a task and wait for it (Import, Export). */
export const pollingOptions: INodeProperties[] = [
	{
		displayName: 'Poll Interval (Seconds)',
		name: 'pollIntervalSeconds',
		type: 'number',
		typeOptions: { minValue: 0.05, numberPrecision: 2 },
		default: DEFAULT_POLL_INTERVAL_SECONDS,
		description: `How long to wait between two status checks of a running task. Status checks have their own pace (at most ${STATUS_CHECKS_PER_MINUTE} a minute, as Crescendo Lab's own loop) and never use the import budget.`,
	},
	{
		displayName: 'Max Wait (Seconds)',
		name: 'maxWaitSeconds',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: DEFAULT_MAX_WAIT_SECONDS,
		description:
			'Longest time to wait for one task to finish. When it runs out the items fail with the task ID; the task itself keeps running at Crescendo Lab.',
	},
	{
		displayName: 'Max Requests per Minute',
		name: 'maxRequestsPerMinute',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: DEFAULT_REQUESTS_PER_MINUTE,
		description: `Budget of task starts (imports and exports). Crescendo Lab allows ${DEFAULT_REQUESTS_PER_MINUTE} import requests per minute; raise it only if your contract allows more. Status checks are paced apart and do not count.`,
	},
];

export interface Timing {
	pollIntervalMs: number;
	maxWaitMs: number;
	requestsPerMinute: number;
}

/** The timing options of one item, each falling back to its default when it is not a positive number. */
export function readTiming(ctx: IExecuteFunctions, itemIndex: number): Timing {
	const options = ctx.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const number = (name: string, fallback: number) => {
		const value = Number(options[name] ?? fallback);
		return Number.isFinite(value) && value > 0 ? value : fallback;
	};
	return {
		pollIntervalMs: Math.round(number('pollIntervalSeconds', DEFAULT_POLL_INTERVAL_SECONDS) * 1000),
		maxWaitMs: Math.round(number('maxWaitSeconds', DEFAULT_MAX_WAIT_SECONDS) * 1000),
		requestsPerMinute: number('maxRequestsPerMinute', DEFAULT_REQUESTS_PER_MINUTE),
	};
}
