import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { runEach } from '../../shared/bulk';
import { invalidField } from '../../shared/errors';
import { pollJob } from '../../shared/poll';
import type { RateLimiter } from '../../shared/rateLimit';
import type { Transport, VendorRequest, VendorResponse } from '../../shared/transport';
import type { CrescendoApi } from '../transport';
import { BUSY_RETRY, crescendoLimiter, DEFAULT_REQUESTS_PER_MINUTE, FINISHED_STATES, slowOnRateLimit, STATUS_REQUESTS_IN_FLIGHT } from '../transport';
import type { Timing } from './timing';
import { readTiming } from './timing';

/** An import or export task as its status route describes it. */
export interface TaskStatus extends IDataObject {
	status?: string;
}

export function isFinished(status: TaskStatus): boolean {
	return FINISHED_STATES.includes(String(status.status ?? '').toLowerCase());
}

/** Task IDs are numbers on MAAC v1 (`id`) and `task_id` of unknown type on the Profile API (reference §5A). */
export function taskIdFrom(body: unknown): string | undefined {
	const record = (body ?? {}) as IDataObject;
	const id = record.task_id ?? record.id;
	return id === undefined || id === null || id === '' ? undefined : String(id);
}

/**
 * Starts a task. While another task runs the vendor answers "busy" (BUSY_STATUSES, or a 400 saying so); the
 * engine waits each of them out, for as long as the transport's retry policy allows (a patient transport
 * waits up to Max Wait). The request's limiter spaces the attempts, so they stay inside the start budget.
 */
export async function startTask<T = unknown>(transport: Transport, request: VendorRequest): Promise<VendorResponse<T>> {
	return await transport.request<T>({ ...request, ...BUSY_RETRY });
}

/**
 * Reads a task's status until it is finished, paced by the status limiter (never the start budget): the
 * first check when the task is expected to be done (`expectedMs`, or First Status Check), then every Poll
 * Interval.
 */
export async function waitForTask(
	ctx: IExecuteFunctions,
	transport: Transport,
	limiter: RateLimiter,
	path: string,
	taskId: string,
	timing: Timing,
	expectedMs = 0,
): Promise<TaskStatus> {
	const onRetry = slowOnRateLimit(limiter);
	return await pollJob<TaskStatus>({
		jobId: taskId,
		fetchStatus: async () => (await transport.request<TaskStatus>({ method: 'GET', path, limiter, onRetry })).body ?? {},
		isDone: isFinished,
		intervalMs: timing.pollIntervalMs,
		firstCheckAfterMs: timing.firstCheckMs ?? expectedMs,
		maxWaitMs: timing.maxWaitMs,
		clock: transport.clock,
		signal: ctx.getExecutionCancelSignal?.(),
		logger: ctx.logger,
	});
}

/** The options of the Get … Status operations. */
export const statusOptions: INodeProperties = {
	displayName: 'Options',
	name: 'options',
	type: 'collection',
	placeholder: 'Add Option',
	default: {},
	options: [
		{
			displayName: 'Max Requests per Minute',
			name: 'maxRequestsPerMinute',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: DEFAULT_REQUESTS_PER_MINUTE,
			description: 'Request budget of the node across all items',
		},
	],
};

/**
 * The Get … Status operations: every item's Task ID is checked first, then one status request per item,
 * a few at a time, paced by the node's request budget (Max Requests per Minute).
 */
export async function eachTaskStatus(
	ctx: IExecuteFunctions,
	api: CrescendoApi,
	statusPath: (taskId: string) => string,
	output: (status: TaskStatus, taskId: string) => IDataObject,
): Promise<INodeExecutionData[][]> {
	const limiter = crescendoLimiter(readTiming(ctx, 0).requestsPerMinute, api.transport);
	return await runEach(ctx, {
		requestName: 'The status request',
		concurrency: STATUS_REQUESTS_IN_FLIGHT,
		prepare: (itemIndex) => {
			const taskId = String(ctx.getNodeParameter('taskId', itemIndex, '')).trim();
			if (taskId === '') throw invalidField(ctx.getNode(), itemIndex, 'Task ID', 'is empty');
			return taskId;
		},
		send: async (taskId) => {
			const response = await api.transport.request<TaskStatus>({ method: 'GET', path: statusPath(taskId), limiter });
			return output(response.body ?? {}, taskId);
		},
	});
}
