import type { DecisionContext } from '../decision-context.js';
import type { Role } from '../roles.js';
import { decideWithoutSource, type ShortSku } from './backorder.js';
import { fulfilmentDeadlines, type FulfilmentDeadlines } from './deadlines.js';
import { locationExclusions } from './eligibility.js';
import { coversAny, coversDemand, demandBySku, planSingleLocation, planSplit, type StockPool } from './plan.js';
import type { Location } from './location.js';
import type { SourcingPolicy } from './policy.js';
import { byScoreThenId, scoreLocation } from './score.js';
import { quantityIncludingProtected, sellableQuantity, stockIndex } from './stock.js';
import type { Allocation, Candidate, Coverage, Exclusion, FailedNote, OrderToSource, SourcingSnapshot } from './types.js';
import { failedLocationsNow } from './failed-locations.js';

interface RoutingRecord {
  orderId: string;
  policyVersion: string;
  decidedAt: number;
  /** Every location that could take part, with its score components, best first. */
  candidates: Candidate[];
  /** Every other location, with all the reasons it could not. */
  excluded: Exclusion[];
}

/** One location's part of the plan, with the SLA clock it starts under. */
export interface PlannedFulfilment extends FulfilmentDeadlines {
  fulfilmentId: string;
  locationId: string;
  allocations: Allocation[];
}

interface RoutedPlan {
  plan: Allocation[];
  locationIds: string[];
  split: boolean;
  fulfilments: PlannedFulfilment[];
  /** When the last parcel of the plan is expected to leave. */
  estimatedShipAt: number;
}

export type RoutingDecision =
  | (RoutingRecord & RoutedPlan & { outcome: 'allocated' })
  | (RoutingRecord & RoutedPlan & { outcome: 'needs_approval'; holdReason: 'approval'; approverRole: Role })
  | (RoutingRecord & { outcome: 'backorder'; shortSkus: ShortSku[]; expectedAt: number | null })
  | (RoutingRecord & { outcome: 'cancel'; reason: 'nothing_can_serve' | 'no_inbound_supply'; shortSkus: ShortSku[] });

/**
 * Decides where an order is fulfilled from. One location if any can serve it whole; else a split when
 * the policy allows; else the same again with protected stock, which needs approval; else backorder or
 * cancel. Pure: the same order, snapshot and policy give the same decision.
 */
