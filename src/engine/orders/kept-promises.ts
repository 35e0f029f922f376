import type { HandlerContext } from '../dispatch/handler.js';
import type { PolicyBook } from '../policy-book.js';
import type { OrderRecord } from '../../store/repos/orders.js';
import { openBackordersOfSkus, purchaseOrderById, purchaseOrderDates } from '../../store/repos/replenishment.js';
import { INBOUND_STATES } from '../../domain/procurement/purchase-order.js';
import { holdsUnits, keptOnTheShelf, type OpenBackorder } from '../../domain/sourcing/inbound-promises.js';
import type { ShortSku } from '../../domain/sourcing/index.js';
import { revisePromisesUnlessOnTheShelf } from './backorder-promises.js';

/** The promise an open backorder's last routing record made, if it made one with a date. */
function datedPromiseOf(order: OrderRecord): OpenBackorder | null {
  const last = order.doc.routing[order.doc.routing.length - 1] as { outcome?: string; shortSkus?: ShortSku[] } | undefined;
  if (order.state !== 'backordered' || last?.outcome !== 'backorder' || !Array.isArray(last.shortSkus)) return null;
  const b = { orderId: order.id, shortSkus: last.shortSkus };
  return holdsUnits(b) ? b : null;
}

/**
 * A promise kept on the shelf (a PO's news left it its date because its units of the PO were free
 * where the PO delivers) reserves nothing: another order may take the units, and the date would then
 * stand with nothing behind it. The backorder retry, for the orders it looked at and left waiting,
 * checks each PO their promises name that will bring them nothing by their date (closed, or due after
 * the promise): every promise kept on that PO's units — not only this tick's, so the oldest keeps the
 * units first — stands while its units are still free there; the others are promised again by the
 * same rule and path as after the PO's news (the moved date told, a date no receipt keeps withdrawn).
 * Costs one read of the named POs per tick; the rest only when a kept promise exists.
 */
export async function reviseKeptPromisesWithoutUnits(h: HandlerContext, policies: PolicyBook, lookedAt: readonly OrderRecord[]): Promise<void> {
  const promises = lookedAt.map(datedPromiseOf).filter((b): b is OpenBackorder => b !== null);
  const named = [...new Set(promises.flatMap((b) => b.shortSkus.flatMap((s) => s.coveredBy.map((c) => c.poId))))];
  if (named.length === 0) return;
  for (const facts of await purchaseOrderDates(h.tx, named)) {
    const now = { poId: facts.id, inbound: INBOUND_STATES.includes(facts.state), expectedAt: Date.parse(`${facts.expectedDate}T23:59:59.999Z`) };
    if (!promises.some((b) => keptOnTheShelf(b, now))) continue;
    const po = await purchaseOrderById(h.tx, facts.id);
    if (!po) continue;
    // Read afresh: a revision for an earlier PO may have rewritten some of these promises.
    const kept = (await openBackordersOfSkus(h.tx, po.lines.map((l) => l.sku))).filter((b) => keptOnTheShelf(b, now));
    await revisePromisesUnlessOnTheShelf(h, policies, { poId: po.id, promised: kept, open: [] }, po, `its units of purchase order ${po.id} are no longer on the shelf`);
  }
}
