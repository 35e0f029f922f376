import type { HandlerContext } from '../dispatch/handler.js';
import type { PolicyBook } from '../policy-book.js';
import type { OrderRecord } from '../../store/repos/orders.js';
import type { ReservationRecord } from '../../store/repos/orders.js';
import { reserveAllIfSellable, reserveIncludingProtected } from '../../store/repos/stock.js';
import { requestApproval } from '../approvals/request.js';
import { markAvailabilityDirty } from '../../store/repos/availability.js';
import { inboundWithRoom, routeOrder, type LineToSource, type OrderToSource, type RoutingDecision } from '../../domain/sourcing/index.js';
import type { OrderPlacedPayload } from '../../domain/orders/index.js';
import { loadSourcingSnapshot, localDay } from './snapshot.js';
import { pinFailedLocations } from './failed-locations.js';
import { addFulfilment, addReservations, moveOrder } from './transition.js';
import { orderSubject } from './identity.js';
import { cancelWhatHasNotShipped } from './open-fulfilments.js';
import { inboundOfSkus } from '../../store/repos/replenishment.js';
import { getLocation } from '../../store/repos/masterdata.js';
import type { StockLevel } from '../../domain/inventory/stock.js';

export function orderToSource(order: OrderRecord, lines?: readonly LineToSource[]): OrderToSource {
  const p = order.doc.placed as unknown as OrderPlacedPayload;
  return {
    orderId: order.id,
    lines: lines ?? p.lines.map((l) => ({ lineId: l.lineId, sku: l.sku, qty: l.qty })),
    shipping: { method: p.shipping.method, address: { lat: p.shipping.address.lat, lon: p.shipping.address.lon }, pickupLocationId: p.shipping.pickupLocationId },
    promisedBy: order.promisedByMs ?? undefined,
  };
}

/** What the order keeps of a routing decision: enough for an operator to see why. */
function routingRecord(d: RoutingDecision, why: string): Record<string, unknown> {
  const { outcome, policyVersion, decidedAt, candidates, excluded } = d;
  const plan = 'plan' in d ? { plan: d.plan, split: d.split, fulfilments: d.fulfilments.map((f) => ({ fulfilmentId: f.fulfilmentId, locationId: f.locationId, acceptBy: f.acceptBy, shipBy: f.shipBy })) } : {};
  const short = 'shortSkus' in d ? { shortSkus: d.shortSkus } : {};
  return { why, outcome, policyVersion, decidedAt, candidates, excluded, ...plan, ...short };
}

/**
 * A conditional reservation failed: the handler throws, and the event is retried on fresh stock.
 * Lines reserved together do not say which of them failed, so the message names them all.
 */
const stockMoved = (lines: ReadonlyArray<{ sku: string; locationId: string }>) => {
  const named = lines.map((l) => `${l.sku} at ${l.locationId}`).join(', ');
  return new Error(`stock of ${lines.length > 1 ? `one of ${named}` : named} changed while routing; retrying on fresh stock`);
};

/**
 * Routes (part of) an order and carries the decision out in the handler's transaction: fulfilments
 * with their SLA clocks, one reservation per line per fulfilment (conditional on sellable stock —
 * if stock moved since the snapshot the handler throws and the event is retried on fresh data),
 * the state change, and the decided events.
 */
