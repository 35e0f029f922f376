import { CAPABILITIES, LOCATION_KINDS } from '../masterdata/location.js';

export { LOCATION_KINDS };
export const LOCATION_CAPABILITIES = CAPABILITIES;
export type LocationKind = (typeof LOCATION_KINDS)[number];
export type LocationCapability = (typeof CAPABILITIES)[number];

/**
 * A location as the router sees it: the master data (SPEC §2) plus today's used capacity. The handler
 * builds it from the location record (its ship SLA is `timeToShipMinutes` here) and today's count.
 */
export interface Location {
  id: string;
  kind: LocationKind;
  lat: number;
  lon: number;
  capabilities: readonly LocationCapability[];
  /** Fulfilments the location takes per local day, and how many it already took today. */
  dailyCapacity: number;
  usedCapacityToday: number;
  /** Local "HH:MM": orders after it leave with the next day's collection. */
  cutoff: string;
  /** Fixed offset of the location's local time from UTC (the store keeps it current across DST). */
  utcOffsetMinutes: number;
  /** How long from assignment to handing the parcel over. */
  timeToShipMinutes: number;
  /** How long the location has to accept an assignment before it expires and the order is rerouted. */
  acceptSlaMinutes: number;
  active: boolean;
}
