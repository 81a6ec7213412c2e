import type { ChunkLimits } from '../../shared/chunk';
import type { ProfileRoute } from '../transport';
import { MASS_UPDATE_THRESHOLD, MAX_PROFILES_PER_MASS_UPDATE, MAX_PROFILES_PER_UPDATE, MAX_REQUEST_BYTES, REQUEST_CONCURRENCY } from '../transport';

/** The route the profiles go to, and how calls to it are packed and sent. */
export interface RouteChoice {
	route: ProfileRoute;
	limits: ChunkLimits;
	concurrency: number;
	requestName: string;
}

/** "Route": as set, or with Automatic, mass-update once there are more than the threshold to send. */
export function chooseRoute(option: string, profilesToSend: number): RouteChoice {
	const route: ProfileRoute =
		option === 'update' || option === 'massUpdate' ? option : profilesToSend > MASS_UPDATE_THRESHOLD ? 'massUpdate' : 'update';
	return route === 'update'
		? {
				route,
				limits: { maxUnits: MAX_PROFILES_PER_UPDATE, maxBytes: MAX_REQUEST_BYTES },
				concurrency: REQUEST_CONCURRENCY,
				requestName: 'The profile update request',
			}
		: {
				route,
				limits: { maxUnits: MAX_PROFILES_PER_MASS_UPDATE, maxBytes: MAX_REQUEST_BYTES },
				// Mass-update calls go one at a time (see `profileLimiter`).
				concurrency: 1,
				requestName: 'The profile mass-update request',
			};
}
