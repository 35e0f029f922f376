import type { EventHandler, HandlerContext } from '../dispatch/handler.js';
import type { PolicyBook } from '../policy-book.js';
import type { ScheduledControl } from '../orders/scheduled.js';
import { fulfilmentsOfOrder, keepOrdersForErp, orderById, orderForErp } from '../../store/repos/orders.js';
import { pushKeysOf, saleOrderPushKey } from './sale-order-keys.js';
import { eventsBySubject } from '../../store/repos/events.js';
import { getLocation, listLocations } from '../../store/repos/masterdata.js';
import { queryStock } from '../../store/repos/stock.js';
import { compareOrderState, compareStock } from '../../domain/integrations/reconcile.js';
import { ensureException } from '../delivery/exceptions.js';

/**
 * The ERP side of the order flow and its controls. Handlers never call Odoo: they write outbox rows
 * (`erp:*`), which the delivery worker carries out against the Odoo destination; what it reads comes
 * back as events (`erp.stock_observed`, `erp.record_observed`) that the handlers here compare.
 */
type Plan = Array<{ lineId: string; sku: string; locationId: string; qty: number; fulfilmentId: string }>;

/**
 * Routed → one sale.order per shipping location, with that location's Odoo warehouse. A till sale
 * (`order.handed_over`) is pushed the same way, from its store: the ERP books every sale.
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
      const p = h.event.payload as { orderId: string; plan: Plan };
      const order = await orderForErp(h.tx, p.orderId);
      if (!order) throw new Error(`order ${p.orderId} not found for the ERP push`);
      const price = order.unitPrices;
      const byLocation = new Map<string, Plan>();
      for (const a of p.plan) byLocation.set(a.locationId, [...(byLocation.get(a.locationId) ?? []), a]);
      for (const [locationId, lines] of byLocation) {
        const loc = await getLocation(h.tx, locationId);
        // Exactly once per order (per shipping location when split): the push key is Odoo's marker.
        const pushKey = saleOrderPushKey(order.id, locationId, byLocation.size);
        h.outbox({
          destination: 'erp:sale_order', kind: 'sale_order', subject: h.event.subject,
          payload: {
            pushKey, orderId: order.id, channel: order.source, channelRef: order.externalOrderId, currency: order.currency, locationId,
            warehouseId: loc?.odooWarehouseId ?? null, lines: lines.map((l) => ({ lineId: l.lineId, sku: l.sku, qty: l.qty, unitPrice: price.get(l.lineId) ?? 0 })),
          },
        });
        h.audit({ action: 'erp.sale_order_queued', subject: h.event.subject, detail: { orderId: order.id, pushKey, locationId, warehouseId: loc?.odooWarehouseId ?? null } });
      }
    },
  };
}

/**
 * Cancelled → the sale orders pushed for it are cancelled in Odoo (`sale_order.cancel`, same
 * destination and subject as the pushes, so each goes out after the push it undoes). A partial cancel
 * (a part already gone out) leaves the sale orders of the locations that shipped: the ERP invoices and
 * delivers those. Without this a cancelled order stayed a confirmed sale order, with its picking, in Odoo.
 */
const cancelledToErp: EventHandler = {
  type: 'order.cancelled',
  name: 'erp.sale_order_cancel',
  async handle(h) {
    const p = h.event.payload as { orderId: string; partial?: boolean };
    const order = await orderForErp(h.tx, p.orderId);
    if (!order) throw new Error(`order ${p.orderId} not found for the ERP cancel`);
    // What was pushed: one sale order per push key of every routing decision carried out.
    const routed = (await eventsBySubject(h.tx, h.event.subject)).filter((e) => e.type === 'order.routed');
    const keys = pushKeysOf(order.id, routed.map((e) => (e.payload as { plan: Array<{ locationId: string }> }).plan));
    const goneOut = new Set(p.partial ? (await fulfilmentsOfOrder(h.tx, order.id)).filter((f) => ['shipped', 'delivered', 'exception'].includes(f.state)).map((f) => f.locationId) : []);
    for (const [pushKey, locations] of keys) {
      if ([...locations].some((l) => goneOut.has(l))) continue;
      h.outbox({ destination: 'erp:sale_order', kind: 'sale_order.cancel', subject: h.event.subject, payload: { pushKey, orderId: order.id, channelRef: order.externalOrderId, locationIds: [...locations].sort() } });
      h.audit({ action: 'erp.sale_order_cancel_queued', subject: h.event.subject, detail: { orderId: order.id, pushKey } });
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
  return [routedToErp(), routedToErp('order.handed_over'), cancelledToErp, hinted, stockObserved(policies), recordObserved(policies), shipmentProblem];
}

/** Reconciliation with the ERP: asks the Odoo destination for stock.quant (read by the delivery worker). */
export const erpReconciliation: ScheduledControl = async (h) => {
  const { slotMs } = h.event.payload as { slotMs: number };
  h.outbox({ destination: 'erp:reconciliation', kind: 'odoo.stock_read', subject: 'erp-stock', payload: { slotMs } });
};
