import type { Location } from './location.js';
import { estimatedShipAt } from './local-time.js';

export interface FulfilmentDeadlines {
  /** Not accepted by then → the fulfilment expires and the order is rerouted. */
  acceptBy: number;
  /** Not shipped by then → an SLA breach for the watch to escalate. */
  shipBy: number;
}

/** The SLA clock of a fulfilment, from the settings of the location it was assigned to. */
export function fulfilmentDeadlines(
  location: Pick<Location, 'acceptSlaMinutes' | 'timeToShipMinutes' | 'cutoff' | 'utcOffsetMinutes'>,
  assignedAt: number,
): FulfilmentDeadlines {
  return { acceptBy: assignedAt + location.acceptSlaMinutes * 60_000, shipBy: estimatedShipAt(location, assignedAt) };
}
