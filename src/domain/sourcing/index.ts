export { LOCATION_CAPABILITIES, LOCATION_KINDS, type Location, type LocationCapability, type LocationKind } from './location.js';
export { quantityIncludingProtected, sellableQuantity, stockIndex, type StockLevel } from './stock.js';
export { haversineKm } from './geo.js';
export { cutoffOnLocalDay, estimatedShipAt, isBeforeCutoff, parseCutoff } from './local-time.js';
export { fulfilmentDeadlines, type FulfilmentDeadlines } from './deadlines.js';
export type { SourcingPolicy } from './policy.js';
export type {
  Allocation,
  Candidate,
  Coverage,
  Exclusion,
  ExclusionReason,
  FailedNote,
  InboundSupply,
  LineToSource,
  OrderToSource,
  ScoreComponents,
  SourcingSnapshot,
} from './types.js';
export { locationExclusions } from './eligibility.js';
export { scoreLocation, type LocationScore } from './score.js';
export { decideWithoutSource, type NoSourceOutcome, type ShortSku } from './backorder.js';
export { inboundWithRoom, promisedUnits, type OpenBackorder } from './inbound-promises.js';
export { routeOrder, type PlannedFulfilment, type RoutingDecision } from './route-order.js';
export { rerouteOrder, type RerouteDecision, type RerouteRequest } from './reroute.js';
export { failedAgain, failedLocationsNow, type FailedLocation, type FailedLocationStatus, type LocationFailure, type StockVerification } from './failed-locations.js';
