import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { runEach } from '../../../shared/bulk';
import type { VendorResponse } from '../../../shared/transport';
import { VendorHttpError } from '../../../shared/transport';
import { pathValue } from '../../helpers/profile';
import { queuedResult } from '../../helpers/queuedResult';
import type { SyneriseApi } from '../../transport';
import { DELETE_BY_CUSTOM_ID_OTHER_SEGMENT, DELETE_BY_CUSTOM_ID_SEGMENT, PROFILE_PATHS, SINGLE_CONCURRENCY } from '../../transport';

const properties: INodeProperties[] = [
	{
		displayName: 'Delete By',
		name: 'identifierType',
		type: 'options',
		options: [
			{ name: 'Client ID', value: 'clientId', description: 'The numeric ID Synerise gave the profile' },
			{
				name: 'Custom ID',
				value: 'customId',
				description: 'Synerise\'s own clients spell this route two ways (with and without a hyphen); the node tries the other spelling when the first does not exist',
			},
		],
		default: 'clientId',
		description: 'Which identifier finds the profile to delete (Synerise has delete routes for these two)',
	},
	{
		displayName: 'Value',
		name: 'identifierValue',
		type: 'string',
		required: true,
		default: '',
		description: 'The client ID or custom ID of the profile to delete. Deletion is permanent.',
	},
];

export const description = updateDisplayOptions({ show: { resource: ['profile'], operation: ['delete'] } }, properties);

/** A 404 with no error body: the route does not exist (a profile that is not found comes with one). */
function noSuchRoute(error: unknown): boolean {
	if (!(error instanceof VendorHttpError) || error.statusCode !== 404) return false;
	const body = error.body;
	return body === undefined || body === null || (typeof body === 'string' && body.trim() === '');
}

async function send(api: SyneriseApi, segment: string, value: string): Promise<VendorResponse> {
	const path = segment === '' ? PROFILE_PATHS.byId(value) : PROFILE_PATHS.by(segment, value);
	return await api.request({ method: 'DELETE', path });
}

/**
 * Deletes by customId through the spelling that worked in this execution (reference §0). Until one has
 * worked, calls go one at a time, so the first 404 without a body switches every later item to the other
 * spelling instead of each item finding out on its own.
 */
async function deleteByCustomId(api: SyneriseApi, value: string): Promise<VendorResponse> {
	const memory = api.remembered;
	while (memory.deleteByCustomIdSegment === undefined && memory.deleteByCustomIdProbe) await memory.deleteByCustomIdProbe;
	if (memory.deleteByCustomIdSegment !== undefined) return await send(api, memory.deleteByCustomIdSegment, value);
	const probe = probeDelete(api, value);
	// Later items wait for the probe to settle, whatever its outcome; its failure is this item's alone.
	memory.deleteByCustomIdProbe = probe.then(
		() => undefined,
		() => undefined,
	);
	try {
		return await probe;
	} finally {
		memory.deleteByCustomIdProbe = undefined;
	}
}

/**
 * The constant's spelling, then once the other one after a 404 without a body. Any other answer (success,
 * a profile not found with its error object, a 403) shows the route exists, so its spelling is kept.
 */
async function probeDelete(api: SyneriseApi, value: string): Promise<VendorResponse> {
	for (const segment of [DELETE_BY_CUSTOM_ID_SEGMENT, DELETE_BY_CUSTOM_ID_OTHER_SEGMENT]) {
		const answer = await send(api, segment, value).then(
			(response) => ({ response, failure: undefined }),
			(failure: unknown) => ({ response: undefined, failure }),
		);
		if (answer.response) {
			api.remembered.deleteByCustomIdSegment = segment;
			return answer.response;
		}
		if (noSuchRoute(answer.failure)) continue;
		if (answer.failure instanceof VendorHttpError) api.remembered.deleteByCustomIdSegment = segment;
		// The engine's runEach turns it into the item's error (requestFailed), as for any failed call.
		throw answer.failure;
	}
	throw new VendorHttpError(
		404,
		undefined,
		`The service answered 404 without a body on both delete routes, ${PROFILE_PATHS.by(DELETE_BY_CUSTOM_ID_SEGMENT, '…')} and ${PROFILE_PATHS.by(DELETE_BY_CUSTOM_ID_OTHER_SEGMENT, '…')}`,
	);
}

export async function execute(this: IExecuteFunctions, api: SyneriseApi): Promise<INodeExecutionData[][]> {
	return await runEach(this, {
		prepare: (itemIndex) => {
			const type = this.getNodeParameter('identifierType', itemIndex) as string;
			const raw = String(this.getNodeParameter('identifierValue', itemIndex) ?? '').trim();
			return { type, raw, value: pathValue(this.getNode(), itemIndex, type, raw) };
		},
		keys: ({ type, raw }) => [`${type}:${raw.toLowerCase()}`],
		concurrency: SINGLE_CONCURRENCY,
		requestName: 'The delete request',
		send: async ({ type, raw, value }) => {
			const response = type === 'clientId' ? await send(api, '', value) : await deleteByCustomId(api, value);
			return queuedResult(this, { deleted: true }, { statusCode: response.statusCode, [type]: raw });
		},
	});
}
