import type { EventHandler, HandlerContext } from '../dispatch/handler.js';
import type { Tx } from '../../store/port.js';
import { isRole } from '../../domain/roles.js';
import { DomainError } from '../../domain/errors.js';
import { receiptMs } from '../../domain/inventory/movement-time.js';
import { countMayHaveMissedShipment, impliedShipmentMs, recountOwner } from '../../domain/replenishment/transfer-shipment.js';
import { addOnHand, adjustedStockAt, consumeReserved, releaseReserved } from '../../store/repos/stock.js';
import { markAvailabilityDirty } from '../../store/repos/availability.js';
import { getLocation } from '../../store/repos/masterdata.js';
import { exceptionById, queryExceptions } from '../../store/repos/exceptions.js';
import { moveTransfer, transferById, type TransferRecord } from '../../store/repos/replenishment.js';
import { openException } from '../exceptions/open.js';
import { resolveOpenItem } from '../exceptions/resolve.js';
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
    const p = h.event.payload as { transferId: string; locationId: string; qty?: number; shippedAt?: string };
    const t = await transferOrFail(h, p.transferId);
    if (t.toLocationId !== p.locationId) throw new DomainError('E_CONFLICT', `transfer ${t.id} goes to ${t.toLocationId}, not ${p.locationId}`);
    if (t.state !== 'in_transit' && t.state !== 'shipped') {
      h.audit({ action: 'transfer.receipt_ignored', subject: subjectOf(t), detail: { state: t.state } });
      return;
    }
    const at = new Date(h.decision.now).toISOString();
    const sent = t.state === 'shipped' && typeof t.doc.shippedQty === 'number' ? t.doc.shippedQty : t.qty;
    const qty = Math.min(p.qty ?? sent, sent);
    // Timed by when the goods came in (the receipt's occurredAt, never after it reached us nor before
    // the transfer existed): a count taken after that already saw them on the shelf here.
    const inMs = receiptMs(h.event, t.createdMs);
    // The source never reported the shipment: it ships what it held reserved (all of it — a short
    // receipt is a loss in transit, not stock back at the source), at the receipt's `shippedAt` (from
    // the delivery note) within a reported shipment's bounds, else at the receipt, the latest it can
    // have left.
    const implied = t.state === 'in_transit' ? impliedShipmentMs(p.shippedAt, inMs, t.createdMs) : null;
    const doc = { ...t.doc, receivedMs: h.decision.now, receivedQty: qty, ...(implied && p.shippedAt !== undefined ? { shippedMs: implied.ms } : {}) };
    if (!(await moveTransfer(h.tx, t.id, t.state, 'received', doc, at))) {
      throw new Error(`transfer ${t.id} moved while its receipt was booked; retrying`);
    }
    if (implied) {
      if (implied.clamped) h.audit({ action: 'transfer.shipped_at_clamped', subject: subjectOf(t), detail: { eventId: h.event.id, shippedAt: p.shippedAt, bookedMs: implied.ms, receiptMs: inMs, createdMs: t.createdMs } });
      // A count at the source taken after that time already saw the units gone: not taken off again.
      const outCounted = await consumeReserved(h.tx, t.sku, t.fromLocationId, t.qty, at, implied.ms);
      if (outCounted !== null) h.audit({ action: 'stock.movement_superseded', subject: `stock:${t.fromLocationId}:${t.sku}`, detail: { movement: 'transfer_out', eventId: h.event.id, transferId: t.id, qty: t.qty, happenedMs: implied.ms, countedMs: outCounted } });
      else if (p.shippedAt === undefined) await recountIfCountedMeanwhile(h, t, implied.ms);
    }
    const inCounted = await addOnHand(h.tx, t.sku, t.toLocationId, qty, at, inMs);
    if (inCounted !== null) h.audit({ action: 'stock.movement_superseded', subject: `stock:${t.toLocationId}:${t.sku}`, detail: { movement: 'transfer_in', eventId: h.event.id, transferId: t.id, qty, happenedMs: inMs, countedMs: inCounted } });
    await markAvailabilityDirty(h.tx, [t.sku], h.decision.now);
    h.audit({
      action: 'transfer.received', subject: subjectOf(t), before: { state: t.state }, after: { state: 'received', qty },
      detail: { sku: t.sku, from: t.fromLocationId, to: t.toLocationId, shipped: sent, ...(implied ? { shipmentBookedMs: implied.ms, shippedAtGiven: p.shippedAt !== undefined } : {}) },
    });
  },
};

/** The queue subject of a recount: one open item per sku and source, whatever transfers it covers. */
const recountRef = (sku: string, locationId: string) => `stock:${sku}@${locationId}`;

