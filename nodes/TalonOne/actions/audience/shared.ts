import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { requiredText } from '../../helpers';
import { MAX_AUDIENCE_NAME_LENGTH, MAX_ID_LENGTH } from '../../transport';

export const audienceIdField: INodeProperties = {
	displayName: 'Audience ID',
	name: 'audienceId',
	type: 'string',
	required: true,
	default: '',
	placeholder: 'e.g. 382370BKDB946',
	description:
		"The audience's ID in your platform (stored by Talon.One as the audience's integration ID), 1–1000 characters. Not Talon.One's numeric audience ID.",
};

export const audienceNameField: INodeProperties = {
	displayName: 'Audience Name',
	name: 'audienceName',
	type: 'string',
	required: true,
	default: '',
	placeholder: 'e.g. Travel audience',
	description: 'Display name of the audience in Talon.One, 1–1000 characters',
};

export interface AudienceBody extends IDataObject {
	audienceId: string;
	audienceName: string;
}

export function audienceBody(ctx: IExecuteFunctions, itemIndex: number): AudienceBody {
	return {
		audienceId: requiredText(ctx, itemIndex, 'Audience ID', ctx.getNodeParameter('audienceId', itemIndex), MAX_ID_LENGTH),
		audienceName: requiredText(
			ctx,
			itemIndex,
			'Audience Name',
			ctx.getNodeParameter('audienceName', itemIndex),
			MAX_AUDIENCE_NAME_LENGTH,
		),
	};
}

export const audiencePath = (audienceId: string): string => `/cdp/audiences/${encodeURIComponent(audienceId)}`;
