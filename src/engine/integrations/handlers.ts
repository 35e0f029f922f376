import type { EventHandler, HandlerContext } from '../dispatch/handler.js';
import type { PolicyBook } from '../policy-book.js';
import type { ScheduledControl } from '../orders/scheduled.js';
import { fulfilmentsOfOrder, keepOrdersForErp, orderById, orderForErp } from '../../store/repos/orders.js';
import { saleOrdersOfRouting, saleOrdersWith, type PushedSaleOrder } from './sale-order-keys.js';
import { eventsBySubject } from '../../store/repos/events.js';
import { getLocation, listLocations } from '../../store/repos/masterdata.js';
import { queryStock } from '../../store/repos/stock.js';
import { compareOrderState, compareStock } from '../../domain/integrations/reconcile.js';
import { ensureException } from '../delivery/exceptions.js';
import { GONE_OUT_FULFILMENT_STATES as GONE_OUT, LIVE_FULFILMENT_STATES as LIVE } from '../../domain/orders/index.js';

/**
 * The ERP side of the order flow and its controls. Handlers never call Odoo: they write outbox rows
 * (`erp:*`), which the delivery worker carries out against the Odoo destination; what it reads comes
 * back as events (`erp.stock_observed`, `erp.record_observed`) that the handlers here compare.
 */
type Plan = Array<{ lineId: string; sku: string; locationId: string; qty: number; fulfilmentId: string }>;

/**
 * The plans of the order's `order.routed` events logged before this event, oldest first: what its sale
 * orders are derived from. This event itself may be logged already (a retry) or not yet (a follow-up
 * running before its row is written, seq 0).
 */
async function earlierRoutings(h: HandlerContext): Promise<Plan[]> {
  return (await eventsBySubject(h.tx, h.event.subject))
    .filter((e) => e.type === 'order.routed' && e.id !== h.event.id && (h.event.seq === 0 || e.seq < h.event.seq))
    .map((e) => (e.payload as { plan: Plan }).plan);
}

/** Every sale order pushed for the order so far (see `saleOrdersWith`). */
async function saleOrdersSoFar(h: HandlerContext, orderId: string, fulfilments: ReadonlyArray<{ id: string; locationId: string }>): Promise<PushedSaleOrder[]> {
  return saleOrdersWith(orderId, await earlierRoutings(h), fulfilments);
}

/**
 * Routed → one sale.order per fulfilment the routing made (per shipping location), with that
 * location's Odoo warehouse. A till sale (`order.handed_over`) is pushed the same way, from its
 * store: the ERP books every sale. A reroute's fulfilments get sale orders of their own (new keys,
 * `sale-order-keys.ts`); the failed location's is cancelled on `order.rerouted`.
 */
function routedToErp(type: 'order.routed' | 'order.handed_over' = 'order.routed'): EventHandler {
  return {
    type,
    name: type === 'order.routed' ? 'erp.sale_order' : 'erp.sale_order_at_till',
    async prefetch(tx, events) {
      const ids = events.map((e) => (e.payload as { orderId?: unknown }).orderId).filter((id): id is string => typeof id === 'string');
      await keepOrdersForErp(tx, ids);
    },
    async handle(h) {
      const p = h.event.payload as { orderId: string; plan: Plan; planIndex?: number };
      const order = await orderForErp(h.tx, p.orderId);
      if (!order) throw new Error(`order ${p.orderId} not found for the ERP push`);
      const price = order.unitPrices;
      // Which routing of the order this is decides the keys: a till sale is the order's only one. The
      // event says so; only orders placed before plans were counted need the log read.
      const routing = type === 'order.routed' ? (p.planIndex ?? (await earlierRoutings(h)).length) : 0;
      for (const so of saleOrdersOfRouting(order.id, routing, p.plan)) {
        const loc = await getLocation(h.tx, so.locationId);
        const lines = p.plan.filter((a) => a.locationId === so.locationId && (so.fulfilmentIds.length === 0 || so.fulfilmentIds.includes(a.fulfilmentId)));
        // Exactly once per key: the push key is Odoo's marker, so a retry or a replay finds the order.
        h.outbox({
          destination: 'erp:sale_order', kind: 'sale_order', subject: h.event.subject,
          payload: {
            pushKey: so.pushKey, orderId: order.id, channel: order.source, channelRef: order.externalOrderId, currency: order.currency, locationId: so.locationId,
            fulfilmentIds: so.fulfilmentIds, warehouseId: loc?.odooWarehouseId ?? null,
            lines: lines.map((l) => ({ lineId: l.lineId, sku: l.sku, qty: l.qty, unitPrice: price.get(l.lineId) ?? 0 })),
          },
        });
        h.audit({ action: 'erp.sale_order_queued', subject: h.event.subject, detail: { orderId: order.id, pushKey: so.pushKey, locationId: so.locationId, warehouseId: loc?.odooWarehouseId ?? null } });
      }
    },
  };
}

