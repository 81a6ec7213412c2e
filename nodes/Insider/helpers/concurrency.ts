import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { DEFAULT_CONCURRENCY, MAX_CONCURRENCY } from '../transport';

/** The Requests in Parallel option every operation but the export offers. */
export const concurrencyOption: INodeProperties = {
	displayName: 'Requests in Parallel',
	name: 'concurrency',
	type: 'number',
	typeOptions: { minValue: 1, maxValue: MAX_CONCURRENCY },
	default: DEFAULT_CONCURRENCY,
	description: 'How many requests may be in flight at once; the node still paces them under the documented per-minute limit',
};

export function readConcurrency(ctx: IExecuteFunctions): number {
	const value = Number(ctx.getNodeParameter('options.concurrency', 0, DEFAULT_CONCURRENCY));
	return Number.isFinite(value) && value >= 1 ? Math.min(MAX_CONCURRENCY, Math.floor(value)) : DEFAULT_CONCURRENCY;
}
