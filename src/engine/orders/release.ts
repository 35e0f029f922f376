import type { HandlerContext } from '../dispatch/handler.js';
import { reservationsOfOrder, setReservationStatus, type ReservationRecord } from '../../store/repos/orders.js';
import { releaseReserved } from '../../store/repos/stock.js';
import { orderSubject } from './identity.js';
import { markAvailabilityDirty } from '../../store/repos/availability.js';

/** Gives back the active reservations that match, announcing what was released and why. */
export async function releaseReservations(
  h: HandlerContext,
  order: { id: string; source: string; externalOrderId: string },
  reason: string,
  which: (r: ReservationRecord) => boolean = () => true,
): Promise<ReservationRecord[]> {
  const at = new Date(h.decision.now).toISOString();
  const released: ReservationRecord[] = [];
  for (const r of await reservationsOfOrder(h.tx, order.id)) {
    if (r.status !== 'active' || !which(r)) continue;
    if (!(await setReservationStatus(h.tx, r.id, 'released', at))) continue;
    await releaseReserved(h.tx, r.sku, r.locationId, r.qty, at);
    released.push(r);
  }
  if (released.length > 0) {
    await markAvailabilityDirty(h.tx, released.map((r) => r.sku), h.decision.now);
    h.emit({
      type: 'reservation.released',
      subject: orderSubject(order.source, order.externalOrderId),
      payload: { orderId: order.id, reason, reservations: released.map((r) => ({ lineId: r.lineId, sku: r.sku, locationId: r.locationId, qty: r.qty, fulfilmentId: r.fulfilmentId })) },
    });
  }
  return released;
}