function cancelRow(h: HandlerContext, order: { id: string; externalOrderId: string }, so: PushedSaleOrder, why: 'rerouted' | 'held' | 'cancelled'): void {
  h.outbox({ destination: 'erp:sale_order', kind: 'sale_order.cancel', subject: h.event.subject, payload: { pushKey: so.pushKey, orderId: order.id, channelRef: order.externalOrderId, locationIds: [so.locationId], fulfilmentIds: so.fulfilmentIds, why } });
  h.audit({ action: 'erp.sale_order_cancel_queued', subject: h.event.subject, detail: { orderId: order.id, pushKey: so.pushKey, why } });
}

/** The fulfilments a reroute took lines from: their sale orders were cancelled by `order.rerouted`. */
async function reroutedFulfilments(h: HandlerContext): Promise<Set<string>> {
  const out = new Set<string>();
  for (const e of await eventsBySubject(h.tx, h.event.subject)) {
    if (e.type !== 'order.rerouted') continue;
    for (const r of (e.payload as { released?: Array<{ fulfilmentId?: string }> }).released ?? []) if (r.fulfilmentId) out.add(r.fulfilmentId);
  }
  return out;
}

/**
 * Rerouted → the failed location's sale order is cancelled in Odoo (same destination and subject as
 * the pushes, so it goes out after the push it undoes). Its lines were routed again and, when placed,
 * pushed under new keys to the new location's warehouse; left confirmed, Odoo would deliver them from
 * the location that failed. A sale order that also carries a live fulfilment (only orders pushed
 * before keys were per fulfilment) stays: cancelling it would stop the live part too.
 */
const reroutedToErp: EventHandler = {
  type: 'order.rerouted',
  name: 'erp.sale_order_rerouted',
  async handle(h) {
    const p = h.event.payload as { orderId: string; released?: Array<{ fulfilmentId?: string }> };
    const order = await orderForErp(h.tx, p.orderId);
    if (!order) throw new Error(`order ${p.orderId} not found for the ERP reroute`);
    const failed = new Set((p.released ?? []).map((r) => r.fulfilmentId).filter((id): id is string => Boolean(id)));
    const fulfilments = await fulfilmentsOfOrder(h.tx, order.id);
    const live = new Set(fulfilments.filter((f) => LIVE.includes(f.state)).map((f) => f.id));
    for (const so of await saleOrdersSoFar(h, order.id, fulfilments)) {
      if (!so.fulfilmentIds.some((f) => failed.has(f)) || so.fulfilmentIds.some((f) => live.has(f))) continue;
      cancelRow(h, order, so, 'rerouted');
    }
  },
};

/**
 * Held for payment, or by hand (`POST /v1/orders/{id}/hold`), after it was routed → its open
 * fulfilments were stopped, and their sale orders are cancelled in Odoo: once paid or released, the
 * lines are routed again under new keys, and the old sale order left confirmed would be delivered too.
 * Those a reroute already cancelled are not sent again.
 */
