import type { PurchaseOrderLine } from './purchase-order.js';

/** A line of a purchase order that received more than its tolerance allows. */
export interface OverDelivery {
  sku: string;
  ordered: number;
  received: number;
  /** The most the tolerance lets in without a question (ordered × (1 + tolerance)). */
  allowed: number;
  /** Units above what was ordered (not above the tolerance: that is what the supplier will bill). */
  over: number;
}

/**
 * The lines a receipt took above what was ordered plus the tolerance (policy `receiving`), among the
 * skus this receipt brought. Goods not on the order at all (ordered 0) are always over. The units are
 * on the shelf either way — stock is what is there — but someone in procurement must answer for them
 * before the supplier's invoice is matched: keep and pay, return, or have the order amended.
 */
export function overDeliveries(lines: readonly PurchaseOrderLine[], receivedSkus: ReadonlySet<string>, tolerancePercent: number): OverDelivery[] {
  const out: OverDelivery[] = [];
  for (const l of lines) {
    if (!receivedSkus.has(l.sku)) continue;
    const allowed = Math.floor(l.qty * (1 + tolerancePercent / 100));
    if (l.receivedQty > allowed) out.push({ sku: l.sku, ordered: l.qty, received: l.receivedQty, allowed, over: l.receivedQty - l.qty });
  }
  return out;
}
