import { dayNumber } from '../replenishment/days.js';
import { INBOUND_STATES, outstandingQty, type PurchaseOrder } from './purchase-order.js';
import type { SupplierReliability } from './reliability.js';

/** One line of an open purchase order as replenishment plans with it. */
export interface InboundLine {
  poId: string;
  supplierId: string;
  locationId: string;
  sku: string;
  qty: number;
  /** The date the supplier last gave (delays applied). */
  expectedDate: string;
  /** The day planning assumes: expectedDate plus the supplier's reliability adjustment. */
  plannedDay: number;
  adjustmentDays: number;
}

/**
 * Outstanding quantities of placed / confirmed / delayed POs. Drafts (recommended, awaiting
 * approval) are not supply yet: the supplier has not been asked.
 */
export function inboundSupply(pos: readonly PurchaseOrder[], reliability: ReadonlyMap<string, SupplierReliability>): InboundLine[] {
  const out: InboundLine[] = [];
  for (const po of pos) {
    if (!INBOUND_STATES.includes(po.state)) continue;
    const adjustmentDays = reliability.get(po.supplierId)?.adjustmentDays ?? 0;
    const plannedDay = dayNumber(po.expectedDate) + adjustmentDays;
    for (const line of po.lines) {
      const qty = outstandingQty(line);
      if (qty <= 0) continue;
      out.push({ poId: po.id, supplierId: po.supplierId, locationId: po.locationId, sku: line.sku, qty, expectedDate: po.expectedDate, plannedDay, adjustmentDays });
    }
  }
  return out;
}
