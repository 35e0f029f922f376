import type { EventHandler } from '../dispatch/handler.js';
import type { PolicyBook } from '../policy-book.js';
import { canonicalJson } from '../../domain/canonical-json.js';
import type { Supplier } from '../../domain/procurement/supplier.js';
import type { PromotionScheduledPayload } from '../../domain/procurement/events.js';
import { getPromotion, getSupplier, importDemand, putPromotion, putSupplier } from '../../store/repos/replenishment.js';
import { purchaseApprovalDecidedHandler, purchaseOrderHandlers } from './purchase-orders.js';
import { recommendationHandlers } from './recommendations.js';
import { transferHandlers } from './transfers.js';
import { refuseUnauthorised } from '../handlers/masterdata.js';

/**
 * Suppliers are master data: replaced whole by their upsert, only from a sender who may change them
 * (MASTER_DATA_AUTHORITY); an unchanged resend writes nothing.
 */
export const supplierUpsertHandler: EventHandler = {
  type: 'supplier.upserted',
  name: 'procurement.supplier',
  async handle({ tx, event, audit }) {
    await refuseUnauthorised(tx, event);
    const next = event.payload as Supplier;
    const before = await getSupplier(tx, next.id);
    if (before && canonicalJson(before) === canonicalJson(next)) return;
    await putSupplier(tx, next, event.receivedAt);
    audit({ action: before ? 'supplier.updated' : 'supplier.created', subject: `supplier:${next.id}`, before, after: next });
  },
};

export const promotionScheduledHandler: EventHandler = {
  type: 'promotion.scheduled',
  name: 'procurement.promotion',
  async handle({ tx, event, audit }) {
    const p = event.payload as PromotionScheduledPayload;
    const before = await getPromotion(tx, p.promotionId);
    if (before && canonicalJson(before) === canonicalJson(p)) return;
    await putPromotion(tx, p, event.receivedAt);
    audit({ action: before ? 'promotion.rescheduled' : 'promotion.scheduled', subject: `promotion:${p.promotionId}`, before, after: p });
  },
};

export const demandHistoryImportedHandler: EventHandler = {
  type: 'demand.history_imported',
  name: 'replenishment.demand_history',
  async handle({ tx, event, audit }) {
    const p = event.payload as { sku: string; locationId: string; days: Array<{ date: string; quantity: number }> };
    await importDemand(tx, p.sku, p.locationId, p.days);
    // One entry per import, not per day (like a stock count).
    audit({ action: 'demand.history_imported', subject: `position:${p.locationId}:${p.sku}`, after: p.days, detail: { days: p.days.length, from: p.days[0]!.date, to: p.days[p.days.length - 1]!.date } });
  },
};

/** Every handler of replenishment and procurement (the check itself is a scheduled control: check.ts). */
export function replenishmentHandlers(policies: PolicyBook): EventHandler[] {
  return [supplierUpsertHandler, promotionScheduledHandler, demandHistoryImportedHandler, ...purchaseOrderHandlers(policies), purchaseApprovalDecidedHandler(), ...recommendationHandlers(policies), ...transferHandlers()];
}
