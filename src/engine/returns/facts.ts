import type { SqlExecutor } from '../../store/port.js';
import type { ReturnReasonCategory } from '../../domain/ai/labels.js';
import type { ReturnCaseFacts } from '../../domain/ai/port.js';
import { sellable } from '../../domain/inventory/stock.js';
import { getProduct } from '../../store/repos/masterdata.js';
import { stockOfSkus } from '../../store/repos/stock.js';
import { customerReturnCount, type ReturnCaseRecord } from '../../store/repos/returns.js';

const DAY_MS = 86_400_000;

/**
 * The facts a disposition is decided on, read once (by the AI worker, outside any transaction) and
 * recorded in `return.classified`: the handler and every replay decide on the recorded facts.
 */
export async function returnCaseFacts(db: SqlExecutor, c: ReturnCaseRecord, category: ReturnReasonCategory): Promise<ReturnCaseFacts> {
  const skus = [...new Set(c.doc.lines.map((l) => l.sku))];
  const stock = await stockOfSkus(db, skus);
  const replacementInStock = c.doc.lines.every((l) => stock.filter((s) => s.sku === l.sku).reduce((n, s) => n + sellable(s), 0) >= l.qty);
  // Warranty terms per supplier are not modelled yet: a product bought from a supplier counts as covered.
  let supplierWarrantyActive = true;
  for (const sku of skus) if (((await getProduct(db, sku))?.supplierIds ?? []).length === 0) supplierWarrantyActive = false;
  const orders = await db.get<{ n: number; first: number | null }>('SELECT COUNT(*) AS n, MIN(placed_ms) AS first FROM orders WHERE customer_id = ?', [c.customerId]);
  const order = await db.get<{ doc: string }>('SELECT doc FROM orders WHERE id = ?', [c.orderId]);
  const createdAt = order ? (JSON.parse(order.doc) as { placed?: { customer?: { createdAt?: string } } }).placed?.customer?.createdAt : undefined;
  const since = createdAt ? Date.parse(createdAt) : Number(orders?.first ?? c.doc.requestedAt);
  return {
    reasonText: c.doc.reason,
    category,
    returnValue: c.doc.value,
    deliveredAt: c.doc.deliveredAt,
    requestedAt: c.doc.requestedAt,
    replacementInStock,
    supplierWarrantyActive,
    customerOrderCount: Number(orders?.n ?? 0),
    customerReturnCount: await customerReturnCount(db, c.customerId, c.id),
    customerAccountAgeDays: Math.max(0, Math.floor((c.doc.requestedAt - since) / DAY_MS)),
  };
}
