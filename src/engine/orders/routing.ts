import type { HandlerContext } from '../dispatch/handler.js';
import type { PolicyBook } from '../policy-book.js';
import type { OrderRecord } from '../../store/repos/orders.js';
import { insertFulfilment, insertReservation } from '../../store/repos/orders.js';
import { reserveIfSellable } from '../../store/repos/stock.js';
import { markAvailabilityDirty } from '../../store/repos/orders.js';
import { routeOrder, type LineToSource, type OrderToSource, type RoutingDecision } from '../../domain/sourcing/index.js';
import type { OrderPlacedPayload } from '../../domain/orders/index.js';
import { loadSourcingSnapshot, localDay } from './snapshot.js';
import { moveOrder } from './transition.js';
import { orderSubject } from './identity.js';
import { getLocation } from '../../store/repos/masterdata.js';

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
 * Routes (part of) an order and carries the decision out in the handler's transaction: fulfilments
 * with their SLA clocks, one reservation per line per fulfilment (conditional on sellable stock —
 * if stock moved since the snapshot the handler throws and the event is retried on fresh data),
 * the state change, and the decided events.
 */
export async function routeAndReserve(h: HandlerContext, policies: PolicyBook, order: OrderRecord, why: string, lines?: readonly LineToSource[]): Promise<RoutingDecision> {
  const sourcing = await policies.get('sourcing', h.tx);
  const orders = await policies.get('orders', h.tx);
  const request = orderToSource(order, lines);
  const snapshot = await loadSourcingSnapshot(h.tx, request.lines.map((l) => l.sku), order.doc.excludedLocationIds, h.decision.now);
  const decision = routeOrder(request, snapshot, sourcing, h.decision);
  order.doc.routing.push(routingRecord(decision, why));
  const subject = orderSubject(order.source, order.externalOrderId);
  const at = new Date(h.decision.now).toISOString();

  if (decision.outcome === 'allocated') {
    const made: Array<{ lineId: string; sku: string; locationId: string; qty: number; fulfilmentId: string }> = [];
    for (const f of decision.fulfilments) {
      const loc = await getLocation(h.tx, f.locationId);
      await insertFulfilment(h.tx, {
        id: f.fulfilmentId, orderId: order.id, locationId: f.locationId, state: 'assigned', acceptByMs: f.acceptBy, shipByMs: f.shipBy,
        createdMs: h.decision.now, localDay: localDay(h.decision.now, loc?.utcOffsetMinutes ?? 0), lines: f.allocations.map((a) => ({ lineId: a.lineId, sku: a.sku, qty: a.qty })),
        carrier: null, tracking: null,
      }, at);
      for (const a of f.allocations) {
        if (!(await reserveIfSellable(h.tx, a.sku, a.locationId, a.qty, at))) {
          throw new Error(`stock of ${a.sku} at ${a.locationId} changed while routing; retrying on fresh stock`);
        }
        await insertReservation(h.tx, { id: h.decision.newId('reservation'), orderId: order.id, lineId: a.lineId, fulfilmentId: f.fulfilmentId, sku: a.sku, locationId: a.locationId, qty: a.qty, status: 'active' }, at);
        made.push({ lineId: a.lineId, sku: a.sku, locationId: a.locationId, qty: a.qty, fulfilmentId: f.fulfilmentId });
      }
      h.outbox({ destination: `location:${f.locationId}`, kind: 'fulfilment.assigned', subject, payload: { fulfilmentId: f.fulfilmentId, orderId: order.id, acceptBy: f.acceptBy, shipBy: f.shipBy, lines: f.allocations } });
    }
    await markAvailabilityDirty(h.tx, made.map((m) => m.sku), h.decision.now);
    h.emit({ type: 'reservation.made', subject, payload: { orderId: order.id, reservations: made } });
    h.emit({ type: 'order.routed', subject, payload: { orderId: order.id, policyVersion: decision.policyVersion, split: decision.split, plan: made } });
    const promise = order.promisedByMs ?? undefined;
    // The promise moves only if the plan now ships after it: the customer is told then, not before.
    const promiseAfter = promise !== undefined && decision.estimatedShipAt > promise ? decision.estimatedShipAt : undefined;
    moveOrder(h, order, 'allocated', orders, { note: why, promiseAfter, facts: { locations: decision.locationIds.join(',') } });
  } else if (decision.outcome === 'needs_approval') {
    const approvalId = h.decision.newId('approval');
    h.emit({ type: 'approval.requested', payload: { approvalId, kind: 'protected_stock_reallocation', subjectRef: order.id, approverRole: decision.approverRole, facts: { plan: decision.plan, orderId: order.id } } });
    h.emit({ type: 'order.held', subject, payload: { orderId: order.id, holdReason: 'approval', detail: 'only protected store stock can serve' } });
    moveOrder(h, order, 'on_hold', orders, { holdReason: 'approval', note: 'only protected store stock can serve' });
  } else if (decision.outcome === 'backorder') {
    h.emit({ type: 'order.backordered', subject, payload: { orderId: order.id, shortSkus: decision.shortSkus, expectedAt: decision.expectedAt } });
    moveOrder(h, order, 'backordered', orders, { note: why, promiseAfter: decision.expectedAt ?? undefined });
  } else {
    h.emit({ type: 'order.cancelled', subject, payload: { orderId: order.id, reason: decision.reason } });
    moveOrder(h, order, 'cancelled', orders, { note: decision.reason });
  }
  return decision;
}
