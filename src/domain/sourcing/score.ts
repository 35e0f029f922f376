import { distanceToCustomer } from './eligibility.js';
import type { Location } from './location.js';
import { estimatedShipAt } from './local-time.js';
import type { SourcingPolicy } from './policy.js';
import type { ScoreComponents, OrderToSource } from './types.js';

export interface LocationScore {
  distanceKm: number | null;
  estimatedShippingCost: number;
  estimatedShipAt: number;
  components: ScoreComponents;
  score: number;
}

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));
// Rounded so that two locations equal on paper tie exactly and fall back to the id order.
const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/**
 * score = w.cost × cost/reference + w.slaRisk × slaRisk + w.split × split + w.workload × used/daily.
 * Every component is a plain number the routing record keeps, so a choice can be explained.
 */
export function scoreLocation(
  location: Location,
  order: OrderToSource,
  wouldSplit: boolean,
  policy: SourcingPolicy,
  now: number,
): LocationScore {
  const distanceKm = distanceToCustomer(location, order);
  const { base, perKm, reference } = policy.shippingCost;
  // Pickup has no parcel to carry; an unknown address costs the base only (every location alike).
  const carried = order.shipping.method === 'pickup' ? 0 : (distanceKm ?? 0);
  const estimatedShippingCost = round6(base + perKm * carried);
  const shipAt = estimatedShipAt(location, now);
  const components: ScoreComponents = {
    cost: round6(reference > 0 ? estimatedShippingCost / reference : 0),
    slaRisk: round6(slaRisk(shipAt, order.promisedBy, now)),
    split: wouldSplit ? 1 : 0,
    workload: round6(location.dailyCapacity > 0 ? clamp01(location.usedCapacityToday / location.dailyCapacity) : 1),
  };
  const w = policy.weights;
  const score = round6(
    w.cost * components.cost + w.slaRisk * components.slaRisk + w.split * components.split + w.workload * components.workload,
  );
  return { distanceKm: distanceKm === null ? null : round6(distanceKm), estimatedShippingCost, estimatedShipAt: shipAt, components, score };
}

/** Share of the time left before the promise that the location needs to ship: 1 = will miss it. */
function slaRisk(shipAt: number, promisedBy: number | undefined, now: number): number {
  if (promisedBy === undefined) return 0;
  const left = promisedBy - now;
  if (left <= 0) return 1;
  return clamp01((shipAt - now) / left);
}

/** Lower score first; equal scores by location id so the same inputs always give the same plan. */
export function byScoreThenId(a: { score: number; locationId: string }, b: { score: number; locationId: string }): number {
  if (a.score !== b.score) return a.score - b.score;
  return a.locationId < b.locationId ? -1 : a.locationId > b.locationId ? 1 : 0;
}
