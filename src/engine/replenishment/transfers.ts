import type { EventHandler, HandlerContext } from '../dispatch/handler.js';
import { isRole } from '../../domain/roles.js';
import { DomainError } from '../../domain/errors.js';
import { receiptMs } from '../../domain/inventory/movement-time.js';
import { addOnHand, consumeReserved, releaseReserved } from '../../store/repos/stock.js';
import { markAvailabilityDirty } from '../../store/repos/availability.js';
import { moveTransfer, transferById, type TransferRecord } from '../../store/repos/replenishment.js';
import { REPLENISHMENT_DECIDERS } from './purchase-orders.js';

/**
 * A transfer order's life after it was made (recommendations.ts makes it, reserving its units at the
 * source): the source ships it (`transfer.shipped`), the destination receives it
 * (`transfer.received`), or a buyer cancels it before it leaves (`transfer.cancel_requested`).
 *
 * Why the shipment is its own step: until it is reported, the units stay in the source's on-hand
 * (reserved), though they are on a truck. A count at the source in that time finds them gone and
 * books the shelf as it is — and the receipt then took them off the source a second time. Reported
 * when they leave, they leave the book then, and a count taken after that already saw it.
 */
const subjectOf = (t: TransferRecord) => `transfer:${t.id}`;
const actorOf = (h: HandlerContext) => h.event.actor ?? `source:${h.event.source}`;

async function transferOrFail(h: HandlerContext, transferId: string): Promise<TransferRecord> {
  const t = await transferById(h.tx, transferId);
  if (!t) throw new DomainError('E_NOT_FOUND', `no transfer ${transferId}`);
  return t;
}

const shipped: EventHandler = {
  type: 'transfer.shipped',
  name: 'replenishment.transfer_shipped',
  async handle(h) {
    const p = h.event.payload as { transferId: string; locationId: string; qty?: number; carrier?: string; tracking?: string };
    const t = await transferOrFail(h, p.transferId);
    if (t.fromLocationId !== p.locationId) throw new DomainError('E_CONFLICT', `transfer ${t.id} leaves from ${t.fromLocationId}, not ${p.locationId}`);
    if (t.state !== 'in_transit') {
      // Reported twice, or after a cancel or a receipt (that already booked the source): noted only.
      h.audit({ action: 'transfer.shipment_ignored', subject: subjectOf(t), detail: { state: t.state, eventId: h.event.id } });
      return;
    }
    const at = new Date(h.decision.now).toISOString();
    const qty = Math.min(p.qty ?? t.qty, t.qty);
    // When the units left (the report's occurredAt, never after it reached us nor before the transfer existed).
    const leftMs = receiptMs(h.event, t.createdMs);
    const doc = { ...t.doc, shippedMs: leftMs, shippedQty: qty, carrier: p.carrier ?? null, tracking: p.tracking ?? null, shippedBy: actorOf(h) };
    if (!(await moveTransfer(h.tx, t.id, 'in_transit', 'shipped', doc, at))) throw new Error(`transfer ${t.id} moved while its shipment was booked; retrying`);
    const counted = await consumeReserved(h.tx, t.sku, t.fromLocationId, qty, at, leftMs);
    if (counted !== null) {
      h.audit({ action: 'stock.movement_superseded', subject: `stock:${t.fromLocationId}:${t.sku}`, detail: { movement: 'transfer_out', eventId: h.event.id, transferId: t.id, qty, happenedMs: leftMs, countedMs: counted } });
    }
    // A short shipment: what stayed behind is on the source's shelf and sellable there again.
    if (qty < t.qty) await releaseReserved(h.tx, t.sku, t.fromLocationId, t.qty - qty, at);
    await markAvailabilityDirty(h.tx, [t.sku], h.decision.now);
    h.audit({ action: 'transfer.shipped', subject: subjectOf(t), before: { state: 'in_transit' }, after: { state: 'shipped', qty }, detail: { sku: t.sku, from: t.fromLocationId, to: t.toLocationId, asked: t.qty, carrier: p.carrier ?? null, tracking: p.tracking ?? null } });
    // The destination learns what is coming to it, and how.
    h.outbox({ destination: `location:${t.toLocationId}`, kind: 'transfer.inbound', subject: subjectOf(t), payload: { transferId: t.id, sku: t.sku, qty, fromLocationId: t.fromLocationId, expectedDate: t.expectedDate, carrier: p.carrier ?? null, tracking: p.tracking ?? null } });
  },
};

