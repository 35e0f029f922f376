import { sellable, type StockLevel } from '../inventory/stock.js';

/** Stock of one sku at one location is defined once, by inventory; sourcing only reads it. */
export type { StockLevel };

/** What can be promised to a new order without asking anyone: on_hand − reserved − protected, ≥ 0. */
export function sellableQuantity(stock: StockLevel): number {
  return sellable(stock);
}

/** What could be promised if regional ops release the protected quantity: on_hand − reserved, ≥ 0. */
export function quantityIncludingProtected(stock: StockLevel): number {
  return Math.max(0, stock.onHand - stock.reserved);
}

/** Index by location then sku; several rows for one pair are summed (snapshots from several feeds). */
export function stockIndex(rows: readonly StockLevel[], quantity: (row: StockLevel) => number): Map<string, Map<string, number>> {
  const index = new Map<string, Map<string, number>>();
  for (const row of rows) {
    const bySku = index.get(row.locationId) ?? new Map<string, number>();
    bySku.set(row.sku, (bySku.get(row.sku) ?? 0) + quantity(row));
    index.set(row.locationId, bySku);
  }
  return index;
}
