import type { EventHandler, HandlerContext } from '../dispatch/handler.js';
import type { PolicyBook } from '../policy-book.js';
import { DomainError } from '../../domain/errors.js';
import { isRole, type Role } from '../../domain/roles.js';
import { INBOUND_STATES, transitionPurchaseOrder, type PurchaseOrderCommand, type PurchaseOrderState } from '../../domain/procurement/purchase-order.js';
import { stockIncreasesOf } from '../../domain/procurement/receipt.js';
import { dayOf } from '../../domain/replenishment/days.js';
import { addOnHand } from '../../store/repos/stock.js';
import { receiptMs } from '../../domain/inventory/movement-time.js';
import type { PoConfirmedPayload, PoDelayedPayload, PoReceivedPayload } from '../../domain/procurement/events.js';
import { getLocation } from '../../store/repos/masterdata.js';
import { markAvailabilityDirty } from '../../store/repos/availability.js';
import { insertPurchaseOrder, purchaseOrderById, savePurchaseOrder, type PurchaseOrderDoc, type PurchaseOrderRecord } from '../../store/repos/replenishment.js';
import { requestApproval } from '../approvals/request.js';
import { openException } from '../exceptions/open.js';
import { overDeliveries } from '../../domain/procurement/over-delivery.js';
import { promisesOfPurchaseOrder, revisePromisesUnlessOnTheShelf, routePromisedBackorders } from '../orders/backorder-promises.js';

export const poSubject = (id: string) => `po:${id}`;

/** Who may decide on replenishment: accept or dismiss a recommendation, cancel a purchase order (SPEC §1). */
export const REPLENISHMENT_DECIDERS: Role[] = ['admin', 'category_manager', 'procurement', 'operations_manager'];

/**
 * The PO's document keeps what the lifecycle needs to tell news from repeats (no columns of their
 * own): when the supplier sent the last news the PO took (`supplierSentMs`: a confirmation overtaken
 * by a later delay is stale) and the goods-receipt numbers taken in (`receiptIds`).
 */
function tracked(po: PurchaseOrderRecord): PurchaseOrderRecord {
  return { ...po, supplierSentMs: po.doc.supplierSentMs ?? null, receiptIds: po.doc.receiptIds ?? [] };
}

