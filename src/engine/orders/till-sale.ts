import type { HandlerContext } from '../dispatch/handler.js';
import type { PolicyBook } from '../policy-book.js';
import { DomainError } from '../../domain/errors.js';
import { tillTakes, type OrderPlacedPayload } from '../../domain/orders/index.js';
import type { OrderRecord, ReservationRecord } from '../../store/repos/orders.js';
import { getLocation } from '../../store/repos/masterdata.js';
import { countedRowsAt, takeOffShelf } from '../../store/repos/stock.js';
import { supersededSkus, tillSaleMs } from '../../domain/inventory/movement-time.js';
import { journalFromMs, type StockJournalRetention } from '../handlers/stock-journal.js';
import { markAvailabilityDirty } from '../../store/repos/availability.js';
import { openException } from '../exceptions/open.js';
import { tillStoreRefusal } from '../../connectors/channels/pos.js';
import { addHandedOver, moveOrder } from './transition.js';
import { orderSubject } from './identity.js';
import { localDay } from './snapshot.js';

/**
 * A sale handed over at a store's till (`order.placed` with `handedOverAt`, as the POS adapter sends
 * every sale). Routing, reservations, the store's worklist and its SLA clocks are for goods still on
 * a shelf; these left with the customer. So the order is recorded as delivered by that store: one
 * fulfilment, delivered, taking no place of the store's daily capacity; one consumed reservation per
 * line, so the order shows where each line came from; the units off the store's shelf (tillTakes:
 * protected stock included, reserved units never). Units the record did not have free open a stock
 * discrepancy for inventory control. The ERP gets the sale through `order.handed_over`. A location
 * without a till (tillStoreRefusal: a DC, a dark store) is refused: nothing is booked there.
 * The units left the shelf when they were handed over (handedOverAt, never after the sale reached
 * us, nor behind the stock journal's horizon when `journal` is given): a sku whose row was counted
 * after that already had them gone in that count — nothing is taken off again, nothing is short
 * (`stock.movement_superseded`; docs/orders.md, "Stock counts").
 */
