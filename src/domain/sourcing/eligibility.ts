import { haversineKm } from './geo.js';
import type { Location } from './location.js';
import { isBeforeCutoff } from './local-time.js';
import type { SourcingPolicy } from './policy.js';
import type { ExclusionReason, OrderToSource } from './types.js';

/** Kinds that can hand a parcel to a same-day courier close to the customer. */
const SAME_DAY_KINDS: readonly Location['kind'][] = ['store', 'dark_store'];

export function distanceToCustomer(location: Location, order: OrderToSource): number | null {
  const { lat, lon } = order.shipping.address;
  if (lat === undefined || lon === undefined) return null;
  return haversineKm(location, { lat, lon });
}

/**
 * Everything about a location, apart from its stock, that rules it out for this order. All reasons are
 * collected, not just the first, so an operator sees the whole picture in the routing record.
 */
export function locationExclusions(
  location: Location,
  order: OrderToSource,
  excludedIds: ReadonlySet<string>,
  policy: SourcingPolicy,
  now: number,
): ExclusionReason[] {
  const reasons: ExclusionReason[] = [];
  if (!location.active) reasons.push('inactive');
  if (excludedIds.has(location.id)) reasons.push('previously_failed');
  reasons.push(...methodExclusions(location, order, policy, now));
  if (location.usedCapacityToday >= location.dailyCapacity) reasons.push('capacity_exhausted');
  return reasons;
}

function methodExclusions(location: Location, order: OrderToSource, policy: SourcingPolicy, now: number): ExclusionReason[] {
  const { method, pickupLocationId } = order.shipping;
  if (method === 'pickup') {
    if (location.id !== pickupLocationId) return ['not_pickup_store'];
    return location.capabilities.includes('pickup') ? [] : ['no_capability'];
  }
  if (method === 'same_day') {
    const reasons: ExclusionReason[] = [];
    if (!location.capabilities.includes('same_day') || !SAME_DAY_KINDS.includes(location.kind)) reasons.push('no_capability');
    const distance = distanceToCustomer(location, order);
    // Without coordinates nobody can show the address is inside the radius: same day is not promised.
    if (distance === null || distance > policy.sameDay.radiusKm) reasons.push('outside_radius');
    if (!isBeforeCutoff(location, now)) reasons.push('past_cutoff');
    return reasons;
  }
  return location.capabilities.includes('ship') ? [] : ['no_capability'];
}
