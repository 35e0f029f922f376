import type { EventHandler, HandlerContext } from '../dispatch/handler.js';
import type { PolicyBook } from '../policy-book.js';
import { isRole, type Role } from '../../domain/roles.js';
import { requiredPurchaseApprovals } from '../../domain/procurement/approvals.js';
import type { PurchaseRecommendation, TransferRecommendation } from '../../domain/replenishment/types.js';
import { reserveIfSellable } from '../../store/repos/stock.js';
import { markAvailabilityDirty } from '../../store/repos/availability.js';
import {
  insertTransfer, moveRecommendation, recommendationById, supplierTermsOf, transferById,
  type PurchaseOrderApproval, type PurchaseOrderRecord, type RecommendationRecord,
} from '../../store/repos/replenishment.js';
import { createPurchaseOrder, REPLENISHMENT_DECIDERS, submitDraft } from './purchase-orders.js';
import { DomainError } from '../../domain/errors.js';
import { dayOf, isoDate } from '../../domain/replenishment/days.js';

export { REPLENISHMENT_DECIDERS };

const recSubject = (id: string) => `recommendation:${id}`;

function actorOf(h: HandlerContext): string {
  return h.event.actor ?? `source:${h.event.source}`;
}

/**
 * Whether the person accepting may do so for this recommendation. A buy above the policy's value
 * needs `aboveValue.role`; the approvals policy has no subject for it, so the requirement is met by
 * the accepting person holding that role (the recommendation was raised by omniops, not by them, so
 * segregation of duties holds) — anyone else is refused before anything is drafted.
 */
export function acceptRefusal(rec: RecommendationRecord, role: string | null, rules: { aboveValue: { amount: number; role: Role } }): string | null {
  if (!isRole(role) || !REPLENISHMENT_DECIDERS.includes(role)) return `role ${role ?? 'none'} may not accept recommendations`;
  const purchase = rec.doc.purchase as PurchaseRecommendation | null;
  if (purchase && purchase.value > rules.aboveValue.amount && role !== rules.aboveValue.role && role !== 'admin') {
    return `a purchase of ${purchase.value} is above ${rules.aboveValue.amount}: only ${rules.aboveValue.role} may accept it`;
  }
  return null;
}

