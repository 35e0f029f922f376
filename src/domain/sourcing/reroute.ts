import type { DecisionContext } from '../decision-context.js';
import type { SourcingPolicy } from './policy.js';
import { routeOrder, type RoutingDecision } from './route-order.js';
import type { Allocation, LineToSource, OrderToSource, SourcingSnapshot } from './types.js';

export interface RerouteRequest {
  order: OrderToSource;
  /** The plan in force, before the failure. */
  currentPlan: readonly Allocation[];
  failedLocationId: string;
  failure: 'rejected' | 'expired';
}

export interface RerouteDecision {
  failedLocationId: string;
  failure: 'rejected' | 'expired';
  /** Allocations at other locations: their fulfilments go on untouched. */
  kept: Allocation[];
  /** Allocations at the failed location: their reservations are released. */
  released: Allocation[];
  /**
   * The new decision for the released lines only, with every failed location excluded; null when the
   * failed location held nothing of this order (a late or duplicate failure report).
   */
  routing: RoutingDecision | null;
  /** Every location that failed this order so far, for the next reroute. */
  excludedLocationIds: string[];
}

/**
 * A location that rejects or lets the accept SLA pass is dropped: what it held is routed again, never
 * to a location that already failed this order. Repeated failures walk the chain of next-best
 * locations until none is left, where the routing decision becomes a backorder (or cancel).
 */
export function rerouteOrder(
  request: RerouteRequest,
  snapshot: SourcingSnapshot,
  policy: SourcingPolicy,
  ctx: DecisionContext,
): RerouteDecision {
  const released = request.currentPlan.filter((a) => a.locationId === request.failedLocationId);
  const kept = request.currentPlan.filter((a) => a.locationId !== request.failedLocationId);
  const excludedLocationIds = [...new Set([...snapshot.excludedLocationIds, request.failedLocationId])].sort();
  const remaining: OrderToSource = { ...request.order, lines: linesToRoute(request.order.lines, released) };
  const routing = remaining.lines.length === 0 ? null : routeOrder(remaining, { ...snapshot, excludedLocationIds }, policy, ctx);
  return { failedLocationId: request.failedLocationId, failure: request.failure, kept, released, routing, excludedLocationIds };
}

/** The released quantities per order line, in the order's line order. */
function linesToRoute(lines: readonly LineToSource[], released: readonly Allocation[]): LineToSource[] {
  return lines
    .map((line) => ({
      ...line,
      qty: released.filter((a) => a.lineId === line.lineId).reduce((sum, a) => sum + a.qty, 0),
    }))
    .filter((line) => line.qty > 0);
}
