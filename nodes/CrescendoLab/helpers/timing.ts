import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { DEFAULT_REQUESTS_PER_MINUTE, STATUS_CHECKS_PER_MINUTE, TASK_MS_PER_1000_CONTACTS, TASK_PENDING_MS } from '../transport';

/** How often a task's status is read, by default: the vendor's own loop reads it once a second (reference §7). */
export const DEFAULT_POLL_INTERVAL_SECONDS = 1;
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
		displayName: 'First Status Check (Seconds)',
		name: 'firstCheckSeconds',
		type: 'number',
		typeOptions: { minValue: 0, numberPrecision: 2 },
		default: 0,
		description: `How long after a task starts to check its status the first time. 0: when the task is expected to be done, estimated from its size (${TASK_PENDING_MS / 1000} s plus ${TASK_MS_PER_1000_CONTACTS / 1000} s per 1,000 contacts).`,
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
	/** First Status Check when it is set (above 0); otherwise the task's expected duration. */
	firstCheckMs?: number;
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
	const firstCheck = Number(options.firstCheckSeconds ?? 0);
	return {
		pollIntervalMs: Math.round(number('pollIntervalSeconds', DEFAULT_POLL_INTERVAL_SECONDS) * 1000),
		firstCheckMs: Number.isFinite(firstCheck) && firstCheck > 0 ? Math.round(firstCheck * 1000) : undefined,
		maxWaitMs: Math.round(number('maxWaitSeconds', DEFAULT_MAX_WAIT_SECONDS) * 1000),
		requestsPerMinute: number('maxRequestsPerMinute', DEFAULT_REQUESTS_PER_MINUTE),
	};
}