export function recommendationHandlers(policies: PolicyBook): EventHandler[] {
  const accept: EventHandler = {
    type: 'replenishment.accept_requested',
    name: 'replenishment.accept',
    async handle(h) {
      const p = h.event.payload as { recommendationId: string; note?: string };
      const rec = await recommendationById(h.tx, p.recommendationId);
      if (!rec) throw new DomainError('E_NOT_FOUND', `no recommendation ${p.recommendationId}`);
      if (rec.state !== 'open') {
        // The second of two accepts (or a replay): the first already drafted; nothing more.
        h.audit({ action: 'replenishment.accept_ignored', subject: recSubject(rec.id), detail: { state: rec.state, by: actorOf(h) } });
        return;
      }
      const policy = await policies.get('replenishment', h.tx);
      const refusal = acceptRefusal(rec, h.event.actorRole, policy.purchaseApprovals);
      if (refusal) {
        h.audit({ action: 'replenishment.accept_refused', subject: recSubject(rec.id), detail: { reason: refusal, by: actorOf(h) } });
        return;
      }
      const at = new Date(h.decision.now).toISOString();
      const by = actorOf(h);
      const transfer = rec.doc.transfer as TransferRecommendation | null;
      const purchase = rec.doc.purchase as PurchaseRecommendation | null;
      // A recommendation waits for a person: lead times run from the day it is accepted, not from the
      // check that made it. A date from the check would count the goods as inbound days too early.
      const today = dayOf(h.decision.now);
      const transferDate = transfer ? laterDate(transfer.expectedDate, isoDate(today + policy.transfer.leadTimeDays)) : null;
      const purchaseDate = purchase ? laterDate(purchase.expectedDate, isoDate(today + purchase.plannedLeadTimeDays)) : null;

      let transferId: string | null = null;
      const notes: string[] = [];
      if (transfer) {
        transferId = h.decision.newId('transfer');
        // The source gives only what it can still sell now; the rest of the need is the purchase's.
        if (await reserveIfSellable(h.tx, rec.sku, transfer.fromLocationId, transfer.quantity, at)) {
          await insertTransfer(h.tx, { id: transferId, recommendationId: rec.id, sku: rec.sku, fromLocationId: transfer.fromLocationId, toLocationId: rec.locationId, qty: transfer.quantity, state: 'in_transit', expectedDate: transferDate!, createdMs: h.decision.now, doc: { requestedBy: by } }, at);
          await markAvailabilityDirty(h.tx, [rec.sku], h.decision.now);
          h.emit({ type: 'transfer.created', subject: `transfer:${transferId}`, payload: { transferId, recommendationId: rec.id, sku: rec.sku, fromLocationId: transfer.fromLocationId, toLocationId: rec.locationId, qty: transfer.quantity, expectedDate: transferDate! } });
          h.audit({ action: 'transfer.created', subject: `transfer:${transferId}`, after: { state: 'in_transit', qty: transfer.quantity }, detail: { from: transfer.fromLocationId, to: rec.locationId, sku: rec.sku, reserved: transfer.quantity } });
          h.outbox({ destination: `location:${transfer.fromLocationId}`, kind: 'transfer.ship', subject: `transfer:${transferId}`, payload: { transferId, sku: rec.sku, qty: transfer.quantity, toLocationId: rec.locationId, expectedDate: transferDate! } });
        } else {
          notes.push(`transfer from ${transfer.fromLocationId} skipped: ${transfer.quantity} no longer sellable there`);
          transferId = null;
        }
      }

      let poId: string | null = null;
      let placedNow = false;
      if (purchase) {
        poId = h.decision.newId('purchase_order');
        const terms = (await supplierTermsOf(h.tx, rec.sku));
        const primary = terms.find((t) => t.primary) ?? terms[0];
        // The gate is judged again under the policy in force now, not the one of the check.
        const gate = requiredPurchaseApprovals(
          { supplierId: purchase.supplierId, primarySupplierId: primary?.supplierId ?? purchase.supplierId, lines: [{ sku: rec.sku, qty: purchase.quantity, unitCost: purchase.unitCost }], expedite: rec.expedite },
          policy.purchaseApprovals,
        );
        const approvals: PurchaseOrderApproval[] = gate.approvals.map((a) => ({
          reason: a.reason, role: a.role, subject: a.approvalSubject, approvalId: null,
          status: a.approvalSubject === null ? 'satisfied' : 'pending',
          ...(a.approvalSubject === null ? { note: `accepted by ${by} (${h.event.actorRole})` } : {}),
        }));
        const po: PurchaseOrderRecord = {
          id: poId, supplierId: purchase.supplierId, locationId: rec.locationId, state: 'recommended',
          lines: [{ sku: rec.sku, qty: purchase.quantity, receivedQty: 0 }], expectedDate: purchaseDate!, plannedDate: purchaseDate!,
          promisedDate: null, receivedDate: null, expedite: rec.expedite, recommendationId: rec.id, value: gate.value, createdMs: h.decision.now,
          unitCosts: { [rec.sku]: purchase.unitCost }, doc: { approvals, history: [], requestedBy: by, delays: [] },
        };
        // One PO per recommendation: the unique recommendation_id makes a second draft impossible.
        if (await createPurchaseOrder(h, po, `drafted from recommendation ${rec.id}`)) {
          const next = await submitDraft(h, policies, po, by);
          placedNow = next?.state === 'placed';
        } else {
          poId = null;
        }
      }

      const state = purchase && poId && !placedNow ? 'accepted' : 'converted';
      const moved = await moveRecommendation(h.tx, rec.id, 'open', state, { decidedBy: by, poId, transferId, doc: { ...rec.doc, acceptedMs: h.decision.now, note: p.note ?? null, notes } }, at);
      if (!moved) throw new Error(`recommendation ${rec.id} moved while it was being accepted`);
      h.emit({ type: 'replenishment.recommendation_decided', subject: recSubject(rec.id), payload: { recommendationId: rec.id, outcome: 'accepted', by, poId, transferId, reason: p.note ?? null } });
      h.audit({ action: 'replenishment.recommendation_accepted', subject: recSubject(rec.id), before: { state: 'open' }, after: { state, poId, transferId }, detail: notes.length ? { notes } : undefined });
    },
  };

  const dismiss: EventHandler = {
    type: 'replenishment.dismiss_requested',
    name: 'replenishment.dismiss',
    async handle(h) {
      const p = h.event.payload as { recommendationId: string; reason?: string };
      const rec = await recommendationById(h.tx, p.recommendationId);
      if (!rec) throw new DomainError('E_NOT_FOUND', `no recommendation ${p.recommendationId}`);
      const by = actorOf(h);
      if (!isRole(h.event.actorRole) || !REPLENISHMENT_DECIDERS.includes(h.event.actorRole)) {
        h.audit({ action: 'replenishment.dismiss_refused', subject: recSubject(rec.id), detail: { by, role: h.event.actorRole } });
        return;
      }
      if (!(await moveRecommendation(h.tx, rec.id, 'open', 'dismissed', { decidedBy: by, doc: { ...rec.doc, dismissedMs: h.decision.now, reason: p.reason ?? null } }, new Date(h.decision.now).toISOString()))) {
        h.audit({ action: 'replenishment.dismiss_ignored', subject: recSubject(rec.id), detail: { state: rec.state, by } });
        return;
      }
      h.emit({ type: 'replenishment.recommendation_decided', subject: recSubject(rec.id), payload: { recommendationId: rec.id, outcome: 'dismissed', by, poId: null, transferId: null, reason: p.reason ?? null } });
      h.audit({ action: 'replenishment.recommendation_dismissed', subject: recSubject(rec.id), before: { state: 'open' }, after: { state: 'dismissed' }, detail: { reason: p.reason ?? null } });
    },
  };

  return [accept, dismiss];
}

/** The later of two ISO dates. */
function laterDate(a: string, b: string): string {
  return a >= b ? a : b;
}
