import type { SourcingPolicy } from './policy.js';
import { rejectedForNonStockReason, type RejectionReasonCode } from '../orders/rejection-reasons.js';

/**
 * A location that failed an order — rejected it or let its deadline pass — is not asked again: a
 * store whose record shows units its shelf does not have rejects every time it is asked, and the
 * order would go back and forth. But for ever was too long: an order only that store can serve (a
 * single-store retailer, a rare item) waited as a backorder even after the store's stock was counted
 * or restocked. The exclusion lifts once the location's stock of what it failed is known again.
 */

/**
 * How it failed. `unrecorded`: an order excluded the location before failure times were kept; it
 * counts as failed at the order's last routing then (never earlier than the real failure, which was
 * routed again at once), and for every sku of the order.
 */
export type LocationFailure = 'rejected' | 'expired' | 'unrecorded';

/** One location that failed this order, as the order keeps it (its last failure there). */
export interface FailedLocation {
  locationId: string;
  failure: LocationFailure;
  /** When it failed (epoch ms, the failure's decision time). */
  at: number;
  /** The skus it failed to serve: its stock of each must be known again since `at`. */
  skus: string[];
  /**
   * A rejection's reason code, when staff gave one: the rule it comes back by (a reason about staff,
   * capacity or a closure: the policy's hours; any other, or none — every failure kept before codes
   * existed — its stock known again). Kept on the order so a replay decides by the same rule.
   */
  reasonCode?: RejectionReasonCode;
}

/**
 * When a location's stock of a sku was last known for certain: counted (when the count was taken,
 * `stock.counted_ms`) or received (a purchase-order receipt, a transfer in, or an adjustment that
 * added units — found, put back, booked in — when it happened: `stock.received_ms`). Not when
 * on-hand last moved (`moved_ms`): a shipment, a till sale or a loss found moves it too and says
 * nothing of what is on the shelf. Null: never.
 */
export interface StockVerification {
  locationId: string;
  sku: string;
  countedMs: number | null;
  receivedMs: number | null;
}

/** Whether a failed location is still left out of this order's routing, and why (for the routing record). */
export interface FailedLocationStatus {
  locationId: string;
  failure: LocationFailure;
  failedAt: number;
  /** True: its exclusion lifted, routing may place the order there again. */
  back: boolean;
  why: string;
  /** The rejection's reason code, when it had one (FailedLocation). */
  reasonCode?: RejectionReasonCode;
}

const SINCE: Record<LocationFailure, string> = {
  rejected: 'the rejection',
  expired: 'the missed deadline',
  unrecorded: "the order's last routing (failure time not recorded)",
};

/**
 * Decides, for each location that failed the order, whether it may be asked again at `now`:
 * - only the skus it failed that the order still waits for count (`wanted`, when given): a cycle count
 *   of the one sku still to place is enough, though the store failed another that went elsewhere
 *   since; a location that failed only skus placed elsewhere since is back;
 * - a rejection for a reason that says nothing about the shelf (no staff, no capacity, closed) comes
 *   back after `reroute.retryNonStockRejectionAfterHours` (or the general hours below, when shorter),
 *   and by nothing else: a count says nothing about the staff. Absent or null: judged as a stock
 *   rejection (below);
 * - back when every such sku was counted or received after the failure (strictly after: a
 *   count in the same millisecond cannot be told to come after the rejection, and the reroute at the
 *   failure itself must never see the location back);
 * - else back when the policy retries failed locations after a number of hours and they have passed
 *   (`reroute.retryFailedLocationAfterHours`; absent or null: never by time alone);
 * - else still excluded, naming what was not seen since.
 * Pure: `verified` are the location's stock rows of those skus as read now.
 */
