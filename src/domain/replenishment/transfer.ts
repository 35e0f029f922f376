import type { PositionPlan } from './position-plan.js';

/**
 * Locations of the same sku that could give stock, most spare first (then location id). `remaining`
 * is what each still has to give after earlier transfers in this evaluation, so two short locations
 * never both count on the same spare units.
 */
export function transferSources(
  target: PositionPlan,
  sameSku: readonly PositionPlan[],
  remaining: ReadonlyMap<PositionPlan, number>,
  minQuantity: number,
): Array<{ plan: PositionPlan; available: number }> {
  const out: Array<{ plan: PositionPlan; available: number }> = [];
  for (const p of sameSku) {
    if (p === target) continue;
    const available = remaining.get(p) ?? p.excess;
    if (available >= minQuantity && available > 0) out.push({ plan: p, available });
  }
  const id = (p: PositionPlan) => p.position.locationId;
  return out.sort((a, b) => b.available - a.available || (id(a.plan) < id(b.plan) ? -1 : id(a.plan) > id(b.plan) ? 1 : 0));
}
