import type { ILoadOptionsFunctions, INodePropertyOptions } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';

import { getProfileFields } from '../../../nodes/Synerise/methods/resourceMapping';
import { Synerise } from '../../../nodes/Synerise/Synerise.node';

describe('Synerise node description', () => {
	const { description } = new Synerise();

	it('is a tool-usable node with n8n operation names and actions', () => {
		expect(description).toMatchObject({ name: 'synerise', usableAsTool: true, credentials: [{ name: 'syneriseApi', required: true }] });
		const operation = description.properties.find((p) => p.name === 'operation');
		const options = operation?.options as INodePropertyOptions[];
		expect(options.map((o) => [o.name, o.value])).toEqual([
			['Create', 'create'],
			['Create or Update', 'upsert'],
			['Delete', 'delete'],
			['Get', 'get'],
			['Get Many', 'getAll'],
			['Reset Sync State', 'resetSyncState'],
			['Update', 'update'],
		]);
		expect(options.every((o) => typeof o.action === 'string' && o.action.length > 0)).toBe(true);
		// Every parameter but notices tells an agent what it is for.
		const undescribed = description.properties.filter((p) => p.type !== 'notice' && !p.description && !['resource', 'operation', 'additionalFields', 'options', 'filters'].includes(p.name));
		expect(undescribed.map((p) => p.name)).toEqual([]);
	});

	it('offers the native profile fields in the mapper, identifiers usable to match, agreements on request', async () => {
		const { fields } = await getProfileFields.call({} as ILoadOptionsFunctions);
		const ids = fields.map((f) => f.id);
		expect(ids.slice(0, 4)).toEqual(['email', 'phone', 'customId', 'uuid']);
		expect(fields.filter((f) => f.canBeUsedToMatch).map((f) => f.id).sort()).toEqual(['customId', 'email', 'phone', 'uuid']);
		expect(fields.find((f) => f.id === 'sex')?.options?.map((o) => o.value)).toEqual(['FEMALE', 'MALE', 'NOT_SPECIFIED', 'OTHER']);
		expect(fields.filter((f) => f.id.startsWith('agreements.')).every((f) => f.type === 'boolean' && f.removed)).toBe(true);
		expect(ids).not.toContain('clientId');
	});
});