const received: EventHandler = {
  type: 'transfer.received',
  name: 'replenishment.transfer_received',
  async handle(h) {
    const p = h.event.payload as { transferId: string; locationId: string; qty?: number };
    const t = await transferOrFail(h, p.transferId);
    if (t.toLocationId !== p.locationId) throw new DomainError('E_CONFLICT', `transfer ${t.id} goes to ${t.toLocationId}, not ${p.locationId}`);
    if (t.state !== 'in_transit' && t.state !== 'shipped') {
      h.audit({ action: 'transfer.receipt_ignored', subject: subjectOf(t), detail: { state: t.state } });
      return;
    }
    const at = new Date(h.decision.now).toISOString();
    const sent = t.state === 'shipped' && typeof t.doc.shippedQty === 'number' ? t.doc.shippedQty : t.qty;
    const qty = Math.min(p.qty ?? sent, sent);
    if (!(await moveTransfer(h.tx, t.id, t.state, 'received', { ...t.doc, receivedMs: h.decision.now, receivedQty: qty }, at))) {
      throw new Error(`transfer ${t.id} moved while its receipt was booked; retrying`);
    }
    // Timed by when the goods came in (the receipt's occurredAt, never after it reached us nor before
    // the transfer existed): a count taken after that already saw them on the shelf here.
    const inMs = receiptMs(h.event, t.createdMs);
    if (t.state === 'in_transit') {
      // The source never reported the shipment: it ships what it held reserved now (all of it — a short
      // receipt is a loss in transit, not stock back at the source), timed by the receipt, the latest
      // time it can have left. A count at the source after it really left and before this receipt
      // already saw it gone, and it is taken off again: report `transfer.shipped` to avoid that.
      const outCounted = await consumeReserved(h.tx, t.sku, t.fromLocationId, t.qty, at, inMs);
      if (outCounted !== null) h.audit({ action: 'stock.movement_superseded', subject: `stock:${t.fromLocationId}:${t.sku}`, detail: { movement: 'transfer_out', eventId: h.event.id, transferId: t.id, qty: t.qty, happenedMs: inMs, countedMs: outCounted } });
    }
    const inCounted = await addOnHand(h.tx, t.sku, t.toLocationId, qty, at, inMs);
    if (inCounted !== null) h.audit({ action: 'stock.movement_superseded', subject: `stock:${t.toLocationId}:${t.sku}`, detail: { movement: 'transfer_in', eventId: h.event.id, transferId: t.id, qty, happenedMs: inMs, countedMs: inCounted } });
    await markAvailabilityDirty(h.tx, [t.sku], h.decision.now);
    h.audit({ action: 'transfer.received', subject: subjectOf(t), before: { state: t.state }, after: { state: 'received', qty }, detail: { sku: t.sku, from: t.fromLocationId, to: t.toLocationId, shipped: sent } });
  },
};

const cancel: EventHandler = {
  type: 'transfer.cancel_requested',
  name: 'replenishment.transfer_cancel',
  async handle(h) {
    const p = h.event.payload as { transferId: string; reason?: string };
    const t = await transferOrFail(h, p.transferId);
    const by = actorOf(h);
    if (!isRole(h.event.actorRole) || !REPLENISHMENT_DECIDERS.includes(h.event.actorRole)) {
      h.audit({ action: 'transfer.cancel_refused', subject: subjectOf(t), detail: { by, role: h.event.actorRole } });
      return;
    }
    if (t.state !== 'in_transit') {
      // On the road, arrived or already cancelled: there is nothing at the source to give back.
      h.audit({ action: 'transfer.cancel_ignored', subject: subjectOf(t), detail: { state: t.state, by } });
      return;
    }
    const at = new Date(h.decision.now).toISOString();
    const reason = p.reason ?? null;
    if (!(await moveTransfer(h.tx, t.id, 'in_transit', 'cancelled', { ...t.doc, cancelledMs: h.decision.now, cancelledBy: by, reason }, at))) {
      throw new Error(`transfer ${t.id} moved while it was being cancelled; retrying`);
    }
    await releaseReserved(h.tx, t.sku, t.fromLocationId, t.qty, at);
    await markAvailabilityDirty(h.tx, [t.sku], h.decision.now);
    h.emit({ type: 'transfer.cancelled', subject: subjectOf(t), payload: { transferId: t.id, sku: t.sku, fromLocationId: t.fromLocationId, toLocationId: t.toLocationId, qty: t.qty, by, reason } });
    h.audit({ action: 'transfer.cancelled', subject: subjectOf(t), before: { state: 'in_transit' }, after: { state: 'cancelled' }, detail: { sku: t.sku, from: t.fromLocationId, to: t.toLocationId, released: t.qty, reason } });
    // The source was asked to ship it (`transfer.ship`): now it is told not to.
    h.outbox({ destination: `location:${t.fromLocationId}`, kind: 'transfer.cancelled', subject: subjectOf(t), payload: { transferId: t.id, sku: t.sku, qty: t.qty, toLocationId: t.toLocationId, reason } });
  },
};

/** The handlers of a transfer order after it was made. */
export const transferHandlers = (): EventHandler[] => [shipped, received, cancel];
