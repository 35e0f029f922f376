import type { PoReceivedPayload } from './events.js';

/** What a receipt does to stock: each received line raises on-hand at the receiving location. */
export interface StockIncrease {
  locationId: string;
  sku: string;
  qty: number;
}

export function stockIncreasesOf(p: PoReceivedPayload): StockIncrease[] {
  const bySku = new Map<string, number>();
  for (const l of p.lines) bySku.set(l.sku, (bySku.get(l.sku) ?? 0) + l.qty);
  return [...bySku].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([sku, qty]) => ({ locationId: p.locationId, sku, qty }));
}
