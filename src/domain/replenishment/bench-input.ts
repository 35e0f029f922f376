import type { PurchaseOrder } from '../procurement/purchase-order.js';
import { DAY_MS, isoDate } from './days.js';
import type { DailyQuantity } from './history.js';
import type { Promotion } from './promotion.js';
import type { ReplenishmentInput, SkuSupply, StockPosition } from './types.js';
import { seededRandom } from '../random.js';

/**
 * A synthetic network for benchmarks and load tests of evaluateReplenishment: `skus` × `locations`
 * positions with `historyDays` of daily order history. Regular sellers (weekly rhythm) and
 * intermittent ones, two or three suppliers per sku (some of them unreliable, from receipt history),
 * open POs (some delayed) and promotions. A seeded PRNG makes a seed always give the same network.
 */
export interface BenchInputOptions {
  seed?: number;
  skus?: number;
  locations?: number;
  historyDays?: number;
  /** The evaluation instant the history ends at. */
  now?: number;
}

export interface BenchInput {
  input: ReplenishmentInput;
  now: number;
}

export function buildBenchInput(options: BenchInputOptions = {}): BenchInput {
  const { seed = 42, skus = 500, locations = 10, historyDays = 90, now = Date.UTC(2025, 5, 2, 6) } = options;
  const rand = seededRandom(seed);
  const today = Math.floor(now / DAY_MS);
  const locationIds = Array.from({ length: locations }, (_, i) => `LOC-${String(i + 1).padStart(2, '0')}`);
  const supplierIds = Array.from({ length: 40 }, (_, i) => `SUP-${String(i + 1).padStart(3, '0')}`);
  const weekly = [0.7, 1.1, 0.9, 0.9, 1.0, 1.2, 1.2];

  const supply: SkuSupply[] = [];
  const positions: StockPosition[] = [];
  const purchaseOrders: PurchaseOrder[] = [];
  const promotions: Promotion[] = [];
  let poSeq = 0;

  for (let s = 0; s < skus; s++) {
    const sku = `SKU-${String(s + 1).padStart(5, '0')}`;
    const nSuppliers = 2 + Math.floor(rand() * 2);
    const first = Math.floor(rand() * supplierIds.length);
    supply.push({
      sku,
      suppliers: Array.from({ length: nSuppliers }, (_, k) => ({
        supplierId: supplierIds[(first + k * 7) % supplierIds.length]!,
        leadTimeDays: 3 + Math.floor(rand() * 12),
        unitCost: Math.round((2 + rand() * 60) * 100) / 100,
        moq: [1, 6, 12, 24][Math.floor(rand() * 4)]!,
        packSize: [1, 6, 12][Math.floor(rand() * 3)]!,
        primary: k === 0,
      })),
    });
    const intermittent = rand() < 0.3;
    const mean = intermittent ? 0.1 + rand() * 0.4 : 1 + rand() * 20;
    if (rand() < 0.04) {
      promotions.push({ promotionId: `PROMO-${s}`, skus: [sku], uplift: 1.3 + rand(), from: isoDate(today + 2), to: isoDate(today + 9) });
    }
    for (const locationId of locationIds) {
      const history: DailyQuantity[] = [];
      for (let d = historyDays; d >= 1; d--) {
        const day = today - d;
        const q = intermittent ? (rand() < mean ? 1 + Math.floor(rand() * 6) : 0) : poisson(rand, mean * weekly[(((day + 4) % 7) + 7) % 7]!);
        if (q > 0) history.push({ date: isoDate(day), quantity: q });
      }
      const daily = intermittent ? mean * 3.5 : mean;
      const onHand = Math.floor(daily * rand() * 25);
      positions.push({ sku, locationId, onHand, reserved: Math.floor(onHand * rand() * 0.1), history });
      if (rand() < 0.3) {
        const sup = supply[supply.length - 1]!.suppliers[0]!;
        const expected = isoDate(today + 1 + Math.floor(rand() * 10));
        const delayed = rand() < 0.2;
        purchaseOrders.push({
          id: `PO-${++poSeq}`,
          supplierId: sup.supplierId,
          locationId,
          state: delayed ? 'delayed' : 'confirmed',
          lines: [{ sku, qty: Math.max(sup.moq, Math.ceil(daily * 10)), receivedQty: 0 }],
          expectedDate: delayed ? isoDate(today + 8 + Math.floor(rand() * 8)) : expected,
          plannedDate: expected,
          promisedDate: expected,
          receivedDate: null,
          expedite: false,
        });
      }
    }
  }
  // Receipt history: every supplier has delivered; a quarter of them are often late.
  for (const [i, supplierId] of supplierIds.entries()) {
    const lateProbability = i % 4 === 0 ? 0.5 : 0.05;
    for (let k = 0; k < 8; k++) {
      const promised = today - 10 - k * 9;
      const late = rand() < lateProbability ? 1 + Math.floor(rand() * 6) : 0;
      purchaseOrders.push({
        id: `PO-${++poSeq}`,
        supplierId,
        locationId: locationIds[k % locationIds.length]!,
        state: 'received',
        lines: [{ sku: supply[(i * 8 + k) % supply.length]!.sku, qty: 10, receivedQty: 10 }],
        expectedDate: isoDate(promised),
        plannedDate: isoDate(promised),
        promisedDate: isoDate(promised),
        receivedDate: isoDate(promised + late),
        expedite: false,
      });
    }
  }
  return { input: { positions, supply, purchaseOrders, promotions }, now };
}

function poisson(rand: () => number, mean: number): number {
  if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * (rand() + rand() + rand() - 1.5) * 2));
  const limit = Math.exp(-mean);
  let k = 0;
  let p = rand();
  while (p > limit) {
    k++;
    p *= rand();
  }
  return k;
}