const heldToErp: EventHandler = {
  type: 'order.held',
  name: 'erp.sale_order_held',
  async handle(h) {
    const p = h.event.payload as { orderId: string; holdReason: string };
    if (p.holdReason !== 'payment' && p.holdReason !== 'manual') return; // fraud review and approval holds come before any routing of theirs
    const order = await orderForErp(h.tx, p.orderId);
    if (!order) throw new Error(`order ${p.orderId} not found for the ERP hold`);
    const fulfilments = await fulfilmentsOfOrder(h.tx, order.id);
    const live = new Set(fulfilments.filter((f) => LIVE.includes(f.state)).map((f) => f.id));
    const rerouted = await reroutedFulfilments(h);
    for (const so of await saleOrdersSoFar(h, order.id, fulfilments)) {
      if (so.fulfilmentIds.length === 0 || so.fulfilmentIds.some((f) => live.has(f)) || so.fulfilmentIds.every((f) => rerouted.has(f))) continue;
      cancelRow(h, order, so, 'held');
    }
  },
};

/**
 * Cancelled → the sale orders pushed for it are cancelled in Odoo. A partial cancel (a part already
 * gone out) keeps the sale orders of the fulfilments that went out: the ERP invoices and delivers
 * those. Judged per fulfilment, not per location: a location can hold a shipped fulfilment and a
 * rerouted one of the same order, each with its own sale order. Sale orders a reroute already
 * cancelled are not sent again. Without this a cancelled order stayed a confirmed sale order, with its
 * picking, in Odoo.
 */
const cancelledToErp: EventHandler = {
  type: 'order.cancelled',
  name: 'erp.sale_order_cancel',
  async handle(h) {
    const p = h.event.payload as { orderId: string; partial?: boolean };
    const order = await orderForErp(h.tx, p.orderId);
    if (!order) throw new Error(`order ${p.orderId} not found for the ERP cancel`);
    const fulfilments = await fulfilmentsOfOrder(h.tx, order.id);
    const goneOut = new Set(p.partial ? fulfilments.filter((f) => GONE_OUT.includes(f.state)).map((f) => f.id) : []);
    // Sale orders pushed before fulfilment ids were in plans know only their location.
    const goneOutAt = new Set(p.partial ? fulfilments.filter((f) => GONE_OUT.includes(f.state)).map((f) => f.locationId) : []);
    const rerouted = await reroutedFulfilments(h);
    for (const so of await saleOrdersSoFar(h, order.id, fulfilments)) {
      if (so.fulfilmentIds.length === 0 ? goneOutAt.has(so.locationId) : so.fulfilmentIds.some((f) => goneOut.has(f))) continue;
      if (so.fulfilmentIds.length > 0 && so.fulfilmentIds.every((f) => rerouted.has(f))) continue;
      cancelRow(h, order, so, 'cancelled');
    }
  },
};

/** Odoo's unsigned webhook is only a hint: fetch the record's current state (through the outbox). */
const hinted: EventHandler = {
  type: 'erp.record_hinted',
  name: 'erp.fetch_hinted',
  async handle(h) {
    const p = h.event.payload as { sourceId: string; model: string; recordId: number };
    h.outbox({ destination: 'erp:fetch', kind: 'odoo.fetch', subject: h.event.subject, payload: { model: p.model, recordId: p.recordId, sourceId: p.sourceId } });
  },
};

async function discrepancy(h: HandlerContext, policyVersion: string, d: { kind: 'stock' | 'order_state'; ref: string; summary: string; sku?: string; locationId?: string; omniops: number | string; erp: number | string }, n: number): Promise<void> {
  const x = await ensureException(h.tx, {
    category: 'reconciliation_discrepancy', subjectRef: d.ref, summary: d.summary,
    detail: { kind: d.kind, sku: d.sku, locationId: d.locationId, omniops: d.omniops, erp: d.erp, eventId: h.event.id },
  }, `${h.event.id}:discrepancy:${n}`, h.decision.now);
  h.emit({ type: 'reconciliation.discrepancy', payload: { kind: d.kind, ref: d.ref, sku: d.sku, locationId: d.locationId, omniops: d.omniops, erp: d.erp, exceptionId: x.id, policyVersion } });
  if (x.opened) h.audit({ action: 'exception.opened', subject: d.ref, detail: { exceptionId: x.id, queue: 'reconciliation_discrepancy' } });
}