export function routeOrder(order: OrderToSource, snapshot: SourcingSnapshot, policy: SourcingPolicy, ctx: DecisionContext): RoutingDecision {
  const excludedIds = new Set(snapshot.excludedLocationIds);
  // Only an order some location failed pays for this (a reroute, a backorder that was rerouted).
  const failedNotes = snapshot.failed ? failedNotesOf(snapshot.failed, excludedIds, policy, ctx.now, new Set(order.lines.map((l) => l.sku))) : undefined;
  const sellable = stockIndex(snapshot.stock, sellableQuantity);
  const protectedOnly = stockIndex(snapshot.stock, (s) => quantityIncludingProtected(s) - sellableQuantity(s));
  const askForProtected = policy.protectedStock === 'approval';
  const maySplit = policy.split.allowed && policy.split.maxLocations > 1 && order.shipping.method !== 'pickup';
  const demand = demandBySku(order.lines);
  const qualifies = (pool: StockPool) => coversDemand(pool, demand) || (maySplit && coversAny(pool, order.lines));

  const candidates: Candidate[] = [];
  const excluded: Exclusion[] = [];
  const sellablePools: StockPool[] = [];
  const withProtectedPools: StockPool[] = [];
  const usableBySku = new Map<string, number>();
  const empty = new Map<string, number>();

  for (const location of [...snapshot.locations].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    const reasons = locationExclusions(location, order, excludedIds, policy, ctx.now);
    const own = sellable.get(location.id) ?? empty;
    const sellablePool = { locationId: location.id, score: 0, sellable: own, protected: empty };
    const protectedPool = { ...sellablePool, protected: askForProtected ? (protectedOnly.get(location.id) ?? empty) : empty };
    if (reasons.length === 0) for (const [sku, qty] of own) usableBySku.set(sku, (usableBySku.get(sku) ?? 0) + qty);
    if (!qualifies(sellablePool) && !qualifies(protectedPool)) reasons.push('insufficient_stock');
    const failed = failedNotes?.get(location.id);
    if (reasons.length > 0) {
      excluded.push(failed ? { locationId: location.id, reasons, failed } : { locationId: location.id, reasons });
      continue;
    }
    const coverage = coverageOf(sellablePool, order.lines, demand);
    const coverageWithProtected = askForProtected ? coverageOf(protectedPool, order.lines, demand) : coverage;
    // A location that can serve alone (even if only with approval) is not a split.
    const wouldSplit = coverage !== 'full' && coverageWithProtected !== 'full';
    const scored = scoreLocation(location, order, wouldSplit, policy, ctx.now);
    const candidate: Candidate = { locationId: location.id, coverage, coverageWithProtected, ...scored };
    if (failed) candidate.failed = failed;
    candidates.push(candidate);
    sellablePools.push({ ...sellablePool, score: scored.score });
    withProtectedPools.push({ ...protectedPool, score: scored.score });
  }
  candidates.sort(byScoreThenId);

  const record: RoutingRecord = { orderId: order.orderId, policyVersion: policy.version, decidedAt: ctx.now, candidates, excluded };
  const describe = (plan: Allocation[]) => describePlan(plan, snapshot.locations, ctx);
  const plan = findPlan(order, sellablePools, maySplit, policy.split.maxLocations);
  if (plan) return { ...record, outcome: 'allocated', ...describe(plan) };

  const protectedPlan = askForProtected ? findPlan(order, withProtectedPools, maySplit, policy.split.maxLocations) : null;
  if (protectedPlan) {
    return { ...record, outcome: 'needs_approval', holdReason: 'approval', approverRole: policy.protectedStockApprover, ...describe(protectedPlan) };
  }
  return { ...record, ...decideWithoutSource(order.lines, usableBySku, snapshot.inbound, policy) };
}

/** Each failed location's note for the record; those not back join `excludedIds`. */
function failedNotesOf(
  failed: NonNullable<SourcingSnapshot['failed']>, excludedIds: Set<string>, policy: SourcingPolicy, now: number, wanted: ReadonlySet<string>,
): Map<string, FailedNote> {
  const notes = new Map<string, FailedNote>();
  for (const { locationId, ...note } of failedLocationsNow(failed.locations, failed.stock, policy, now, wanted)) {
    if (!note.back) excludedIds.add(locationId);
    notes.set(locationId, note);
  }
  return notes;
}

function coverageOf(pool: StockPool, lines: OrderToSource['lines'], demand: ReadonlyMap<string, number>): Coverage {
  return coversDemand(pool, demand) ? 'full' : coversAny(pool, lines) ? 'partial' : 'none';
}

function findPlan(order: OrderToSource, pools: StockPool[], maySplit: boolean, maxLocations: number): Allocation[] | null {
  return planSingleLocation(order.lines, pools) ?? (maySplit ? planSplit(order.lines, pools, maxLocations) : null);
}

/** Fulfilment ids come from the context so that a replay of the same event yields the same ids. */
function describePlan(plan: Allocation[], locations: readonly Location[], ctx: DecisionContext): RoutedPlan {
  const locationIds = [...new Set(plan.map((a) => a.locationId))];
  const fulfilments = locationIds.map((locationId) => {
    const location = locations.find((l) => l.id === locationId) as Location;
    return {
      fulfilmentId: ctx.newId('fulfilment'),
      locationId,
      allocations: plan.filter((a) => a.locationId === locationId),
      ...fulfilmentDeadlines(location, ctx.now),
    };
  });
  const estimatedShipAt = Math.max(...fulfilments.map((f) => f.shipBy));
  return { plan, locationIds, split: locationIds.length > 1, fulfilments, estimatedShipAt };
}
