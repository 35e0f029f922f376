import type { EventHandler, HandlerContext } from '../dispatch/handler.js';
import type { PolicyBook } from '../policy-book.js';
import { DomainError } from '../../domain/errors.js';
import {
  decideReadyForPickup, isCollection, orderStateFromFulfilments, reportMoves, type FulfilmentEventPayload, type FulfilmentRejectedPayload, type FulfilmentState, type OrderPlacedPayload, type RejectionReasonCode,
} from '../../domain/orders/index.js';
import { fulfilmentById, fulfilmentsOfOrder, orderById, reservationsOfOrder, setCollectBy, setFulfilmentState, setReservationStatus, type FulfilmentRecord, type OrderRecord } from '../../store/repos/orders.js';
import { consumeReserved } from '../../store/repos/stock.js';
import { moveOrder, persistOrder, queueCustomerMessages } from './transition.js';
import { orderSubject } from './identity.js';
import { releaseReservations } from './release.js';
import { routeAndReserve } from './routing.js';
import { recordFailure } from './failed-locations.js';
import { cancelOrder } from './handlers.js';
import { markAvailabilityDirty } from '../../store/repos/availability.js';
import { shipmentMs } from '../../domain/inventory/movement-time.js';
import { journalFromMs, type StockJournalRetention } from '../handlers/stock-journal.js';

async function load(h: HandlerContext, fulfilmentId: string): Promise<{ f: FulfilmentRecord; order: OrderRecord }> {
  const f = await fulfilmentById(h.tx, fulfilmentId);
  if (!f) throw new DomainError('E_NOT_FOUND', `no fulfilment ${fulfilmentId}`);
  const order = await orderById(h.tx, f.orderId);
  if (!order) throw new DomainError('E_NOT_FOUND', `no order ${f.orderId}`);
  return { f, order };
}

/** The order follows its live fulfilments (a split order ships when its last parcel does). */
async function followFulfilments(h: HandlerContext, policies: PolicyBook, order: OrderRecord, facts: Record<string, string | number> = {}): Promise<void> {
  const states = (await fulfilmentsOfOrder(h.tx, order.id)).map((x) => x.state);
  const next = orderStateFromFulfilments(states);
  // An order that already follows its returns (a split order's delivered part came back while another
  // parcel was lost) stays there when that parcel turns up: the fulfilment records the delivery.
  if (next && next !== order.state && !['cancelled', 'on_hold', 'backordered', 'partially_returned', 'returned'].includes(order.state)) {
    moveOrder(h, order, next, await policies.get('orders', h.tx), { facts });
  }
}

/**
 * A location that rejects, lets its deadline pass or is found short is dropped: its reservations are
 * released and its lines routed again — back to a location that rejected or expired only once its
 * stock of them was counted or received since, and to one found short once its stock is there again.
 * `order.rerouted` is announced either way — also when the lines wait (the order is held for payment
 * or fraud review: they are placed when the hold clears) — so the ERP cancels the failed location's
 * sale order, which would otherwise be delivered from there.
 */
async function reroute(
  h: HandlerContext, policies: PolicyBook, order: OrderRecord, f: FulfilmentRecord, failure: 'rejected' | 'expired' | 'stock_short', reasonCode?: RejectionReasonCode,
): Promise<void> {
  const released = await releaseReservations(h, order, `fulfilment ${failure}`, (r) => r.fulfilmentId === f.id);
  // A location that rejected or let its deadline pass failed the order and is not asked again until
  // its stock of these skus was counted or received since (failedLocationsNow): asked straight away,
  // a store whose record shows phantom units would only reject again. One found short did not fail
  // it — the units were not there: it stays eligible, so the order can come back to it once its stock
  // does; routing will not place there while the units are missing. A rejection for staff, capacity
  // or a closure (its reason code) says nothing about the shelf: left out for the policy's hours.
  if (failure !== 'stock_short') recordFailure(order, f.locationId, failure, h.decision.now, f.lines.map((l) => l.sku), reasonCode);
  // Only the failed location's lines move; the order's other fulfilments go on untouched. An approval
  // hold is about other lines; these go on.
  const lines = f.lines.map((l) => ({ lineId: l.lineId, sku: l.sku, qty: l.qty }));
  const waits = ['cancelled', 'shipped', 'delivered'].includes(order.state) || (order.state === 'on_hold' && order.holdReason !== 'approval') || lines.length === 0;
  const outcome = waits ? `waiting: order ${order.state}${order.holdReason ? ` (${order.holdReason})` : ''}` : (await routeAndReserve(h, policies, order, `reroute after ${f.locationId} ${failure}`, lines)).outcome;
  h.emit({
    type: 'order.rerouted',
    subject: orderSubject(order.source, order.externalOrderId),
    payload: { orderId: order.id, failedLocationId: f.locationId, failure, released: released.map((r) => ({ lineId: r.lineId, sku: r.sku, locationId: r.locationId, qty: r.qty, fulfilmentId: r.fulfilmentId })), outcome },
  });
  h.audit({ action: 'order.rerouted', subject: orderSubject(order.source, order.externalOrderId), detail: { failedLocationId: f.locationId, failure, outcome } });
}