export function failedLocationsNow(
  failed: readonly FailedLocation[], verified: readonly StockVerification[], policy: SourcingPolicy, now: number, wanted?: ReadonlySet<string>,
): FailedLocationStatus[] {
  return failed.map((f) => {
    const since = f.reasonCode ? `${SINCE[f.failure]} (${f.reasonCode})` : SINCE[f.failure];
    const status = { locationId: f.locationId, failure: f.failure, failedAt: f.at, ...(f.reasonCode ? { reasonCode: f.reasonCode } : {}) };
    const skus = wanted ? f.skus.filter((sku) => wanted.has(sku)) : f.skus;
    if (skus.length === 0 && f.skus.length > 0) return { ...status, back: true, why: `failed only on ${f.skus.join(', ')}, no longer waited for` };
    const byTime = nonStockRetry(f, policy);
    if (byTime) {
      const from = f.at + byTime.hours * 3_600_000;
      return now >= from
        ? { ...status, back: true, why: `${byTime.hours} h since ${since}, not about its stock (reroute.${byTime.key})` }
        : { ...status, back: false, why: `${since} was not about its stock: asked again from ${new Date(from).toISOString()}, ${byTime.hours} h after it (reroute.${byTime.key})` };
    }
    const ways = new Set<'counted' | 'received'>();
    const unseen: string[] = [];
    for (const sku of skus) {
      const row = verified.find((v) => v.locationId === f.locationId && v.sku === sku);
      if (row?.countedMs != null && row.countedMs > f.at) ways.add('counted');
      else if (row?.receivedMs != null && row.receivedMs > f.at) ways.add('received');
      else unseen.push(sku);
    }
    if (skus.length > 0 && unseen.length === 0) {
      return { ...status, back: true, why: `${[...ways].join(' and ')} since ${since}` };
    }
    const hours = policy.reroute?.retryFailedLocationAfterHours ?? null;
    if (hours !== null && now - f.at >= hours * 3_600_000) {
      return { ...status, back: true, why: `${hours} h since ${since} (reroute.retryFailedLocationAfterHours), not counted or received since` };
    }
    const retry = hours !== null ? `; asked again from ${new Date(f.at + hours * 3_600_000).toISOString()}` : '';
    return { ...status, back: false, why: `${unseen.length > 0 ? unseen.join(', ') : 'its stock'} not counted or received since ${since}${retry}` };
  });
}

/**
 * The hours after which a rejection that says nothing about the shelf lets the location be asked
 * again, and the policy key they come from: the non-stock rule's, or the general retry's when that is
 * shorter (it asks every failed location again after its hours). Undefined: judged by the stock rule.
 */
function nonStockRetry(f: FailedLocation, policy: SourcingPolicy): { hours: number; key: string } | undefined {
  if (f.failure !== 'rejected' || !rejectedForNonStockReason(f.reasonCode)) return undefined;
  const hours = policy.reroute?.retryNonStockRejectionAfterHours ?? null;
  if (hours === null) return undefined;
  const general = policy.reroute?.retryFailedLocationAfterHours ?? null;
  return general !== null && general < hours ? { hours: general, key: 'retryFailedLocationAfterHours' } : { hours, key: 'retryNonStockRejectionAfterHours' };
}

/**
 * The location failed the order again (or for the first time: `before` undefined): one entry per
 * location, from the new failure's time, for what it failed both times. One entry keeps one rule, so
 * a rejection for staff, capacity or a closure keeps its code only when nothing earlier there is
 * still in doubt for its stock: the earlier failure was no stock failure either, or it was asked
 * again now for every sku it failed then (it came back for each). Otherwise — it failed a sku for its
 * stock and was asked again only for another — the entry is judged by the stock rule, for all of it,
 * as every failure was before codes. Used by routing and by the backtest alike.
 */
export function failedAgain(before: FailedLocation | undefined, next: FailedLocation): FailedLocation {
  const skus = [...new Set([...(before?.skus ?? []), ...next.skus])].sort();
  const { reasonCode, ...rest } = next;
  const earlierInDoubt = before !== undefined
    && !(before.failure === 'rejected' && rejectedForNonStockReason(before.reasonCode))
    && before.skus.some((sku) => !next.skus.includes(sku));
  const keep = reasonCode !== undefined && !(earlierInDoubt && rejectedForNonStockReason(reasonCode));
  return { ...rest, skus, ...(keep ? { reasonCode } : {}) };
}
