import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

/**
 * Version 2 reports a write as what Synerise's 202 means, `status: "queued"`: the change is applied later
 * and no source shows a per-item result (reference §0, §9). Version 1 keeps its `accepted: true` and
 * `deleted: true`, so saved workflows that read them keep working.
 */
export function queuedResult(ctx: IExecuteFunctions, legacy: IDataObject, fields: IDataObject): IDataObject {
	if (ctx.getNode().typeVersion < 2) return { ...legacy, ...fields };
	return { status: 'queued', ...fields };
}