/** When the sender says it sent the event (its own clock); undefined when unreadable. */
function sentMsOf(h: HandlerContext): number | undefined {
  const ms = Date.parse(h.event.occurredAt);
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * Applies a lifecycle command to a PO: the pure transition decides, the row is saved only if it is
 * still in the state it was read in (a replay or a racing step finds it moved and changes nothing),
 * and the step is announced and audited. A refused transition throws: retried, then dead-lettered
 * where an operator sees it — a state is never forced. A supplier's stale or repeated news is no
 * error: it is audited as ignored and changes nothing (null).
 */
export async function stepPurchaseOrder(
  h: HandlerContext,
  po: PurchaseOrderRecord,
  command: PurchaseOrderCommand,
  note?: string,
  amend?: (doc: PurchaseOrderDoc) => PurchaseOrderDoc,
): Promise<PurchaseOrderRecord | null> {
  const t = transitionPurchaseOrder(tracked(po), command);
  if (!t.ok && t.reason === 'invalid_transition') throw new DomainError('E_INVALID_STATE', `purchase order ${po.id}: ${command.kind} is not allowed in state ${t.from}`);
  if (!t.ok) {
    h.audit({ action: 'purchase_order.update_ignored', subject: poSubject(po.id), detail: { command: command.kind, reason: t.reason, state: po.state, sentAt: h.event.occurredAt } });
    return null;
  }
  const doc: PurchaseOrderDoc = { ...po.doc, history: [...po.doc.history], supplierSentMs: t.po.supplierSentMs ?? null, receiptIds: [...(t.po.receiptIds ?? [])] };
  const next: PurchaseOrderRecord = { ...po, ...t.po, doc: amend ? amend(doc) : doc };
  return commitStep(h, po, next, note);
}

export async function commitStep(h: HandlerContext, before: PurchaseOrderRecord, next: PurchaseOrderRecord, note?: string): Promise<PurchaseOrderRecord | null> {
  if (before.state !== next.state) next.doc.history.push({ at: h.decision.now, from: before.state, to: next.state, eventId: h.event.id, ...(note ? { note } : {}) });
  if (!(await savePurchaseOrder(h.tx, next, before.state, new Date(h.decision.now).toISOString()))) return null;
  announce(h, before.state, next, note);
  return next;
}

function announce(h: HandlerContext, from: PurchaseOrderState | 'none', po: PurchaseOrderRecord, note?: string): void {
  h.audit({
    action: from === po.state ? 'purchase_order.updated' : 'purchase_order.state_changed',
    subject: poSubject(po.id),
    before: from === 'none' ? undefined : { state: from },
    after: { state: po.state, expectedDate: po.expectedDate, lines: po.lines },
    ...(note ? { detail: { note } } : {}),
  });
  if (from !== po.state) {
    h.emit({ type: 'po.state_changed', subject: poSubject(po.id), payload: { poId: po.id, from, to: po.state, supplierId: po.supplierId, locationId: po.locationId, expectedDate: po.expectedDate, note: note ?? null } });
  }
}

/** The PO goes out: the ERP books it (outbox, `erp:purchase_orders`) and the supplier is told. */
export function placementEffects(h: HandlerContext, po: PurchaseOrderRecord): void {
  const lines = po.lines.map((l) => ({ sku: l.sku, qty: l.qty, unitCost: po.unitCosts[l.sku] ?? null }));
  const payload = { poId: po.id, supplierId: po.supplierId, locationId: po.locationId, expectedDate: po.expectedDate, expedite: po.expedite, value: po.value, lines };
  h.outbox({ destination: 'erp:purchase_orders', kind: 'purchase_order.place', subject: poSubject(po.id), payload });
  h.outbox({ destination: `supplier:${po.supplierId}`, kind: 'purchase_order.placed', subject: poSubject(po.id), payload });
}

/** A new PO row, announced (`none → state`) and audited; false when it exists already. */
export async function createPurchaseOrder(h: HandlerContext, po: PurchaseOrderRecord, note?: string): Promise<boolean> {
  po.doc.history.push({ at: h.decision.now, from: 'none', to: po.state, eventId: h.event.id, ...(note ? { note } : {}) });
  if (!(await insertPurchaseOrder(h.tx, po, new Date(h.decision.now).toISOString()))) return false;
  announce(h, 'none', po, note);
  return true;
}

/**
 * A draft goes out: every approval the purchase needs is requested (expedited → `emergency_purchase`,
 * substitution → `supplier_substitution`; above value has no approvals subject and is satisfied by the
 * accepting person's role, checked before this). No approval pending: the PO is placed at once.
 */
export async function submitDraft(h: HandlerContext, policies: PolicyBook, po: PurchaseOrderRecord, requestedBy: string): Promise<PurchaseOrderRecord | null> {
  for (const a of po.doc.approvals) {
    if (a.subject !== 'emergency_purchase' && a.subject !== 'supplier_substitution') continue;
    const answer = await requestApproval(h, policies, { subject: a.subject, subjectRef: po.id, facts: { amount: po.value }, requestedBy });
    if (answer.required === true) {
      a.approvalId = answer.approvalId;
      a.status = 'pending';
    } else if (answer.required === false) {
      a.status = 'approved';
      a.note = 'the approvals policy requires no approval';
    } else {
      // The rules could not judge: hold, never proceed.
      a.status = 'undecidable';
      a.note = answer.reason;
    }
  }
  const waiting = po.doc.approvals.filter((a) => a.status === 'pending' || a.status === 'undecidable').length;
  const next = await stepPurchaseOrder(h, po, { kind: 'submit', approvalsRequired: waiting }, waiting > 0 ? `waiting for ${waiting} approval(s)` : 'no approval required');
  if (next && next.state === 'placed') placementEffects(h, next);
  return next;
}

export function purchaseOrderHandlers(policies: PolicyBook): EventHandler[] {
  const confirmed: EventHandler = {
    type: 'po.confirmed',
    name: 'procurement.po_confirmed',
    async handle(h) {
      const p = h.event.payload as PoConfirmedPayload;
      const po = await purchaseOrderById(h.tx, p.poId);
      if (!po) {
        // A PO placed outside omniops (in the ERP, by phone) becomes known by its confirmation.
        if (!(await getLocation(h.tx, p.locationId))) throw new DomainError('E_NOT_FOUND', `unknown location ${p.locationId}`);
        const doc: PurchaseOrderDoc = { approvals: [], history: [], requestedBy: null, delays: [], supplierSentMs: sentMsOf(h) ?? null };
        await createPurchaseOrder(h, {
          id: p.poId, supplierId: p.supplierId, locationId: p.locationId, state: 'confirmed', lines: p.lines.map((l) => ({ sku: l.sku, qty: l.qty, receivedQty: 0 })),
          expectedDate: p.expectedDate, plannedDate: p.expectedDate, promisedDate: p.expectedDate, receivedDate: null, expedite: false,
          recommendationId: null, value: 0, createdMs: h.decision.now, unitCosts: {}, doc,
        }, 'confirmed by the supplier (not placed through omniops)');
        return;
      }
      // PO numbers are not unique across suppliers: another supplier's (or another delivery
      // address's) confirmation must not rewrite this order's quantities and date.
      if (p.supplierId !== po.supplierId || p.locationId !== po.locationId) {
        throw new DomainError('E_CONFLICT', `purchase order ${po.id} is with ${po.supplierId} for ${po.locationId}, not ${p.supplierId} for ${p.locationId}`);
      }
      // A confirmation may move the date, cut quantities or close the PO: the promises made from it
      // follow it, as after a delay (read before the step, while the PO is inbound as it was).
      const promises = await promisesOfPurchaseOrder(h, po);
      const next = await stepPurchaseOrder(h, po, { kind: 'confirmed', payload: p, sentMs: sentMsOf(h) }, `confirmed for ${p.expectedDate}`);
      if (next) await revisePromisesUnlessOnTheShelf(h, policies, promises, po, `purchase order ${po.id} confirmed for ${p.expectedDate}`);
    },
  };

  const delayed: EventHandler = {
    type: 'po.delayed',
    name: 'procurement.po_delayed',
    async handle(h) {
      const p = h.event.payload as PoDelayedPayload;
      const po = await purchaseOrderById(h.tx, p.poId);
      if (!po) throw new DomainError('E_NOT_FOUND', `no purchase order ${p.poId} (a delay before the order: retried)`);
      const delay = { at: h.decision.now, from: po.expectedDate, to: p.newExpectedDate, ...(p.reason ? { reason: p.reason } : {}) };
      const promises = await promisesOfPurchaseOrder(h, po);
      const next = await stepPurchaseOrder(h, po, { kind: 'delayed', payload: p, sentMs: sentMsOf(h) }, `delayed ${po.expectedDate} → ${p.newExpectedDate}${p.reason ? `: ${p.reason}` : ''}`, (doc) => ({ ...doc, delays: [...doc.delays, delay] }));
      // Stale or repeated news (or a racing step): nothing moved, nobody is told again.
      if (!next) return;
      await revisePromisesUnlessOnTheShelf(h, policies, promises, po, `purchase order ${po.id} delayed to ${p.newExpectedDate}`);
      h.outbox({ destination: 'notify:category_manager', kind: 'purchase_order.delayed', subject: poSubject(po.id), payload: { poId: po.id, supplierId: po.supplierId, locationId: po.locationId, from: po.expectedDate, to: p.newExpectedDate, reason: p.reason ?? null } });
    },
  };

  const received: EventHandler = {
    type: 'po.received',
    name: 'procurement.po_received',
    async handle(h) {
      const p = h.event.payload as PoReceivedPayload;
      const po = await purchaseOrderById(h.tx, p.poId);
      if (!po) throw new DomainError('E_NOT_FOUND', `no purchase order ${p.poId} (a receipt before the order: retried)`);
      // Goods reported at another location would raise stock there while this PO's location keeps
      // waiting for them (and stops counting them as inbound): an operator must sort that out.
      if (p.locationId !== po.locationId) throw new DomainError('E_CONFLICT', `purchase order ${po.id} delivers to ${po.locationId}, not ${p.locationId}`);
      if (!(await getLocation(h.tx, p.locationId))) throw new DomainError('E_NOT_FOUND', `unknown location ${p.locationId}`);
      const promises = await promisesOfPurchaseOrder(h, po);
      const next = await stepPurchaseOrder(h, po, { kind: 'received', payload: p }, `received ${p.lines.map((l) => `${l.qty} ${l.sku}`).join(', ')} on ${p.receivedDate}`);
      if (!next) return;
      const at = new Date(h.decision.now).toISOString();
      const increases = stockIncreasesOf(p);
      // Timed by when the goods came in (occurredAt, never after it reached us nor before the order
      // existed): a count taken after that already has them on the shelf (docs/orders.md, "Stock counts").
      const inMs = receiptMs(h.event, po.createdMs);
      for (const inc of increases) {
        const countedMs = await addOnHand(h.tx, inc.sku, inc.locationId, inc.qty, at, inMs);
        if (countedMs !== null) h.audit({ action: 'stock.movement_superseded', subject: `stock:${inc.locationId}:${inc.sku}`, detail: { movement: 'receipt', eventId: h.event.id, poId: po.id, qty: inc.qty, happenedMs: inMs, countedMs } });
        else h.audit({ action: 'stock.received', subject: `stock:${inc.locationId}:${inc.sku}`, detail: { delta: inc.qty, poId: po.id, reason: 'receipt' } });
      }
      await markAvailabilityDirty(h.tx, increases.map((i) => i.sku), h.decision.now);
      const closedBefore = !INBOUND_STATES.includes(po.state);
      await askAboutReceipt(h, policies, next, p, closedBefore ? po.state : null);
      const routed = await routePromisedBackorders(h, policies, promises, `purchase order ${po.id} received`);
      // Closed by this receipt (final, or nothing left to come): what it did not bring will never come.
      // A partial receipt revises nothing: an order it did not place keeps its promise of what is to come.
      // One that closed before revised its promises then.
      if (!closedBefore && !INBOUND_STATES.includes(next.state)) await revisePromisesUnlessOnTheShelf(h, policies, promises, po, `purchase order ${po.id} received and closed`, routed);
    },
  };
  const cancel: EventHandler = {
    type: 'purchase_order.cancel_requested',
    name: 'procurement.po_cancel',
    async handle(h) {
      const p = h.event.payload as { poId: string; reason?: string };
      const po = await purchaseOrderById(h.tx, p.poId);
      if (!po) throw new DomainError('E_NOT_FOUND', `no purchase order ${p.poId}`);
      const by = h.event.actor ?? `source:${h.event.source}`;
      if (!isRole(h.event.actorRole) || !REPLENISHMENT_DECIDERS.includes(h.event.actorRole)) {
        h.audit({ action: 'purchase_order.cancel_refused', subject: poSubject(po.id), detail: { by, role: h.event.actorRole } });
        return;
      }
      const t = transitionPurchaseOrder(po, { kind: 'cancel' });
      if (!t.ok) {
        // Already received or cancelled (a second click, a resent command): nothing to call back.
        h.audit({ action: 'purchase_order.cancel_ignored', subject: poSubject(po.id), detail: { state: po.state, by } });
        return;
      }
      const promises = await promisesOfPurchaseOrder(h, po);
      const next = await stepPurchaseOrder(h, po, { kind: 'cancel' }, `cancelled by ${by}${p.reason ? `: ${p.reason}` : ''}`);
      // Only an order that went out must be called back; a draft was never seen by the ERP or the supplier.
      if (!next || !INBOUND_STATES.includes(po.state)) return;
      await revisePromisesUnlessOnTheShelf(h, policies, promises, po, `purchase order ${po.id} cancelled`);
      const outstanding = po.lines.map((l) => ({ sku: l.sku, qty: Math.max(0, l.qty - l.receivedQty) })).filter((l) => l.qty > 0);
      const payload = { poId: po.id, supplierId: po.supplierId, locationId: po.locationId, reason: p.reason ?? null, outstanding };
      h.outbox({ destination: 'erp:purchase_orders', kind: 'purchase_order.cancel', subject: poSubject(po.id), payload });
      h.outbox({ destination: `supplier:${po.supplierId}`, kind: 'purchase_order.cancelled', subject: poSubject(po.id), payload });
    },
  };
  return [confirmed, delayed, received, cancel];
}

/**
 * A receipt procurement must answer for, before the supplier's invoice is matched: the goods are
 * booked either way (stock is what is on the shelf), and one item per purchase order is opened — a
 * later one on the same order while it is open is counted there, its latest lines in `last`.
 * - Above what the order asked for (policy `receiving`): keep and pay, send back, or amend the order.
 * - After the order closed (`closedAs`: received in full or short, or cancelled): always, whatever the
 *   quantities — the order was done with, and the delivery was not expected.
 */
async function askAboutReceipt(h: HandlerContext, policies: PolicyBook, po: PurchaseOrderRecord, p: PoReceivedPayload, closedAs: PurchaseOrderState | null): Promise<void> {
  const rules = (await policies.get('replenishment', h.tx)).receiving;
  const over = rules ? overDeliveries(po.lines, new Set(p.lines.map((l) => l.sku)), rules.overDeliveryTolerancePercent) : [];
  if (over.length === 0 && closedAs === null) return;
  const named = over.map((o) => (o.ordered === 0 ? `${o.received} ${o.sku} not ordered` : `${o.received} ${o.sku} of ${o.ordered} ordered`)).join(', ');
  const brought = p.lines.map((l) => `${l.qty} ${l.sku}`).join(', ');
  const summary = closedAs !== null
    ? `purchase order ${po.id} from ${po.supplierId} received ${brought} after it was ${closedAs === 'cancelled' ? 'cancelled' : 'closed'}${named ? ` (over: ${named})` : ''} — keep and pay, send back, or amend the order`
    : `purchase order ${po.id} from ${po.supplierId} received more than ordered: ${named} (tolerance ${rules!.overDeliveryTolerancePercent} %) — keep and pay, send back, or amend the order`;
  await openException(h, {
    category: 'reconciliation_discrepancy',
    ownerRole: 'procurement',
    subjectRef: poSubject(po.id),
    summary,
    detail: {
      kind: closedAs !== null ? 'received_after_close' : 'over_delivery', poId: po.id, supplierId: po.supplierId, locationId: po.locationId,
      receiptId: p.receiptId ?? null, eventId: h.event.id, lines: over, received: p.lines, ...(closedAs !== null ? { closedAs } : {}),
      tolerancePercent: rules?.overDeliveryTolerancePercent ?? null,
    },
  }, { countRecurrences: true });
}

/** `approval.decided` for the purchase subjects: the last approval places the PO, a rejection cancels it. */
export function purchaseApprovalDecidedHandler(): EventHandler {
  return {
    type: 'approval.decided',
    name: 'procurement.approval_decided',
    async handle(h) {
      const p = h.event.payload as { approvalId: string; subject: string; subjectRef: string; outcome: 'approved' | 'rejected' | 'expired'; expiryOutcome?: string | null; decidedBy?: unknown };
      if (p.subject !== 'emergency_purchase' && p.subject !== 'supplier_substitution') return;
      const po = await purchaseOrderById(h.tx, p.subjectRef);
      if (!po) return;
      const entry = po.doc.approvals.find((a) => a.approvalId === p.approvalId);
      // A replay, a second decision or one for a PO already decided finds nothing waiting.
      if (po.state !== 'awaiting_approval' || !entry || entry.status !== 'pending') {
        h.audit({ action: 'purchase_order.approval_ignored', subject: poSubject(po.id), detail: { approvalId: p.approvalId, state: po.state, outcome: p.outcome } });
        return;
      }
      const approved = p.outcome === 'approved' || (p.outcome === 'expired' && p.expiryOutcome === 'approve');
      const by = Array.isArray(p.decidedBy) ? p.decidedBy.join(', ') : String(p.decidedBy ?? '');
      const doc = { ...po.doc, approvals: po.doc.approvals.map((a) => (a === entry ? { ...a, status: p.outcome } : a)) };
      const withDecision: PurchaseOrderRecord = { ...po, doc };
      if (!approved) {
        await stepPurchaseOrder(h, withDecision, { kind: 'reject' }, `${p.subject} ${p.outcome}${by ? ` by ${by}` : ''}`);
        return;
      }
      const stillWaiting = doc.approvals.some((a) => a.status === 'pending' || a.status === 'undecidable');
      if (stillWaiting) {
        await commitStep(h, po, { ...withDecision, doc: { ...doc, history: [...doc.history] } }, `${p.subject} approved${by ? ` by ${by}` : ''}; more approvals pending`);
        return;
      }
      const placed = await stepPurchaseOrder(h, withDecision, { kind: 'approve', waitedDays: dayOf(h.decision.now) - dayOf(po.createdMs) }, `${p.subject} approved${by ? ` by ${by}` : ''}`);
      if (placed) placementEffects(h, placed);
    },
  };
}
