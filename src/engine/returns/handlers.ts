import type { EventHandler, HandlerContext } from '../dispatch/handler.js';
import type { PolicyBook } from '../policy-book.js';
import { DomainError } from '../../domain/errors.js';
import { RETURN_DISPOSITIONS, type ReturnDisposition } from '../../domain/ai/labels.js';
import type { AiResult } from '../../domain/ai/port.js';
import { checkReturnEligibility } from '../../domain/returns/eligibility.js';
import { decideDisposition } from '../../domain/returns/disposition.js';
import { chooseDisposition } from '../../domain/returns/choose.js';
import { echoesOfOurRefunds } from '../../domain/returns/refund-echoes.js';
import { followReturns } from './order-returns.js';
import { heldByCase, paidForUnits, refundAmount, restocks, returnWindowStart, stepFor, type HeldOfLine } from '../../domain/returns/case-state.js';
import type { AiRecord, ReturnClassifiedPayload, ReturnDispositionDecidedPayload, ReturnReceivedPayload, ReturnRequestedPayload } from '../../domain/returns/events.js';
import type { OrderPlacedPayload } from '../../domain/orders/index.js';
import { fulfilmentsOfOrder, orderByExternal, orderById, type OrderRecord } from '../../store/repos/orders.js';
import { getLocation, getProduct } from '../../store/repos/masterdata.js';
import {
  insertReturnCase, insertSupplierClaim, lastParcelDeliveredAt, moveRefund, queueAiWork, refundById, returnCaseById, returnCasesOfOrder,
  type ReturnCaseLine, type ReturnCaseRecord,
} from '../../store/repos/returns.js';
import { requestApproval } from './approval.js';
import { orderIdFor, orderSubject } from '../orders/identity.js';
import { caseIdFor, caseSubject, moveCase, noteCase, persistCase, policyVersionOf, requesterOf } from './case.js';
import { requestRefund, sendRefund } from './refunds.js';
import { tellWhatIsOwed } from './refund-owed.js';
import { owedSettledHandler, withdrawOwedOfTurnedDown } from './owed-settled.js';
import { caseClosedHandler, caseCloseRequestedHandler, closeWhenDone } from './closing.js';
import { refusalResolvedHandler } from './refusal-resolved.js';
import { approvalById } from '../../store/repos/approvals.js';
import { claimAnsweredHandler } from './claim-answer.js';

/** The scheduled sweep closing replaced and claimed cases whose work is done (closing.ts). */
export { returnClosingSweep } from './closing.js';

const REPLACEMENT_SOURCE = 'omniops';

function recordToResult(r: AiRecord): AiResult<ReturnDisposition> {
  if (r.status === 'answered' && r.label && (RETURN_DISPOSITIONS as readonly string[]).includes(r.label) && r.confidence !== undefined) {
    return { status: 'answered', label: r.label as ReturnDisposition, confidence: r.confidence, rationale: r.rationale ?? '', model: r.model, inputDigest: r.inputDigest, promptVersion: r.promptVersion };
  }
  return { status: 'unavailable', reason: r.reason ?? 'invalid_output', detail: r.detail ?? `answer ${r.label ?? '(none)'} is not a disposition`, model: r.model, inputDigest: r.inputDigest };
}

async function loadCase(h: HandlerContext, id: string): Promise<ReturnCaseRecord> {
  const c = await returnCaseById(h.tx, id);
  if (!c) throw new DomainError('E_NOT_FOUND', `no return case ${id}`);
  return c;
}

/** What was delivered of each order line: the lines of its fulfilments that reached `delivered`. */
async function deliveredByLine(h: HandlerContext, order: OrderRecord): Promise<Map<string, { qty: number; locationId: string }>> {
  const out = new Map<string, { qty: number; locationId: string }>();
  for (const f of await fulfilmentsOfOrder(h.tx, order.id)) {
    if (f.state !== 'delivered') continue;
    for (const l of f.lines) out.set(l.lineId, { qty: (out.get(l.lineId)?.qty ?? 0) + l.qty, locationId: f.locationId });
  }
  return out;
}

