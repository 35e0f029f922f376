import type { Role } from '../roles.js';

/**
 * What the sourcing deciders read from policy. The zod schema and SPEC defaults live in
 * src/policy/kinds/sourcing.ts and are checked against this shape. See README.md for the formula.
 */
export interface SourcingPolicy {
  version: string;
  /** Weights of the score components; a lower score ranks first. */
  weights: { cost: number; slaRisk: number; split: number; workload: number };
  /** Estimated shipping cost = base + perKm × distance; the cost component is that ÷ reference. */
  shippingCost: { base: number; perKm: number; reference: number };
  sameDay: { radiusKm: number };
  /** Split only when no single location can serve; never across more than maxLocations. */
  split: { allowed: boolean; maxLocations: number };
  /** When only protected stock can serve: ask for approval, or treat it as not there. */
  protectedStock: 'approval' | 'skip';
  protectedStockApprover: Role;
  /** When nothing can serve. */
  whenNothingCanServe: 'backorder' | 'cancel';
  /** A backorder needs inbound supply to wait for; without any, cancel or wait open-ended. */
  backorderWithoutInbound: 'backorder' | 'cancel';
  /**
   * A location that rejected an order or missed its deadline is asked again once its stock of what it
   * failed was counted or received since; `retryFailedLocationAfterHours` also asks it again after
   * that many hours without either (null: only a count or a receipt brings it back). Absent in policy
   * versions written before it existed: null.
   * `retryNonStockRejectionAfterHours`: a location that rejected for a reason that says nothing about
   * its shelf (no staff, no capacity, closed) is asked again after that many hours, whatever its stock
   * (null, or absent in versions written before it: such a rejection counts as a stock one).
   */
  reroute?: { retryFailedLocationAfterHours: number | null; retryNonStockRejectionAfterHours?: number | null };
}
