import type { SqlExecutor } from '../../store/port.js';
import type { OrderRecord } from '../../store/repos/orders.js';
import { stockVerifiedAt } from '../../store/repos/stock.js';
import { failedAgain, type FailedLocation, type LocationFailure, type SourcingSnapshot } from '../../domain/sourcing/index.js';
import type { OrderPlacedPayload, RejectionReasonCode } from '../../domain/orders/index.js';

const NONE: readonly FailedLocation[] = [];
const byLocation = (a: FailedLocation, b: FailedLocation) => (a.locationId < b.locationId ? -1 : a.locationId > b.locationId ? 1 : 0);

/**
 * Every location that failed the order, with when and for which skus. An order excluded a location
 * before failure times were kept has only its id: it counts as failed at the order's last routing
 * (at or after the real failure, which was routed again at once — never earlier, so nothing counted
 * before the failure brings it back) and for every sku of the order (which ones it failed is not
 * known). Lifting those instead of keeping them for ever is the point: such an order may be one
 * that waits for that store's stock now.
 */
export function failedLocationsOf(order: OrderRecord): readonly FailedLocation[] {
  const kept = order.doc.failedLocations;
  // Almost every order: none failed it, and routing reads nothing more.
  if (!kept && order.doc.excludedLocationIds.length === 0) return NONE;
  const known = new Set((kept ?? []).map((f) => f.locationId));
  const unrecorded = order.doc.excludedLocationIds.filter((id) => !known.has(id));
  if (unrecorded.length === 0) return kept ?? NONE;
  const last = order.doc.routing[order.doc.routing.length - 1] as { decidedAt?: unknown } | undefined;
  const at = typeof last?.decidedAt === 'number' ? last.decidedAt : order.placedMs;
  const skus = [...new Set((order.doc.placed as unknown as OrderPlacedPayload).lines.map((l) => l.sku))].sort();
  return [...(kept ?? []), ...unrecorded.map((locationId) => ({ locationId, failure: 'unrecorded' as const, at, skus }))].sort(byLocation);
}

/**
 * An old order's id-only exclusions, given their time when it is first routed after the change (the
 * routing about to be recorded would otherwise become "the last routing" and move them on).
 */
export function pinFailedLocations(order: OrderRecord): readonly FailedLocation[] {
  const all = failedLocationsOf(order);
  if (all.length > 0 && all !== order.doc.failedLocations) order.doc.failedLocations = [...all];
  return all;
}

/**
 * A location rejected the order or let its deadline pass, failing these skus: left out of its routing
 * from now until its stock of them is counted or received, or — a rejection with a reason about staff,
 * capacity or a closure (`reasonCode`) — for the policy's hours (failedLocationsNow). A second failure
 * there starts again from its own time, for what it failed both times (failedAgain).
 */
export function recordFailure(
  order: OrderRecord, locationId: string, failure: Exclude<LocationFailure, 'unrecorded'>, at: number, skus: readonly string[], reasonCode?: RejectionReasonCode,
): void {
  const all = failedLocationsOf(order);
  const before = all.find((f) => f.locationId === locationId);
  const entry = failedAgain(before, { locationId, failure, at, skus: [...skus], ...(reasonCode ? { reasonCode } : {}) });
  order.doc.failedLocations = [...all.filter((f) => f.locationId !== locationId), entry].sort(byLocation);
  // Still written, though failedLocations says it all: a release before this one, rolled back to,
  // reads only the ids and must go on leaving the location out.
  order.doc.excludedLocationIds = [...new Set([...order.doc.excludedLocationIds, locationId])].sort();
}

/** What routing needs to judge them: the failed locations and their stock of those skus as known now (one read; none when nothing failed). */
export async function failedForRouting(db: SqlExecutor, failed: readonly FailedLocation[]): Promise<SourcingSnapshot['failed']> {
  if (failed.length === 0) return undefined;
  return { locations: failed, stock: await stockVerifiedAt(db, failed) };
}
