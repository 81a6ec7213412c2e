import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { pollJob } from '../../shared/poll';
import type { RateLimiter } from '../../shared/rateLimit';
import type { Transport } from '../../shared/transport';
import { DEFAULT_REQUESTS_PER_MINUTE, FINISHED_STATES, type Surface } from '../transport';

/** How often a task's status is read, by default: the vendor suggests about once a second (reference §7). */
export const DEFAULT_POLL_INTERVAL_SECONDS = 5;
export const DEFAULT_MAX_WAIT_SECONDS = 15 * 60;

export const pollingOptions: INodeProperties[] = [
	{
		displayName: 'Poll Interval (Seconds)',
		name: 'pollIntervalSeconds',
		type: 'number',
		typeOptions: { minValue: 0.05, numberPrecision: 2 },
		default: DEFAULT_POLL_INTERVAL_SECONDS,
		description:
			'How long to wait between two status checks of a running task. Status checks have their own pace (at most one a second, as Crescendo Lab\'s own loop) and never use the import budget.',
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
		description:
			'Budget of task starts (imports and exports). Crescendo Lab allows 15 import requests per minute; raise it only if your contract allows more. Status checks are paced apart and do not count.',
	},
];

export interface Timing {
	pollIntervalMs: number;
	maxWaitMs: number;
	requestsPerMinute: number;
}

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

export function surfaceOf(ctx: IExecuteFunctions): Surface {
	return ctx.getNodeParameter('authentication', 0, 'profileApi') === 'maacApi' ? 'maacApi' : 'profileApi';
}

export function requireProfileApi(ctx: IExecuteFunctions, what: string): void {
	if (surfaceOf(ctx) !== 'profileApi') {
		throw new NodeOperationError(ctx.getNode(), `${what} needs the Profile API`, {
			description: 'MAAC OpenAPI v1 has no export. Set Authentication to "Profile API" and use a Crescendo Lab API credential.',
		});
	}
}

export interface TaskStatus extends IDataObject {
	status?: string;
}

export function isFinished(status: TaskStatus): boolean {
	return FINISHED_STATES.includes(String(status.status ?? '').toLowerCase());
}

/** Reads a task's status until it is finished, paced by the status limiter (never the start budget). */
export async function waitForTask(
	ctx: IExecuteFunctions,
	transport: Transport,
	limiter: RateLimiter,
	path: string,
	taskId: string,
	timing: Timing,
): Promise<TaskStatus> {
	return await pollJob<TaskStatus>({
		jobId: taskId,
		fetchStatus: async () => (await transport.request<TaskStatus>({ method: 'GET', path, limiter })).body ?? {},
		isDone: isFinished,
		intervalMs: timing.pollIntervalMs,
		maxWaitMs: timing.maxWaitMs,
		clock: transport.clock,
		signal: ctx.getExecutionCancelSignal?.(),
		logger: ctx.logger,
	});
}

/** Task IDs are numbers on MAAC v1 (`id`) and `task_id` of unknown type on the Profile API (reference §5A). */
export function taskIdFrom(body: unknown): string | undefined {
	const record = (body ?? {}) as IDataObject;
	const id = record.task_id ?? record.id;
	return id === undefined || id === null || id === '' ? undefined : String(id);
}
