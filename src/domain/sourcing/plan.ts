import { byScoreThenId } from './score.js';
import type { Allocation, LineToSource } from './types.js';

/** A ranked location with what it holds for this order: sellable first, then protected (if allowed). */
export interface StockPool {
  locationId: string;
  score: number;
  sellable: ReadonlyMap<string, number>;
  protected: ReadonlyMap<string, number>;
}

const available = (pool: StockPool, sku: string) => (pool.sellable.get(sku) ?? 0) + (pool.protected.get(sku) ?? 0);

/** Units wanted per sku (an order may name a sku on several lines). */
export function demandBySku(lines: readonly LineToSource[]): Map<string, number> {
  const demand = new Map<string, number>();
  for (const line of lines) demand.set(line.sku, (demand.get(line.sku) ?? 0) + line.qty);
  return demand;
}

/** Whether the pool holds every sku's demand (worked out once: the router asks this of every location, several times). */
export function coversDemand(pool: StockPool, demand: ReadonlyMap<string, number>): boolean {
  for (const [sku, qty] of demand) if (available(pool, sku) < qty) return false;
  return true;
}

export function coversAny(pool: StockPool, lines: readonly LineToSource[]): boolean {
  return lines.some((line) => available(pool, line.sku) > 0);
}

/** The best-ranked location that serves the whole order alone, or null. */
export function planSingleLocation(lines: readonly LineToSource[], pools: readonly StockPool[]): Allocation[] | null {
  const demand = demandBySku(lines);
  const best = pools.filter((p) => coversDemand(p, demand)).sort(byScoreThenId)[0];
  return best ? take(best, lines.map((l) => ({ ...l }))) : null;
}

/**
 * Greedy set cover: each round takes the location that covers the most outstanding units (ties by
 * score, then id), which keeps the number of parcels low without an exhaustive search.
 */
export function planSplit(lines: readonly LineToSource[], pools: readonly StockPool[], maxLocations: number): Allocation[] | null {
  const outstanding = lines.map((l) => ({ ...l }));
  const unused = [...pools].sort(byScoreThenId);
  const plan: Allocation[] = [];
  for (let round = 0; round < maxLocations && outstanding.some((l) => l.qty > 0); round++) {
    let best: { pool: StockPool; units: number } | null = null;
    for (const pool of unused) {
      const units = coverableUnits(pool, outstanding);
      if (units > 0 && (best === null || units > best.units)) best = { pool, units };
    }
    if (!best) break;
    plan.push(...take(best.pool, outstanding));
    unused.splice(unused.indexOf(best.pool), 1);
  }
  return outstanding.every((l) => l.qty === 0) ? plan : null;
}

function coverableUnits(pool: StockPool, outstanding: readonly LineToSource[]): number {
  let units = 0;
  for (const [sku, qty] of demandBySku(outstanding)) units += Math.min(qty, available(pool, sku));
  return units;
}

/** Allocates what the pool can give to the outstanding lines (mutating their qty), sellable first. */
function take(pool: StockPool, outstanding: LineToSource[]): Allocation[] {
  const sellable = new Map(pool.sellable);
  const protectedLeft = new Map(pool.protected);
  const allocations: Allocation[] = [];
  for (const line of outstanding) {
    if (line.qty === 0) continue;
    const fromSellable = Math.min(line.qty, sellable.get(line.sku) ?? 0);
    const fromProtected = Math.min(line.qty - fromSellable, protectedLeft.get(line.sku) ?? 0);
    const qty = fromSellable + fromProtected;
    if (qty === 0) continue;
    sellable.set(line.sku, (sellable.get(line.sku) ?? 0) - fromSellable);
    protectedLeft.set(line.sku, (protectedLeft.get(line.sku) ?? 0) - fromProtected);
    allocations.push({ lineId: line.lineId, sku: line.sku, locationId: pool.locationId, qty, protectedQty: fromProtected });
    line.qty -= qty;
  }
  return allocations;
}
