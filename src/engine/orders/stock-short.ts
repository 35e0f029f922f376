import type { HandlerContext } from '../dispatch/handler.js';
import { fulfilmentsToWithdraw, isCollection, type OrderPlacedPayload } from '../../domain/orders/index.js';
import { orderById, waitingReservedAt } from '../../store/repos/orders.js';

export interface ShortfallAtShelf {
  locationId: string;
  sku: string;
  onHand: number;
  reserved: number;
  short: number;
}

/**
 * A count or a shrink found fewer units of a sku than orders hold reserved at a location. The units
 * are not there, so orders routed to them would wait for a rejection (or their SLA) before going
 * elsewhere: the newest waiting fulfilments that cover the shortfall give up their claim now, each
 * through a `fulfilment.stock_short` event its own handler reroutes (as a rejection is). What no
 * waiting fulfilment covers — picked orders' units, click-and-collect orders' — is returned for
 * inventory control's item.
 */
export async function withdrawShortReservations(h: HandlerContext, s: ShortfallAtShelf): Promise<{ withdrawn: Array<{ fulfilmentId: string; orderId: string; qty: number }>; uncovered: number }> {
  const waiting = [];
  for (const f of await waitingReservedAt(h.tx, s.locationId, s.sku)) {
    // A click-and-collect order can only be collected here: routed away it could never be served
    // (the store is excluded for it), so it keeps its claim and its part stays for inventory control.
    const order = await orderById(h.tx, f.orderId);
    if (order && !isCollection(order.doc.placed as unknown as OrderPlacedPayload)) waiting.push(f);
  }
  const { withdraw, uncovered } = fulfilmentsToWithdraw(waiting, s.short);
  for (const f of withdraw) {
    h.emit({
      type: 'fulfilment.stock_short',
      payload: { fulfilmentId: f.fulfilmentId, orderId: f.orderId, locationId: s.locationId, sku: s.sku, onHand: s.onHand, reserved: s.reserved, foundBy: h.event.id },
    });
  }
  return { withdrawn: withdraw.map((f) => ({ fulfilmentId: f.fulfilmentId, orderId: f.orderId, qty: f.qty })), uncovered };
}