function stockObserved(policies: PolicyBook): EventHandler {
  return {
    type: 'erp.stock_observed',
    name: 'erp.reconcile_stock',
    async handle(h) {
      const p = h.event.payload as { destinationId: string; lines: Array<{ sku: string; warehouseId: number; onHand: number }> };
      const policy = await policies.get('integrations', h.tx);
      const map = new Map<number, string>();
      for (const l of await listLocations(h.tx)) if (l.odooWarehouseId !== undefined) map.set(l.odooWarehouseId, l.id);
      const ours = (await queryStock(h.tx, { limit: 1_000_000 })).map((s) => ({ sku: s.sku, locationId: s.locationId, onHand: s.onHand }));
      const c = compareStock(ours, p.lines, map, policy.reconciliation);
      let n = 0;
      for (const d of c.discrepancies) {
        await discrepancy(h, String(policy.version), {
          kind: 'stock', ref: `stock:${d.sku}@${d.locationId}`, sku: d.sku, locationId: d.locationId, omniops: d.omniops, erp: d.erp,
          summary: `${d.sku} at ${d.locationId}: omniops counts ${d.omniops}, the ERP ${d.erp}`,
        }, ++n);
      }
      h.emit({ type: 'reconciliation.completed', payload: { destinationId: p.destinationId, compared: c.compared, discrepancies: c.discrepancies.length, unmappedWarehouses: c.unmappedWarehouses } });
      h.audit({ action: 'erp.stock_reconciled', subject: `erp-stock:${p.destinationId}`, detail: { compared: c.compared, discrepancies: c.discrepancies.length, policyVersion: policy.version } });
    },
  };
}

function recordObserved(policies: PolicyBook): EventHandler {
  return {
    type: 'erp.record_observed',
    name: 'erp.reconcile_order',
    async handle(h) {
      const p = h.event.payload as { model: string; recordId: number; found: boolean; state: string | null; origin: string | null };
      if (p.model !== 'sale.order' || !p.origin?.startsWith('omniops:order:')) return;
      const orderId = p.origin.slice('omniops:order:'.length).split('#')[0]!;
      const order = await orderById(h.tx, orderId);
      if (!order) return;
      const why = compareOrderState(order.state, p.found ? p.state : null);
      if (!why) return;
      const policy = await policies.get('integrations', h.tx);
      await discrepancy(h, String(policy.version), { kind: 'order_state', ref: `order:${order.id}`, omniops: order.state, erp: p.state ?? 'missing', summary: `order ${order.externalOrderId}: ${why}` }, 1);
    },
  };
}

/** A carrier's problem report lands in the shipment exception queue for service agents. */
const shipmentProblem: EventHandler = {
  type: 'shipment.exception',
  name: 'shipments.exception',
  async handle(h) {
    const p = h.event.payload as { fulfilmentId: string; carrier: string; trackingNumber: string; reason: string; detail?: string };
    const x = await ensureException(h.tx, {
      category: 'shipment_exception', subjectRef: `fulfilment:${p.fulfilmentId}`, summary: `${p.carrier} ${p.trackingNumber}: ${p.reason}${p.detail ? ` (${p.detail})` : ''}`,
      detail: { ...p, eventId: h.event.id },
    }, `${h.event.id}:shipment-exception`, h.decision.now);
    if (x.opened) h.audit({ action: 'exception.opened', subject: `fulfilment:${p.fulfilmentId}`, detail: { exceptionId: x.id, queue: 'shipment_exception', reason: p.reason } });
  },
};

export function integrationHandlers(policies: PolicyBook): EventHandler[] {
  return [routedToErp(), routedToErp('order.handed_over'), reroutedToErp, heldToErp, cancelledToErp, hinted, stockObserved(policies), recordObserved(policies), shipmentProblem];
}

/** Reconciliation with the ERP: asks the Odoo destination for stock.quant (read by the delivery worker). */
export const erpReconciliation: ScheduledControl = async (h) => {
  const { slotMs } = h.event.payload as { slotMs: number };
  h.outbox({ destination: 'erp:reconciliation', kind: 'odoo.stock_read', subject: 'erp-stock', payload: { slotMs } });
};
