import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { MAX_AUDIENCE_NAME_LENGTH, MAX_ID_LENGTH } from '../transport';
import { requiredText } from './requiredText';

/** The fields the audience operations share, and the request body they make. */
export const audienceIdField: INodeProperties = {
	displayName: 'Audience ID',
	name: 'audienceId',
	type: 'string',
	required: true,
	default: '',
	placeholder: 'e.g. 382370BKDB946',
	description: `The audience's ID in your platform (stored by Talon.One as the audience's integration ID), 1–${MAX_ID_LENGTH} characters. Not Talon.One's numeric audience ID.`,
};

export const audienceNameField: INodeProperties = {
	displayName: 'Audience Name',
	name: 'audienceName',
	type: 'string',
	required: true,
	default: '',
	placeholder: 'e.g. Travel audience',
	description: `Display name of the audience in Talon.One, 1–${MAX_AUDIENCE_NAME_LENGTH} characters`,
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