export async function handOverAtTill(h: HandlerContext, policies: PolicyBook, order: OrderRecord, journal?: StockJournalRetention): Promise<void> {
  const p = order.doc.placed as unknown as OrderPlacedPayload;
  const storeId = p.shipping.pickupLocationId!; // the schema requires it of a handed-over sale
  const store = await getLocation(h.tx, storeId);
  // Retried, then dead-lettered where an integrator sees it: the store's master data may be on its way.
  if (!store) throw new DomainError('E_NOT_FOUND', `till sale ${order.externalOrderId} at unknown location ${storeId}`);
  // The POS adapter refuses such a batch at intake; a sale sent as a canonical event reaches us here.
  // Booked, it would take units off a DC's or dark store's shelf. E_CONFLICT (the sale contradicts
  // the location's record): dead at once, the event kept in the dead-letter queue for a replay.
  const refusal = tillStoreRefusal(store);
  if (refusal?.reason === 'not_a_store') throw new DomainError('E_CONFLICT', `till sale ${order.externalOrderId} at ${storeId}: not a store with a till (a ${refusal.kind}); send it from the store that sold it`);
  const at = new Date(h.decision.now).toISOString();
  const deliveredMs = handedOverMs(p.handedOverAt!, h.decision.now);
  const subject = orderSubject(order.source, order.externalOrderId);

  const soldMs = tillSaleMs(p.handedOverAt!, h.decision.now, journalFromMs(journal, h.decision.now));
  // Every sku's row in one statement, with when it was counted (a sale made before that count is in it).
  const { held } = await countedRowsAt(h.tx, storeId, p.lines.map((l) => l.sku));
  const superseded = supersededSkus(held, soldMs);
  for (const [sku, countedMs] of superseded) {
    const qty = p.lines.filter((l) => l.sku === sku).reduce((n, l) => n + l.qty, 0);
    h.audit({ action: 'stock.movement_superseded', subject: `stock:${storeId}:${sku}`, detail: { movement: 'till_sale', eventId: h.event.id, orderId: order.id, qty, happenedMs: soldMs, countedMs } });
  }
  const takes = tillTakes(p.lines.filter((l) => !superseded.has(l.sku)), held);
  for (const t of takes) {
    // Read in this transaction; on PostgreSQL another may have moved it (or counted it) since: retried on fresh stock.
    if (t.taken > 0 && !(await takeOffShelf(h.tx, t.sku, storeId, t.taken, at, soldMs))) {
      throw new Error(`stock of ${t.sku} at ${storeId} changed while recording till sale ${order.externalOrderId}; retrying on fresh stock`);
    }
  }
  await markAvailabilityDirty(h.tx, takes.map((t) => t.sku), h.decision.now);

  const short: Array<{ sku: string; qty: number; exceptionId: string }> = [];
  for (const t of takes.filter((x) => x.short > 0)) {
    const reservedThere = held.get(t.sku)?.reserved ?? 0;
    const { exceptionId } = await openException(h, {
      category: 'reconciliation_discrepancy',
      subjectRef: `stock:${t.sku}@${storeId}`,
      summary: `till sale ${order.externalOrderId}: ${t.sold} × ${t.sku} sold at ${storeId}, where the record had ${t.free} not promised to orders; count the shelf${reservedThere > 0 ? ` (${reservedThere} reserved for orders there may be short)` : ''}`,
      detail: { kind: 'till_sale_short', orderId: order.id, sku: t.sku, locationId: storeId, sold: t.sold, free: t.free, short: t.short, reservedForOrders: reservedThere },
    });
    short.push({ sku: t.sku, qty: t.short, exceptionId });
  }

  const fulfilmentId = h.decision.newId('fulfilment');
  const reservations: ReservationRecord[] = p.lines.map((l) => ({
    id: h.decision.newId('reservation'), orderId: order.id, lineId: l.lineId, fulfilmentId, sku: l.sku, locationId: storeId, qty: l.qty, status: 'consumed',
  }));
  await addHandedOver(h, order, {
    id: fulfilmentId, orderId: order.id, locationId: storeId, state: 'delivered', acceptByMs: h.decision.now, shipByMs: h.decision.now,
    createdMs: h.decision.now, localDay: localDay(h.decision.now, store.utcOffsetMinutes ?? 0), lines: p.lines.map((l) => ({ lineId: l.lineId, sku: l.sku, qty: l.qty })),
    carrier: null, tracking: null,
  }, reservations);
  const plan = reservations.map((r) => ({ lineId: r.lineId, sku: r.sku, locationId: storeId, qty: r.qty, fulfilmentId }));
  h.emit({ type: 'order.handed_over', subject, payload: { orderId: order.id, locationId: storeId, handedOverAt: p.handedOverAt!, plan, short } });
  // The sale was made, checked and handed over in one moment at the till: the steps this event already
  // recorded (received, validated) are dated at the handover too, so a late upload does not show the
  // order delivered before it was received. When the upload arrived is the event's `receivedAt`.
  for (const step of order.doc.history) if (step.eventId === h.event.id && step.at > deliveredMs) step.at = deliveredMs;
  moveOrder(h, order, 'delivered', await policies.get('orders', h.tx), {
    note: `handed over at the till of ${storeId}${short.length ? `; ${short.map((s) => `${s.qty} × ${s.sku}`).join(', ')} beyond the record` : ''}`,
    tellCustomer: false,
    at: deliveredMs,
  });
}

/**
 * When the order counts as delivered: when the customer left with the goods, not when the till's
 * upload (often at the end of the day, or a backlog after an outage) reached us — a return window
 * counts from it. A till clock ahead of ours is clamped to the decision time: a delivery in the future
 * would stretch the window and show the order delivered before it was. An early time is kept however
 * far back: the customer has had the goods since then.
 */
export function handedOverMs(handedOverAt: string, now: number): number {
  return Math.min(Date.parse(handedOverAt), now);
}