/**
 * What an AI recommendation is about, as the approvals policy names its owners: money for the customer
 * (a refund now or after inspection) is finance's; a replacement, a supplier claim or a rejection is
 * a return disposition (a subject without an owner could never be decided and held the case for ever).
 */
function recommendationSubject(disposition: ReturnDisposition): string {
  return disposition === 'refund_without_return' || disposition === 'inspection_required' ? 'refund' : 'return_disposition';
}

export function returnHandlers(policies: PolicyBook): EventHandler[] {
  /** Carries out an approved disposition (or one that needed no approval). */
  async function carryOut(h: HandlerContext, c: ReturnCaseRecord, why: string): Promise<void> {
    const disposition = c.disposition as ReturnDisposition;
    const step = stepFor(disposition);
    if (step === 'reject') {
      moveCase(h, c, 'rejected', why);
      return;
    }
    moveCase(h, c, 'approved', why);
    /** The item comes back first: the customer is sent a return label, or it never does. */
    const awaitItem = (note: string) => {
      moveCase(h, c, 'awaiting_item', note);
      h.outbox({ destination: `notify:email`, kind: 'return.label', subject: caseSubject(c.id), payload: { caseId: c.id, orderId: c.orderId, customerId: c.customerId } });
    };
    const order = await orderById(h.tx, c.orderId);
    if (!order) throw new DomainError('E_NOT_FOUND', `no order ${c.orderId}`);
    if (step === 'refund_now') {
      await requestRefund(h, policies, c, c.doc.lines, c.doc.currency);
    } else if (step === 'await_item') {
      awaitItem('the item comes back for inspection before any refund');
    } else if (step === 'ship_replacement') {
      const placed = order.doc.placed as unknown as OrderPlacedPayload;
      const externalOrderId = `RPL-${c.id}`;
      // A replacement is a new order through the same orchestration (validation, sourcing, reservation), at no charge.
      h.emit({
        type: 'order.placed',
        subject: orderSubject(REPLACEMENT_SOURCE, externalOrderId),
        payload: {
          externalOrderId,
          customer: placed.customer,
          lines: c.doc.lines.map((l) => ({ lineId: l.lineId, sku: l.sku, qty: l.qty, unitPrice: 0 })),
          currency: placed.currency,
          shipping: placed.shipping,
          payment: { status: 'captured', method: 'return_replacement', amount: 0 },
        },
      });
      c.doc.replacementOrderId = orderIdFor(REPLACEMENT_SOURCE, externalOrderId);
      moveCase(h, c, 'replaced', `replacement order ${c.doc.replacementOrderId}`);
    } else {
      const product = await getProduct(h.tx, c.doc.lines[0]!.sku);
      const supplierId = product?.supplierIds[0];
      if (!supplierId) {
        awaitItem('supplier claim recommended but the product has no supplier: inspect instead');
        return;
      }
      const claimId = `clm_${c.id.slice(4)}`;
      if (await insertSupplierClaim(h.tx, { id: claimId, caseId: c.id, supplierId, amount: c.doc.value, createdMs: h.decision.now, doc: { orderId: c.orderId, lines: c.doc.lines, reason: c.doc.reason } })) {
        h.outbox({ destination: `supplier:${supplierId}`, kind: 'supplier.claim', subject: caseSubject(c.id), payload: { claimId, caseId: c.id, supplierId, amount: c.doc.value, lines: c.doc.lines } });
        h.audit({ action: 'supplier_claim.opened', subject: `supplier:${supplierId}`, after: { claimId, amount: c.doc.value }, detail: { caseId: c.id } });
      }
      c.doc.claimId = claimId;
      moveCase(h, c, 'claimed', `claim ${claimId} against supplier ${supplierId}`);
    }
  }

  /** Sends a case the rules flagged to a person (approvals subject `return_risk`), or carries it out when the approvals policy asks nobody. */
  async function holdForRiskApproval(h: HandlerContext, c: ReturnCaseRecord, p: ReturnDispositionDecidedPayload): Promise<void> {
    const flagged = `${p.disposition} by rule ${p.rule}${p.approvalReasons.length ? ` (${p.approvalReasons.join(', ')})` : ''}`;
    const approval = await requestApproval(h, policies, { subject: 'return_risk', subjectRef: c.id, facts: { amount: c.doc.value }, requestedBy: requesterOf(h) });
    if (approval.required === true) {
      c.doc.approvals.push({ approvalId: approval.approvalId, subject: 'return_risk', required: true });
      moveCase(h, c, 'awaiting_approval', `${flagged}: a person approves before it is carried out`);
      return;
    }
    if (approval.required === 'undecidable') {
      c.doc.approvals.push({ approvalId: null, subject: 'return_risk', required: 'undecidable', reason: approval.reason });
      moveCase(h, c, 'awaiting_approval', `approval rules cannot judge: ${approval.reason}`);
      return;
    }
    // The retailer's approvals policy has no rule for it (a version made before return_risk.review, not taken up): said, not hidden.
    c.doc.approvals.push({ approvalId: null, subject: 'return_risk', required: false, reason: 'the approvals policy asks nobody (no return_risk rule)' });
    h.audit({ action: 'return.risk_approval_not_asked', subject: caseSubject(c.id), detail: { rule: p.rule, reasons: p.approvalReasons, why: 'the approvals policy has no rule for return_risk' } });
    await carryOut(h, c, `${flagged}; the approvals policy asks nobody to approve it`);
  }

  const requested: EventHandler = {
    type: 'return.requested',
    name: 'returns.requested',
    async handle(h) {
      const p = h.event.payload as unknown as ReturnRequestedPayload;
      const channel = p.channel ?? h.event.source;
      const order = p.orderId ? await orderById(h.tx, p.orderId) : await orderByExternal(h.tx, channel, p.externalOrderId!);
      if (!order) throw new DomainError('E_NOT_FOUND', `no order ${p.orderId ?? `${p.externalOrderId} from ${channel}`} (a return before its order: retried)`);
      const id = p.externalReturnId ? caseIdFor(h.event.source, p.externalReturnId) : `ret_${h.decision.newId('return').replace(/-/g, '').slice(0, 24)}`;
      if (await returnCaseById(h.tx, id)) return;

      const placed = order.doc.placed as unknown as OrderPlacedPayload;
      const policy = await policies.get('returns', h.tx);
      const delivered = await deliveredByLine(h, order);
      const returned = new Map<string, HeldOfLine>();
      for (const other of await returnCasesOfOrder(h.tx, order.id)) {
        for (const [lineId, held] of heldByCase({ state: other.state, lines: other.doc.lines })) {
          const before = returned.get(lineId) ?? { units: 0, cents: 0 };
          returned.set(lineId, { units: before.units + held.units, cents: before.cents + held.cents });
        }
      }
      const orderLines = [];
      for (const l of placed.lines) {
        orderLines.push({ lineId: l.lineId, sku: l.sku, deliveredQuantity: delivered.get(l.lineId)?.qty ?? 0, returnedQuantity: returned.get(l.lineId)?.units ?? 0, returnable: (await getProduct(h.tx, l.sku))?.returnable ?? true });
      }
      const byLine = new Map(placed.lines.map((l) => [l.lineId, l]));
      // Only asked when the order was never delivered as a whole (a parcel lost): one read, rarely.
      const deliveredAt = returnWindowStart(order.doc.history, order.doc.history.some((x) => x.to === 'delivered') ? null : await lastParcelDeliveredAt(h.tx, order.id));
      const eligibility = checkReturnEligibility({ lines: p.lines.map((l) => ({ lineId: l.lineId, quantity: l.qty })), orderLines, deliveredAt, requestedAt: h.decision.now }, policy);
      // One case line per order line: a channel naming a line twice asks for the sum (two lines with one
      // id could never both be refunded, and the refund's failure left the case stuck).
      const asked = new Map<string, number>();
      for (const l of p.lines) asked.set(l.lineId, (asked.get(l.lineId) ?? 0) + l.qty);
      const lines: Array<ReturnCaseLine & { amount: number }> = [...asked].map(([lineId, qty]) => {
        const ol = byLine.get(lineId);
        const amount = ol ? paidForUnits(ol, returned.get(lineId) ?? { units: 0, cents: 0 }, qty) : 0;
        const unitPrice = ol ? Math.round((ol.unitPrice - (ol.discount ?? 0) / ol.qty) * 100) / 100 : 0;
        // unitPrice is the net price the customer reads; amount is what is refunded, exact to the cent over every case of the line.
        return { lineId, sku: ol?.sku ?? `unknown-line:${lineId}`, qty, unitPrice, amount };
      });
      const c: ReturnCaseRecord = {
        id,
        orderId: order.id,
        customerId: order.customerId,
        state: 'requested',
        category: null,
        disposition: null,
        createdMs: h.decision.now,
        doc: {
          source: h.event.source,
          externalReturnId: p.externalReturnId ?? null,
          orderRef: { source: order.source, externalOrderId: order.externalOrderId },
          reason: p.reason,
          reasonCode: p.reasonCode ?? null,
          lines,
          value: refundAmount(lines),
          currency: order.currency,
          deliveredAt,
          requestedAt: h.decision.now,
          approvals: [],
          history: [{ at: h.decision.now, from: 'none', to: 'requested', eventId: h.event.id }],
        },
      };
      h.audit({ action: 'return.requested', subject: caseSubject(id), after: { state: 'requested', lines: lines.length, value: c.doc.value }, detail: { orderId: order.id, policyVersion: policyVersionOf(policy) } });
      if (!eligibility.eligible) {
        c.doc.problems = [...eligibility.problems];
        moveCase(h, c, 'rejected', `return policy v${policyVersionOf(policy)}: ${eligibility.problems.map((x) => x.code).join(', ')}`);
      } else {
        // The model is asked outside this transaction; its answer comes back as `return.classified`.
        await queueAiWork(h.tx, { id: h.decision.newId('ai-work'), task: 'classify_return', subjectRef: id, nowMs: h.decision.now });
      }
      await insertReturnCase(h.tx, c, new Date(h.decision.now).toISOString());
    },
  };

  const classified: EventHandler = {
    type: 'return.classified',
    name: 'returns.classified',
    async handle(h) {
      const p = h.event.payload as unknown as ReturnClassifiedPayload;
      const c = await loadCase(h, p.caseId);
      if (c.state !== 'requested') {
        noteCase(h, c, `classification ignored: case is ${c.state}`);
        await persistCase(h, c);
        return;
      }
      c.category = p.facts.category;
      c.doc.classification = p.classification;
      c.doc.recommendation = p.recommendation;
      c.doc.facts = p.facts;
      const by = p.classification.status === 'answered' ? `${p.classification.model.id} ${p.classification.model.version}${p.classification.fallbackFrom ? ` (fallback: ${p.classification.fallbackFrom.reason})` : ''}` : `no model (${p.classification.reason})`;
      moveCase(h, c, 'classified', `${p.facts.category} by ${by}`);
      const policy = await policies.get('returns', h.tx);
      const rule = decideDisposition(p.facts, policy);
      const choice = chooseDisposition(recordToResult(p.recommendation), rule, policy);
      h.emit({
        type: 'return.disposition_decided',
        subject: caseSubject(c.id),
        payload: {
          caseId: c.id, disposition: choice.disposition, decidedBy: choice.decidedBy, why: choice.why, confidence: choice.confidence, rationale: choice.rationale,
          needsApproval: choice.needsApproval, approvalReasons: [...choice.approvalReasons], rule: rule.rule, policyVersion: policyVersionOf(policy),
        },
      });
      await persistCase(h, c);
    },
  };

  const dispositionDecided: EventHandler = {
    type: 'return.disposition_decided',
    name: 'returns.disposition',
    async handle(h) {
      const p = h.event.payload as unknown as ReturnDispositionDecidedPayload;
      const c = await loadCase(h, p.caseId);
      if (c.state !== 'classified') {
        noteCase(h, c, `disposition ignored: case is ${c.state}`);
        await persistCase(h, c);
        return;
      }
      c.disposition = p.disposition;
      c.doc.decision = { ...p };
      h.audit({ action: 'return.disposition_decided', subject: caseSubject(c.id), after: { disposition: p.disposition, decidedBy: p.decidedBy, why: p.why }, detail: { confidence: p.confidence, policyVersion: p.policyVersion } });
      if (p.decidedBy === 'rules' && p.needsApproval) {
        // The rules' own approval (risky customer, new account returning a high value): a person says yes
        // before anything is carried out. It stands in for the AI recommendation's: the rules decided, not the AI.
        await holdForRiskApproval(h, c, p);
        await persistCase(h, c);
        return;
      }
      const rec = c.doc.recommendation as AiRecord | undefined;
      if (rec?.status === 'answered') {
        // SPEC §5: an AI recommendation that is unsure or high impact goes to a person (the approval rules say when).
        const confidence = rec.confidence ?? 0;
        const recommendedSubject = recommendationSubject(p.disposition);
        const approval = await requestApproval(h, policies, {
          subject: 'ai_recommendation', subjectRef: c.id, facts: { confidence, recommendedSubject, amount: c.doc.value }, requestedBy: requesterOf(h),
        });
        if (approval.required === true) {
          c.doc.approvals.push({ approvalId: approval.approvalId, subject: 'ai_recommendation', required: true });
          moveCase(h, c, 'awaiting_approval', `${p.disposition} recommended at confidence ${confidence.toFixed(2)}${p.needsApproval ? ` (${p.approvalReasons.join(', ')})` : ''}: a person decides`);
          await persistCase(h, c);
          return;
        }
        if (approval.required === 'undecidable') {
          c.doc.approvals.push({ approvalId: null, subject: 'ai_recommendation', required: 'undecidable', reason: approval.reason });
          moveCase(h, c, 'awaiting_approval', `approval rules cannot judge: ${approval.reason}`);
          await persistCase(h, c);
          return;
        }
      }
      await carryOut(h, c, `${p.disposition} (${p.decidedBy}: ${p.why})`);
      await persistCase(h, c);
    },
  };

  const received: EventHandler = {
    type: 'return.received',
    name: 'returns.received',
    async handle(h) {
      const p = h.event.payload as unknown as ReturnReceivedPayload;
      const c = await loadCase(h, p.caseId);
      if (c.state !== 'awaiting_item') {
        noteCase(h, c, `receipt ignored: case is ${c.state}`);
        h.audit({ action: 'return.receipt_refused', subject: caseSubject(c.id), detail: { state: c.state } });
        await persistCase(h, c);
        return;
      }
      // Goods received at a location we do not know would be marked restocked while the stock change
      // dead-letters: the receipt waits instead (retried, then dead-lettered where an operator replays it).
      if (p.locationId !== undefined && !(await getLocation(h.tx, p.locationId))) throw new DomainError('E_NOT_FOUND', `unknown location ${p.locationId} for the receipt of return case ${c.id}`);
      const order = await orderById(h.tx, c.orderId);
      const delivered = order ? await deliveredByLine(h, order) : new Map<string, { qty: number; locationId: string }>();
      const conditions = new Map(p.lines.map((l) => [l.lineId, l.condition]));
      const got: ReturnCaseLine[] = [];
      for (const line of c.doc.lines) {
        const condition = conditions.get(line.lineId);
        if (!condition) continue;
        line.condition = condition;
        line.receivedAt = h.decision.now;
        got.push(line);
        const locationId = p.locationId ?? delivered.get(line.lineId)?.locationId;
        if (restocks(condition) && locationId) {
          // Resellable stock goes back through the inventory capability, like any other adjustment.
          h.emit({ type: 'inventory.adjusted', subject: `location:${locationId}`, payload: { locationId, sku: line.sku, delta: line.qty, reason: 'return', note: `return case ${c.id}` } });
          line.restockedAt = locationId;
        }
      }
      if (got.length === 0) throw new DomainError('E_SCHEMA', `none of the received lines belong to return case ${c.id}`);
      moveCase(h, c, 'received', got.map((l) => `${l.lineId}: ${l.condition}`).join(', '));
      await requestRefund(h, policies, c, got, c.doc.currency);
      await persistCase(h, c);
    },
  };

  /**
   * A person decided a case the rules flagged: approved, it is carried out as the rules decided;
   * rejected (or expired to a rejection), the case is rejected with the approver's reason. A decision
   * that finds the case no longer waiting for this approval (a replay, a second decision) changes nothing.
   */
  async function riskDecided(h: HandlerContext, caseId: string, approvalId: string, approved: boolean, by: string): Promise<void> {
    const c = await returnCaseById(h.tx, caseId);
    if (!c) return;
    const entry = c.doc.approvals.find((a) => a.subject === 'return_risk' && a.approvalId === approvalId);
    if (c.state !== 'awaiting_approval' || !entry || entry.outcome !== undefined) {
      noteCase(h, c, `risk approval decision ignored: case is ${c.state}`);
      await persistCase(h, c);
      return;
    }
    entry.outcome = approved ? 'approved' : 'rejected';
    if (!approved) {
      const reason = await rejectionReasonOf(h, approvalId);
      moveCase(h, c, 'rejected', `risk approval ${by}${reason ? `: ${reason}` : ''}`);
      h.audit({ action: 'return.rejected', subject: caseSubject(c.id), detail: { approvalId, by, reason: reason ?? null, rule: (c.doc.decision as { rule?: string } | undefined)?.rule ?? null } });
      await persistCase(h, c);
      return;
    }
    await carryOut(h, c, `risk approval ${by}`);
    await persistCase(h, c);
  }

  const approvalDecided: EventHandler = {
    type: 'approval.decided',
    name: 'returns.approval_decided',
    async handle(h) {
      const p = h.event.payload as { approvalId: string; subject: string; subjectRef: string; outcome: 'approved' | 'rejected' | 'expired'; expiryOutcome?: string | null; decidedBy?: string | string[] | null };
      if (p.subject !== 'refund' && p.subject !== 'ai_recommendation' && p.subject !== 'return_risk') return;
      const approved = p.outcome === 'approved' || (p.outcome === 'expired' && p.expiryOutcome === 'approve');
      const deciders = Array.isArray(p.decidedBy) ? p.decidedBy.join(' + ') : p.decidedBy;
      const by = `${p.outcome}${deciders ? ` by ${deciders}` : ''} (approval ${p.approvalId})`;
      if (p.subject === 'refund') {
        const refund = await refundById(h.tx, p.subjectRef);
        if (!refund) return;
        const c = await loadCase(h, refund.caseId);
        // A second decision, a replay or a decision racing another finds the refund no longer waiting: nothing happens.
        if (refund.state !== 'awaiting_approval' || (refund.approvalId !== null && refund.approvalId !== p.approvalId)) {
          noteCase(h, c, `refund decision ignored: refund is ${refund.state}`);
          await persistCase(h, c);
          return;
        }
        const entry = c.doc.approvals.find((a) => a.approvalId === p.approvalId);
        if (entry) entry.outcome = p.outcome;
        let turnedDown = false;
        if (approved) {
          await sendRefund(h, refund, by, c.doc.orderRef);
        } else if (await moveRefund(h.tx, refund, 'awaiting_approval', 'rejected', new Date(h.decision.now).toISOString(), { atMs: h.decision.now, eventId: h.event.id, note: by })) {
          h.audit({ action: 'refund.rejected', subject: `refund:${refund.id}`, before: { state: 'awaiting_approval' }, after: { state: 'rejected' }, detail: { approvalId: p.approvalId } });
          moveCase(h, c, 'rejected', `refund ${by}`);
          // Turned down, it is owed nothing on top either: what finance was told and has not paid is released.
          await withdrawOwedOfTurnedDown(h, c, refund.id);
          turnedDown = true;
        }
        await persistCase(h, c);
        // A refund turned down pays nothing: what it held of the order's payment may be owed to refunds cut before.
        if (turnedDown) await tellWhatIsOwed(h, refund.orderId, `the refund ${refund.id} of return case ${c.id} (${refund.amount} ${refund.currency}) was turned down: it pays nothing`);
        return;
      }
      if (p.subject === 'return_risk') {
        await riskDecided(h, p.subjectRef, p.approvalId, approved, by);
        return;
      }
      const c = await returnCaseById(h.tx, p.subjectRef);
      if (!c) return;
      if (c.state !== 'awaiting_approval') {
        noteCase(h, c, `recommendation decision ignored: case is ${c.state}`);
        await persistCase(h, c);
        return;
      }
      const entry = c.doc.approvals.find((a) => a.approvalId === p.approvalId);
      if (entry) entry.outcome = p.outcome;
      if (!approved) {
        // Turning down the recommendation is not turning down the return: the item is inspected first.
        if (c.disposition === 'inspection_required' || c.disposition === 'reject') {
          moveCase(h, c, 'rejected', `recommendation ${by}`);
          await persistCase(h, c);
          return;
        }
        c.disposition = 'inspection_required';
      }
      await carryOut(h, c, `recommendation ${by}`);
      await persistCase(h, c);
    },
  };

  const settled: EventHandler = {
    type: 'refund.settled',
    name: 'returns.refund_settled',
    async handle(h) {
      const p = h.event.payload as { refundId: string; reference?: string; channelRefundId?: string };
      const refund = await refundById(h.tx, p.refundId);
      if (!refund) throw new DomainError('E_NOT_FOUND', `no refund ${p.refundId}`);
      const c = await loadCase(h, refund.caseId);
      // Kept as data: the reference for people; the channel's refund id ties this refund to the
      // channel's echo of it (refund-echoes.ts).
      const kept = { ...(p.reference ? { reference: p.reference } : {}), ...(p.channelRefundId ? { channelRefundId: p.channelRefundId } : {}) };
      const settling = Object.keys(kept).length > 0 ? { ...refund, doc: { ...refund.doc, ...kept } } : refund;
      if (!(await moveRefund(h.tx, settling, 'sent', 'settled', new Date(h.decision.now).toISOString(), { atMs: h.decision.now, eventId: h.event.id, note: p.reference }))) {
        noteCase(h, c, `settlement ignored: refund is ${refund.state}`);
        await persistCase(h, c);
        return;
      }
      const echo = p.channelRefundId ? await channelEchoOf(h, { ...refund, channelRefundId: p.channelRefundId }) : undefined;
      h.audit({
        action: 'refund.settled', subject: `refund:${refund.id}`, before: { state: 'sent' }, after: { state: 'settled' },
        detail: { reference: p.reference ?? null, channelRefundId: p.channelRefundId ?? null, ...(echo ? { matchedChannelRefund: echo } : {}) },
      });
      const matched = echo ? `; matched channel refund ${echo.refundId} (${echo.amount} ${echo.currency}): the same money, counted once` : '';
      moveCase(h, c, 'refunded', `refund ${refund.id} settled${p.reference ? ` (${p.reference})` : ''}${matched}`);
      await persistCase(h, c);
      await followReturns(h, policies, c);
      await closeWhenDone(h, policies, c);
      // The echo told before counted beside ours until now: what it held may be owed to refunds cut meanwhile.
      if (echo) await tellWhatIsOwed(h, refund.orderId, `our refund ${refund.id} was paid out as the channel's refund ${echo.refundId}: the two no longer count twice`);
    },
  };

  return [requested, classified, dispositionDecided, received, approvalDecided, settled, owedSettledHandler(policies), caseClosedHandler(), caseCloseRequestedHandler(), claimAnsweredHandler(policies), refusalResolvedHandler(policies)];
}

/** The channel's refund, already told, that paid out this refund of ours (its id is the settlement's channelRefundId), if any. */
async function channelEchoOf(h: HandlerContext, ours: { orderId: string; amount: number; currency: string; channelRefundId: string }) {
  const order = await orderById(h.tx, ours.orderId);
  const atChannel = order?.doc.channelRefunds ?? [];
  const [refundId] = echoesOfOurRefunds([ours], atChannel).keys();
  const echo = atChannel.find((r) => r.refundId === refundId);
  return echo ? { refundId: echo.refundId, amount: echo.amount, currency: echo.currency } : undefined;
}

/** What the person who turned an approval down wrote (their comment), if the approval is on record. */
async function rejectionReasonOf(h: HandlerContext, approvalId: string): Promise<string | undefined> {
  const approval = await approvalById(h.tx, approvalId);
  return approval?.decisions.find((d) => d.decision === 'reject' && d.comment)?.comment ?? undefined;
}