export async function routeAndReserve(
  h: HandlerContext, policies: PolicyBook, order: OrderRecord, why: string, lines?: readonly LineToSource[],
  /** After the protected-stock approval: `approved` may take protected stock, `refused` may not ask again. */
  protectedStock?: { approvalId: string; outcome: 'approved' | 'refused' },
  /** The lines' stock as read in this transaction with nothing written since (a new order's facts). */
  stock?: readonly StockLevel[],
): Promise<RoutingDecision> {
  const active = await policies.get('sourcing', h.tx);
  const sourcing = protectedStock?.outcome === 'refused' ? { ...active, protectedStock: 'skip' as const } : active;
  const orders = await policies.get('orders', h.tx);
  const request = orderToSource(order, lines);
  const snapshot = await loadSourcingSnapshot(h.tx, request.lines.map((l) => l.sku), pinFailedLocations(order), h.decision.now, stock);
  let decision = routeOrder(request, snapshot, sourcing, h.decision);
  if (decision.outcome === 'backorder' || decision.outcome === 'cancel') {
    // Nothing can serve now: decided again with what purchase orders are bringing (read only then —
    // most orders never get here), so a backorder waits for the earliest receipt that covers it.
    // Units already promised to open backorders are not promised again: those were decided first.
    const { inbound, backorders } = await inboundOfSkus(h.tx, request.lines.map((l) => l.sku));
    const room = inboundWithRoom(inbound, backorders, order.id);
    if (room.length > 0) decision = routeOrder(request, { ...snapshot, inbound: room }, sourcing, h.decision);
  }
  order.doc.routing.push(routingRecord(decision, why));
  const subject = orderSubject(order.source, order.externalOrderId);
  const at = new Date(h.decision.now).toISOString();

  // Protected stock that regional ops released for this order: carried out like any plan, each
  // protected part taken from the protected quantity under the same conditional update.
  const takesProtected = decision.outcome === 'needs_approval' && protectedStock?.outcome === 'approved';
  if (decision.outcome === 'allocated' || takesProtected) {
    const routed = decision as Extract<RoutingDecision, { outcome: 'allocated' | 'needs_approval' }>;
    const made: Array<{ lineId: string; sku: string; locationId: string; qty: number; fulfilmentId: string }> = [];
    const reservations: ReservationRecord[] = []; // written together once every line's stock is taken
    const sellable: Array<{ sku: string; locationId: string; qty: number }> = [];
    for (const f of routed.fulfilments) {
      const loc = await getLocation(h.tx, f.locationId);
      await addFulfilment(h, order, {
        id: f.fulfilmentId, orderId: order.id, locationId: f.locationId, state: 'assigned', acceptByMs: f.acceptBy, shipByMs: f.shipBy,
        createdMs: h.decision.now, localDay: localDay(h.decision.now, loc?.utcOffsetMinutes ?? 0), lines: f.allocations.map((a) => ({ lineId: a.lineId, sku: a.sku, qty: a.qty })),
        carrier: null, tracking: null,
      });
      for (const a of f.allocations) {
        if (a.protectedQty > 0) {
          if (!(await reserveIncludingProtected(h.tx, a.sku, a.locationId, a.qty, a.protectedQty, at))) throw stockMoved([a]);
        } else {
          sellable.push(a);
        }
        reservations.push({ id: h.decision.newId('reservation'), orderId: order.id, lineId: a.lineId, fulfilmentId: f.fulfilmentId, sku: a.sku, locationId: a.locationId, qty: a.qty, status: 'active' });
        made.push({ lineId: a.lineId, sku: a.sku, locationId: a.locationId, qty: a.qty, fulfilmentId: f.fulfilmentId });
      }
      h.outbox({ destination: `location:${f.locationId}`, kind: 'fulfilment.assigned', subject, payload: { fulfilmentId: f.fulfilmentId, orderId: order.id, acceptBy: f.acceptBy, shipBy: f.shipBy, lines: f.allocations } });
    }
    // The lines from sellable stock, reserved (and marked for the availability publisher) together:
    // one statement on PostgreSQL. The mark below then adds only protected-stock lines' skus.
    if (!(await reserveAllIfSellable(h.tx, sellable, at, h.decision.now))) throw stockMoved(sellable);
    await addReservations(h, order, reservations);
    await markAvailabilityDirty(h.tx, made.map((m) => m.sku), h.decision.now);
    h.emit({ type: 'reservation.made', subject, payload: { orderId: order.id, reservations: made } });
    // Which of the order's plans this is (the ERP keys a first plan's sale orders apart from a reroute's).
    const planIndex = order.doc.routedPlans;
    if (planIndex !== undefined) order.doc.routedPlans = planIndex + 1;
    h.emit({ type: 'order.routed', subject, payload: { orderId: order.id, policyVersion: routed.policyVersion, split: routed.split, plan: made, ...(planIndex !== undefined ? { planIndex } : {}) } });
    if (takesProtected) {
      const protectedParts = routed.plan.filter((a) => a.protectedQty > 0).map((a) => ({ sku: a.sku, locationId: a.locationId, protectedQty: a.protectedQty }));
      h.audit({ action: 'stock.protected_reallocated', subject, detail: { approvalId: protectedStock!.approvalId, parts: protectedParts } });
    }
    const promise = order.promisedByMs ?? undefined;
    // The promise moves only if the plan now ships after it: the customer is told then, not before.
    const promiseAfter = promise !== undefined && routed.estimatedShipAt > promise ? routed.estimatedShipAt : undefined;
    // A part rerouted while another part is already being worked (or is in trouble) leaves the order
    // where its other fulfilments have it: in fulfilment is not "allocated" again.
    const routedState = order.state === 'in_fulfilment' || order.state === 'exception' ? order.state : 'allocated';
    moveOrder(h, order, routedState, orders, { note: why, promiseAfter, facts: { locations: routed.locationIds.join(',') } });
  } else if (decision.outcome === 'needs_approval') {
    // Only protected store stock can serve: regional ops decide (approval engine); the order waits.
    const quantity = decision.plan.reduce((n, a) => n + a.protectedQty, 0);
    const asked = await requestApproval(h, policies, {
      subject: 'protected_stock_reallocation', subjectRef: order.id, facts: { quantity }, requestedBy: 'omniops:sourcing',
    });
    if (asked.required === false) {
      // The approvals policy does not ask for anyone's yes at this quantity: take it now.
      order.doc.routing.pop();
      return routeAndReserve(h, policies, order, `${why} (protected stock, no approval required)`, lines, { approvalId: 'none', outcome: 'approved' });
    }
    const last = order.doc.routing[order.doc.routing.length - 1] as Record<string, unknown>;
    last.protectedApproval = asked.required === true
      ? { approvalId: asked.approvalId, lines: request.lines }
      : { approvalId: null, undecidable: asked.reason, lines: request.lines };
    const detail = asked.required === true ? 'only protected store stock can serve' : `only protected store stock can serve; approval rules cannot judge: ${asked.reason}`;
    h.emit({ type: 'order.held', subject, payload: { orderId: order.id, holdReason: 'approval', detail } });
    moveOrder(h, order, 'on_hold', orders, { holdReason: 'approval', note: detail });
  } else if (decision.outcome === 'backorder') {
    h.emit({ type: 'order.backordered', subject, payload: { orderId: order.id, shortSkus: decision.shortSkus, expectedAt: decision.expectedAt } });
    moveOrder(h, order, 'backordered', orders, { note: why, promiseAfter: decision.expectedAt ?? undefined });
  } else {
    // The policy cancels what nothing can serve: the order, so whatever else of it is still open stops
    // too — but a part already gone out goes on (cancelWhatHasNotShipped).
    await cancelWhatHasNotShipped(h, order, orders, decision.reason, `order cancelled: ${decision.reason}`);
  }
  return decision;
}
