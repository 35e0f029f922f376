import { fixedContext } from '../../../src/domain/decision-context.js';
import type { PurchaseOrder } from '../../../src/domain/procurement/index.js';
import { dayOf, isoDate, type DailyQuantity, type ReplenishmentInput, type ReplenishmentPolicy, type StockPosition, type SupplyOption } from '../../../src/domain/replenishment/index.js';
import { defaultReplenishmentPolicy } from '../../../src/policy/kinds/replenishment.js';

/** Monday 2 June 2025, 06:00 UTC. */
export const NOW = Date.UTC(2025, 5, 2, 6);
export const TODAY = dayOf(NOW);
export const day = (offset: number): string => isoDate(TODAY + offset);
export const ctx = () => fixedContext(NOW);

/** `days` days of history ending yesterday, `perDay(i)` units on the i-th (0 = oldest). */
export function history(days: number, perDay: (i: number, day: number) => number): DailyQuantity[] {
  const out: DailyQuantity[] = [];
  for (let i = 0; i < days; i++) {
    const d = TODAY - days + i;
    const q = perDay(i, d);
    if (q > 0) out.push({ date: isoDate(d), quantity: q });
  }
  return out;
}

/** Steady seller: 10 a day for 8 weeks, so the forecast is exactly 10/day with zero error. */
export const steady = history(56, () => 10);

export function position(locationId: string, onHand: number, extra: Partial<StockPosition> = {}): StockPosition {
  return { sku: 'SKU-1', locationId, onHand, reserved: 0, history: steady, ...extra };
}

export function supplier(supplierId: string, leadTimeDays: number, extra: Partial<SupplyOption> = {}): SupplyOption {
  return { supplierId, leadTimeDays, unitCost: 10, moq: 1, packSize: 1, ...extra };
}

export function openPo(id: string, supplierId: string, qty: number, expectedOffset: number, extra: Partial<PurchaseOrder> = {}): PurchaseOrder {
  return {
    id,
    supplierId,
    locationId: 'A',
    state: 'confirmed',
    lines: [{ sku: 'SKU-1', qty, receivedQty: 0 }],
    expectedDate: day(expectedOffset),
    plannedDate: day(expectedOffset),
    promisedDate: day(expectedOffset),
    receivedDate: null,
    expedite: false,
    ...extra,
  };
}

export function input(extra: Partial<ReplenishmentInput> = {}): ReplenishmentInput {
  return {
    positions: [position('A', 100)],
    supply: [{ sku: 'SKU-1', suppliers: [supplier('SUP-P', 5, { primary: true })] }],
    purchaseOrders: [],
    promotions: [],
    ...extra,
  };
}

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

export function policy(over: DeepPartial<ReplenishmentPolicy> = {}): ReplenishmentPolicy {
  return merge(defaultReplenishmentPolicy, over) as ReplenishmentPolicy;
}

function merge(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (typeof base !== 'object' || base === null || Array.isArray(base) || typeof over !== 'object' || over === null) return over;
  // A tagged union (safetyStock) is replaced whole, never mixed with the default's other variant.
  if ('method' in over) return over;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over)) out[k] = k in out ? merge(out[k], v) : v;
  return out;
}