const collected = (order: OrderRecord) => isCollection(order.doc.placed as unknown as OrderPlacedPayload);

/**
 * Fulfilment reports. `journal` (config `stock`): how far back the stock journal reaches, the floor
 * of a shipment's time (without it: no floor but the fulfilment's creation).
 */
export function fulfilmentHandlers(policies: PolicyBook, journal?: StockJournalRetention): EventHandler[] {
  const progress = (type: string, to: FulfilmentState): EventHandler => {
    // A collection is a delivery at the store: its own name in the handler list and the audit.
    const step = type === 'fulfilment.collected' ? 'collected' : to;
    return {
      type,
      name: `fulfilment.${step}`,
      async handle(h) {
        const p = h.event.payload as unknown as FulfilmentEventPayload;
        const { f, order } = await load(h, p.fulfilmentId);
        const at = new Date(h.decision.now).toISOString();
        if (type === 'fulfilment.collected' && !collected(order)) {
          // A collection reported for an order that ships: noted, as any report that moves nothing.
          order.doc.history.push({ at: h.decision.now, from: order.state, to: order.state, eventId: h.event.id, note: `${type} ignored: order ships (${(order.doc.placed as unknown as OrderPlacedPayload).shipping.method}), it is not collected` });
          await persistOrder(h, order);
          return;
        }
        if (!reportMoves(f.state, to as 'accepted' | 'picked' | 'shipped' | 'delivered')) {
          // Late, repeated or out-of-order report for a fulfilment already past it (or failed): noted only.
          order.doc.history.push({ at: h.decision.now, from: order.state, to: order.state, eventId: h.event.id, note: `${type} ignored: fulfilment ${f.id} is ${f.state}` });
          await persistOrder(h, order);
          return;
        }
        await setFulfilmentState(h.tx, f.id, to, at, { carrier: p.carrier, tracking: p.trackingNumber });
        // The units leave the shelf when the parcel leaves — or, when no shipment was reported (a
        // collection at the store, a report that skipped a step), when it is delivered. Only active
        // reservations are consumed, so a delivery after the shipment takes nothing twice.
        if (to === 'shipped' || to === 'delivered') {
          // Timed by when the parcel left (the report's occurredAt, never after it reached us, never
          // before the fulfilment existed nor behind the journal's horizon): a count taken after that
          // and applied before the report already saw the units gone — on-hand stays, the
          // reservation is consumed all the same (docs/orders.md, "Stock counts").
          const leftMs = shipmentMs(h.event, f.createdMs, journalFromMs(journal, h.decision.now));
          for (const r of await reservationsOfOrder(h.tx, order.id)) {
            if (r.fulfilmentId !== f.id || r.status !== 'active') continue;
            await setReservationStatus(h.tx, r.id, 'consumed', at);
            const countedMs = await consumeReserved(h.tx, r.sku, r.locationId, r.qty, at, leftMs);
            if (countedMs !== null) {
              h.audit({ action: 'stock.movement_superseded', subject: `stock:${r.locationId}:${r.sku}`, detail: { movement: 'shipment', eventId: h.event.id, fulfilmentId: f.id, qty: r.qty, happenedMs: leftMs, countedMs } });
            }
          }
          await markAvailabilityDirty(h.tx, f.lines.map((l) => l.sku), h.decision.now);
        }
        h.audit({ action: `fulfilment.${step}`, subject: `fulfilment:${f.id}`, before: { state: f.state }, after: { state: to } });
        if (to === 'picked' && collected(order) && !['cancelled', 'on_hold'].includes(order.state)) {
          // Ready at the store: the customer is told, and the collection window starts (orders policy).
          const placed = order.doc.placed as unknown as OrderPlacedPayload;
          const policy = await policies.get('orders', h.tx);
          const collectByMs = policy.collection ? h.decision.now + policy.collection.holdDays * 86_400_000 : undefined;
          if (collectByMs !== undefined) await setCollectBy(h.tx, f.id, collectByMs);
          queueCustomerMessages(h, order, decideReadyForPickup({ orderId: order.id, externalOrderId: order.externalOrderId, customer: placed.customer, storeId: f.locationId, collectByMs }, policy.notifications), policy);
        }
        await followFulfilments(h, policies, order, { ...(p.carrier ? { carrier: p.carrier } : {}), ...(p.trackingNumber ? { trackingNumber: p.trackingNumber } : {}) });
        await persistOrder(h, order);
      },
    };
  };

  const rejected: EventHandler = {
    type: 'fulfilment.rejected',
    name: 'fulfilment.rejected',
    async handle(h) {
      const p = h.event.payload as unknown as FulfilmentRejectedPayload;
      const { f, order } = await load(h, p.fulfilmentId);
      if (!reportMoves(f.state, 'rejected')) {
        order.doc.history.push({ at: h.decision.now, from: order.state, to: order.state, eventId: h.event.id, note: `rejection ignored: fulfilment ${f.id} is ${f.state}` });
        await persistOrder(h, order);
        return;
      }
      await setFulfilmentState(h.tx, f.id, 'rejected', new Date(h.decision.now).toISOString());
      h.audit({ action: 'fulfilment.rejected', subject: `fulfilment:${f.id}`, before: { state: f.state }, after: { state: 'rejected' }, detail: { reason: p.reason ?? null, ...(p.reasonCode ? { reasonCode: p.reasonCode } : {}) } });
      await reroute(h, policies, order, f, 'rejected', p.reasonCode);
      await persistOrder(h, order);
    },
  };

  const expired: EventHandler = {
    type: 'fulfilment.expired',
    name: 'fulfilment.expired',
    async handle(h) {
      const p = h.event.payload as { fulfilmentId: string; deadline: 'accept' | 'ship' };
      const { f, order } = await load(h, p.fulfilmentId);
      const stillOpen = p.deadline === 'accept' ? f.state === 'assigned' : f.state === 'accepted';
      if (!stillOpen) return;
      await setFulfilmentState(h.tx, f.id, 'expired', new Date(h.decision.now).toISOString());
      h.audit({ action: 'fulfilment.expired', subject: `fulfilment:${f.id}`, before: { state: f.state }, after: { state: 'expired' }, detail: { deadline: p.deadline } });
      await reroute(h, policies, order, f, 'expired');
      await persistOrder(h, order);
    },
  };

  /**
   * A count or shrink found the location short of what orders hold there, and this waiting fulfilment
   * gives up its claim: the location is told to stop (it cannot pick what is not there), and its
   * lines are routed again as after a rejection. One picked since then goes on: its units are in hand.
   */
  const stockShort: EventHandler = {
    type: 'fulfilment.stock_short',
    name: 'fulfilment.stock_short',
    async handle(h) {
      const p = h.event.payload as { fulfilmentId: string; locationId: string; sku: string; onHand: number; reserved: number };
      const { f, order } = await load(h, p.fulfilmentId);
      if (f.state !== 'assigned' && f.state !== 'accepted') {
        order.doc.history.push({ at: h.decision.now, from: order.state, to: order.state, eventId: h.event.id, note: `stock short of ${p.sku} at ${p.locationId}: fulfilment ${f.id} is ${f.state}, left as it is` });
        await persistOrder(h, order);
        return;
      }
      const reason = `stock short: ${p.onHand} × ${p.sku} on hand at ${p.locationId}, ${p.reserved} reserved`;
      await setFulfilmentState(h.tx, f.id, 'cancelled', new Date(h.decision.now).toISOString());
      h.outbox({ destination: `location:${f.locationId}`, kind: 'fulfilment.cancelled', subject: orderSubject(order.source, order.externalOrderId), payload: { fulfilmentId: f.id, orderId: order.id, reason } });
      h.audit({ action: 'fulfilment.stock_short', subject: `fulfilment:${f.id}`, before: { state: f.state }, after: { state: 'cancelled' }, detail: { sku: p.sku, onHand: p.onHand, reserved: p.reserved } });
      await reroute(h, policies, order, f, 'stock_short');
      await persistOrder(h, order);
    },
  };

  /** A click-and-collect order nobody collected in time: cancelled, its units back on the shelf, the customer told. */
  const uncollected: EventHandler = {
    type: 'fulfilment.uncollected',
    name: 'fulfilment.uncollected',
    async handle(h) {
      const p = h.event.payload as { fulfilmentId: string; collectBy: number };
      const { f, order } = await load(h, p.fulfilmentId);
      if (f.state !== 'picked') return; // collected (or stopped) since the watch saw it
      h.audit({ action: 'order.uncollected', subject: orderSubject(order.source, order.externalOrderId), detail: { fulfilmentId: f.id, locationId: f.locationId, collectBy: new Date(p.collectBy).toISOString() } });
      await cancelOrder(h, policies, order, `not collected at ${f.locationId} by ${new Date(p.collectBy).toISOString()}`);
    },
  };

  return [
    uncollected,
    stockShort,
    progress('fulfilment.accepted', 'accepted'),
    progress('fulfilment.picked', 'picked'),
    progress('fulfilment.shipped', 'shipped'),
    progress('shipment.delivered', 'delivered'),
    progress('fulfilment.collected', 'delivered'),
    rejected,
    expired,
  ];
}