/** An open recount as the count handler needs it: which row, and the latest receipt it is about. */
type OpenRecount = { id: string; sku: string; locationId: string; bookedMs: number };
const OPEN_RECOUNTS = 'transfer-recounts:open';

/**
 * The open recounts, read once per batch (recounted.prefetch) and kept up to date by the handlers that
 * open and close them: a statement per count would also send each count's held write on its own
 * (PostgreSQL merges a batch's counted rows into one statement, stock.ts putCounted).
 */
async function openRecounts(tx: Tx): Promise<OpenRecount[]> {
  const kept = tx.kept.get(OPEN_RECOUNTS) as OpenRecount[] | undefined;
  if (kept) return kept;
  const items = await queryExceptions(tx, { queues: ['transfer_recount'], state: 'open', limit: 1000 });
  const open = items.flatMap((x): OpenRecount[] => {
    const d = x.detail as { sku?: unknown; locationId?: unknown; bookedMs?: unknown; last?: { bookedMs?: unknown } };
    if (typeof d.sku !== 'string' || typeof d.locationId !== 'string') return [];
    return [{ id: x.id, sku: d.sku, locationId: d.locationId, bookedMs: Math.max(Number(d.bookedMs ?? 0), Number(d.last?.bookedMs ?? 0)) }];
  });
  tx.kept.set(OPEN_RECOUNTS, open);
  return open;
}

/**
 * A receipt without any departure time booked the shipment at the receipt: if the source counted
 * the sku after the transfer was made and before that, the count may already have left the units
 * out, and they were just taken off a second time — or they were still on the shelf then, and all is
 * right. Nothing here can tell which, so the source's staff count again. Read after the write: the
 * row is locked by it, so this is the count the write was judged against.
 */
async function recountIfCountedMeanwhile(h: HandlerContext, t: TransferRecord, bookedMs: number): Promise<void> {
  const countedMs = (await adjustedStockAt(h.tx, t.fromLocationId, t.sku)).level?.countedMs ?? null;
  if (!countMayHaveMissedShipment(countedMs, t.createdMs, bookedMs)) return;
  const source = await getLocation(h.tx, t.fromLocationId);
  const { exceptionId } = await openException(h, {
    category: 'transfer_recount',
    ownerRole: recountOwner(source?.kind),
    subjectRef: recountRef(t.sku, t.fromLocationId),
    summary: `transfer ${t.id} was received without a reported shipment and the count at ${new Date(countedMs).toISOString()} may already have excluded its ${t.qty} units; recount ${t.sku} at ${t.fromLocationId}`,
    detail: { kind: 'transfer_without_shipment', eventId: h.event.id, transferId: t.id, sku: t.sku, locationId: t.fromLocationId, qty: t.qty, countedMs, bookedMs },
  }, { countRecurrences: true });
  const kept = h.tx.kept.get(OPEN_RECOUNTS) as OpenRecount[] | undefined;
  if (!kept) return;
  const known = kept.find((r) => r.id === exceptionId);
  if (known) known.bookedMs = Math.max(known.bookedMs, bookedMs);
  else kept.push({ id: exceptionId, sku: t.sku, locationId: t.fromLocationId, bookedMs });
}

/**
 * The recount: a count of the sku at the source, applied (the row's count time moved) and taken after
 * every receipt the item is about was booked — an older one is rolled forward by the very movement in
 * doubt. Runs after the count's own handler (registered before replenishment's); a count of no sku
 * with an open recount there costs no statement.
 */
const recounted: EventHandler = {
  type: 'inventory.snapshot',
  name: 'replenishment.transfer_recounted',
  prefetch: async (tx) => { await openRecounts(tx); },
  async handle(h) {
    const p = h.event.payload as { locationId: string; counts: Array<{ sku: string }> };
    const open = await openRecounts(h.tx);
    if (open.length === 0) return;
    const skus = new Set(p.counts.map((c) => c.sku));
    for (const r of open.filter((x) => x.locationId === p.locationId && skus.has(x.sku))) {
      const countedMs = (await adjustedStockAt(h.tx, p.locationId, r.sku)).level?.countedMs ?? null;
      if (countedMs === null || countedMs <= r.bookedMs) continue;
      const item = await exceptionById(h.tx, r.id);
      if (item) await resolveOpenItem(h, item, `${r.sku} counted again at ${p.locationId} (${new Date(countedMs).toISOString()})`, 'omniops', true);
      open.splice(open.indexOf(r), 1);
    }
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
export const transferHandlers = (): EventHandler[] => [shipped, received, cancel, recounted];
