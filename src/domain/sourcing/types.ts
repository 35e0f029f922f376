import type { ShippingMethod } from '../orders/events.js';
import type { Location } from './location.js';
import type { StockLevel } from './stock.js';
import type { FailedLocation, FailedLocationStatus, StockVerification } from './failed-locations.js';

export interface LineToSource {
  lineId: string;
  sku: string;
  qty: number;
}

/** The part of an order sourcing needs; the promise is epoch ms. */
export interface OrderToSource {
  orderId: string;
  lines: readonly LineToSource[];
  shipping: {
    method: ShippingMethod;
    address: { lat?: number; lon?: number };
    pickupLocationId?: string;
  };
  promisedBy?: number;
}

/** A purchase order line on its way in, with the date the supplier expects to deliver it. */
export interface InboundSupply {
  poId: string;
  sku: string;
  qty: number;
  expectedAt: number;
}

/** Everything the router may look at, read by the handler in one go. */
export interface SourcingSnapshot {
  locations: readonly Location[];
  /** Stock rows for the order's skus. */
  stock: readonly StockLevel[];
  /** Locations left out of this routing whatever their stock (the backtest's rebuilt failures). */
  excludedLocationIds: readonly string[];
  /**
   * Locations that rejected this order or let it expire, with their stock of what they failed as
   * known now: each is left out unless it came back (failedLocationsNow). Absent: none failed it.
   */
  failed?: { locations: readonly FailedLocation[]; stock: readonly StockVerification[] };
  /** Open purchase orders for the order's skus, for a backorder: the units no open backorder was promised. */
  inbound: readonly InboundSupply[];
}

export interface Allocation {
  lineId: string;
  sku: string;
  locationId: string;
  qty: number;
  /** Part of qty taken from protected stock (0 unless the decision needs approval). */
  protectedQty: number;
}

export type ExclusionReason =
  | 'inactive'
  | 'previously_failed'
  | 'no_capability'
  | 'not_pickup_store'
  | 'outside_radius'
  | 'past_cutoff'
  | 'capacity_exhausted'
  | 'insufficient_stock';

/** What the routing record says of a location that failed this order: left out still, or back, and why. */
export type FailedNote = Omit<FailedLocationStatus, 'locationId'>;

export interface Exclusion {
  locationId: string;
  reasons: ExclusionReason[];
  /** It failed this order before (whether or not that is why it is left out now). */
  failed?: FailedNote;
}

export interface ScoreComponents {
  cost: number;
  slaRisk: number;
  split: number;
  workload: number;
}

export type Coverage = 'full' | 'partial' | 'none';

export interface Candidate {
  locationId: string;
  /** What its sellable stock covers: every line alone, or only some units (part of a split). */
  coverage: Coverage;
  /** The same counting protected stock too ('none' beyond sellable when the policy skips protected). */
  coverageWithProtected: Coverage;
  distanceKm: number | null;
  estimatedShippingCost: number;
  estimatedShipAt: number;
  components: ScoreComponents;
  /** Σ weight × component; lower ranks first, ties by location id. */
  score: number;
  /** It failed this order before and came back (its stock was counted or received since). */
  failed?: FailedNote;
}
