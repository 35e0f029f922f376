import type { HandlerContext } from '../dispatch/handler.js';
import type { LineToSource } from '../../domain/sourcing/index.js';
import { GONE_OUT_FULFILMENT_STATES, LIVE_FULFILMENT_STATES, OPEN_FULFILMENT_STATES, orderStateFromFulfilments, type OrderPlacedPayload, type OrdersPolicy } from '../../domain/orders/index.js';
import { fulfilmentsOfOrder, setFulfilmentState, type OrderRecord } from '../../store/repos/orders.js';
import { orderSubject } from './identity.js';
import { releaseReservations } from './release.js';
import { moveOrder } from './transition.js';


/**
 * Stops what has not left a building: open fulfilments are cancelled (the location is told) and the
 * order's active reservations released. A cancel, a payment that fails after allocation and a policy
 * cancel when nothing can serve all end this way — a fulfilment left open after its reservation is
 * gone could still be picked and shipped, and shipping it would take nothing off the shelf.
 */
export async function stopOpenFulfilments(h: HandlerContext, order: OrderRecord, reason: string): Promise<void> {
  const at = new Date(h.decision.now).toISOString();
  for (const f of await fulfilmentsOfOrder(h.tx, order.id)) {
    if (!OPEN_FULFILMENT_STATES.includes(f.state)) continue;
    await setFulfilmentState(h.tx, f.id, 'cancelled', at);
    h.outbox({ destination: `location:${f.locationId}`, kind: 'fulfilment.cancelled', subject: orderSubject(order.source, order.externalOrderId), payload: { fulfilmentId: f.id, orderId: order.id, reason } });
  }
  await releaseReservations(h, order, reason);
}

/**
 * Cancels what has not left a building (a cancel request, a fraud review turned down, an order nobody
 * collected, a policy cancel when nothing can serve). Nothing has: the whole order is cancelled. A part
 * has: only the rest is — its open fulfilments stop and their stock is released, `order.cancelled` says
 * `partial` and names the lines cancelled (what the channel refunds), and the order follows what went
 * out (shipped, later delivered). Before, the whole order was cancelled with a parcel on its way.
 */
export async function cancelWhatHasNotShipped(h: HandlerContext, order: OrderRecord, policy: OrdersPolicy, reason: string, stopReason: string): Promise<void> {
  await stopOpenFulfilments(h, order, stopReason);
  const subject = orderSubject(order.source, order.externalOrderId);
  const states = (await fulfilmentsOfOrder(h.tx, order.id)).map((f) => f.state);
  if (!states.some((s) => GONE_OUT_FULFILMENT_STATES.includes(s))) {
    h.emit({ type: 'order.cancelled', subject, payload: { orderId: order.id, reason } });
    moveOrder(h, order, 'cancelled', policy, { note: reason });
    return;
  }
  const lines = await unservedLines(h, order);
  h.emit({ type: 'order.cancelled', subject, payload: { orderId: order.id, reason, partial: true, lines } });
  const note = `${reason}: ${lines.map((l) => `${l.qty} × ${l.sku}`).join(', ') || 'nothing'} cancelled; what went out goes on`;
  const next = orderStateFromFulfilments(states) ?? order.state;
  if (next === order.state) order.doc.history.push({ at: h.decision.now, from: order.state, to: order.state, eventId: h.event.id, note });
  else moveOrder(h, order, next, policy, { note });
}

/**
 * The placed lines' quantities no live fulfilment carries: what routing still has to place when an
 * order is routed again (stock back for a backorder, a cleared hold). Routing the whole order again
 * would reserve and assign a second time the lines a live fulfilment already holds.
 */
export async function unservedLines(h: HandlerContext, order: OrderRecord): Promise<LineToSource[]> {
  const carried = new Map<string, number>();
  for (const f of await fulfilmentsOfOrder(h.tx, order.id)) {
    if (!LIVE_FULFILMENT_STATES.includes(f.state)) continue;
    for (const l of f.lines) carried.set(l.lineId, (carried.get(l.lineId) ?? 0) + l.qty);
  }
  const placed = (order.doc.placed as unknown as OrderPlacedPayload).lines;
  return placed.flatMap((l) => {
    const qty = l.qty - (carried.get(l.lineId) ?? 0);
    return qty > 0 ? [{ lineId: l.lineId, sku: l.sku, qty }] : [];
  });
}
