/**
 * What a sale handed over at a store's till takes off that store's shelf, per sku.
 *
 * The goods are already gone with the customer, so the sale stands whatever the record says. It
 * takes from the units no order has reserved there — protected stock included, which is kept for
 * exactly these customers. When the record shows fewer such units than the till sold, the record is
 * wrong (a miscount, a late receipt): what is there is taken and the rest is `short`, for inventory
 * control to count. Units reserved for orders are never taken: those orders' promises stand until
 * the count says otherwise.
 */
export interface TillTake {
  sku: string;
  sold: number;
  /** Units the record had that no order had reserved, before the sale. */
  free: number;
  taken: number;
  short: number;
}

export function tillTakes(
  lines: ReadonlyArray<{ sku: string; qty: number }>,
  stock: ReadonlyMap<string, { onHand: number; reserved: number }>,
): TillTake[] {
  const sold = new Map<string, number>();
  for (const l of lines) sold.set(l.sku, (sold.get(l.sku) ?? 0) + l.qty);
  return [...sold].map(([sku, qty]) => {
    const level = stock.get(sku);
    const free = level ? Math.max(0, level.onHand - level.reserved) : 0;
    const taken = Math.min(qty, free);
    return { sku, sold: qty, free, taken, short: qty - taken };
  });
}
