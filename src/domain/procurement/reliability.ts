import { dayNumber } from '../replenishment/days.js';
import type { PurchaseOrder } from './purchase-order.js';
import type { ReliabilityRules } from './reliability-rules.js';

/** One past delivery: what the supplier promised and when the goods actually came. */
export interface ReceiptRecord {
  supplierId: string;
  promisedDate: string;
  receivedDate: string;
}

export interface SupplierReliability {
  supplierId: string;
  receipts: number;
  lateReceipts: number;
  /** late ÷ all receipts; 0 without history. */
  lateShare: number;
  /** Mean days late over the late receipts only: how late this supplier is when it is late. */
  meanDelayDays: number;
  reliable: boolean;
  /** Days added to this supplier's promised dates and lead times when planning (0 when reliable). */
  adjustmentDays: number;
}

/** Receipt history from purchase orders that arrived, measured against the first promise. */
export function receiptRecordsOf(pos: readonly PurchaseOrder[]): ReceiptRecord[] {
  const out: ReceiptRecord[] = [];
  for (const po of pos) {
    if (po.state !== 'received' || po.receivedDate === null) continue;
    out.push({ supplierId: po.supplierId, promisedDate: po.promisedDate ?? po.plannedDate, receivedDate: po.receivedDate });
  }
  return out;
}

export function supplierReliability(records: readonly ReceiptRecord[], rules: ReliabilityRules): Map<string, SupplierReliability> {
  const acc = new Map<string, { n: number; late: number; delay: number }>();
  for (const r of records) {
    const a = acc.get(r.supplierId) ?? { n: 0, late: 0, delay: 0 };
    const delay = dayNumber(r.receivedDate) - dayNumber(r.promisedDate);
    a.n++;
    if (delay > rules.lateToleranceDays) {
      a.late++;
      a.delay += delay;
    }
    acc.set(r.supplierId, a);
  }
  const out = new Map<string, SupplierReliability>();
  for (const [supplierId, a] of acc) out.set(supplierId, judge(supplierId, a.n, a.late, a.delay, rules));
  return out;
}

/** A supplier without history: taken at its word until `minReceipts` deliveries say otherwise. */
export function unknownSupplier(supplierId: string): SupplierReliability {
  return { supplierId, receipts: 0, lateReceipts: 0, lateShare: 0, meanDelayDays: 0, reliable: true, adjustmentDays: 0 };
}

function judge(supplierId: string, n: number, late: number, totalDelay: number, rules: ReliabilityRules): SupplierReliability {
  const lateShare = n === 0 ? 0 : late / n;
  const meanDelayDays = late === 0 ? 0 : totalDelay / late;
  const reliable = n < rules.minReceipts || lateShare <= rules.unreliableLateShare;
  // Whole days: a receipt lands on a day, and rounding up keeps the plan on the cautious side.
  const adjustmentDays = !reliable && rules.adjustExpectedDates ? Math.ceil(meanDelayDays) : 0;
  return { supplierId, receipts: n, lateReceipts: late, lateShare, meanDelayDays, reliable, adjustmentDays };
}
