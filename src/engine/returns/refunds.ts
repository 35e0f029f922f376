import type { HandlerContext } from '../dispatch/handler.js';
import type { PolicyBook } from '../policy-book.js';
import { requestApproval } from './approval.js';
import { refundAmount } from '../../domain/returns/case-state.js';
import { insertRefund, moveRefund, refundOfCase, type RefundRecord, type ReturnCaseLine, type ReturnCaseRecord } from '../../store/repos/returns.js';
import { caseSubject, noteCase, refundIdFor, requesterOf } from './case.js';

/**
 * Asks for the refund of a case's lines: at most one refund per case and return line, ever — the
 * row is claimed first (unique keys), so a duplicate request, a second decision or a replay finds it
 * and does nothing. Every refund passes the approval rules; it goes out only once approved.
 */
export async function requestRefund(h: HandlerContext, policies: PolicyBook, c: ReturnCaseRecord, lines: readonly ReturnCaseLine[], currency: string): Promise<RefundRecord | null> {
  if (await refundOfCase(h.tx, c.id)) {
    noteCase(h, c, 'refund already requested: nothing new');
    return null;
  }
  const refund: RefundRecord = {
    id: refundIdFor(c.id),
    caseId: c.id,
    orderId: c.orderId,
    amount: refundAmount(lines),
    currency,
    state: 'awaiting_approval',
    approvalId: null,
    createdMs: h.decision.now,
    doc: {
      lines: lines.map((l) => ({ lineId: l.lineId, qty: l.qty, amount: refundAmount([l]) })),
      requestedBy: requesterOf(h),
      history: [{ at: h.decision.now, to: 'awaiting_approval', eventId: h.event.id }],
    },
  };
  const at = new Date(h.decision.now).toISOString();
  if (!(await insertRefund(h.tx, refund, at))) return null;
  c.doc.refundId = refund.id;
  h.audit({ action: 'refund.created', subject: `refund:${refund.id}`, after: { state: refund.state, amount: refund.amount }, detail: { caseId: c.id } });

  const approval = await requestApproval(h, policies, { subject: 'refund', subjectRef: refund.id, facts: { amount: refund.amount }, requestedBy: refund.doc.requestedBy });
  if (approval.required === false) {
    await sendRefund(h, refund, 'no approval required');
  } else if (approval.required === true) {
    await moveRefund(h.tx, refund, 'awaiting_approval', 'awaiting_approval', at, { atMs: h.decision.now, eventId: h.event.id, note: `approval ${approval.approvalId}` }, approval.approvalId);
    c.doc.approvals.push({ approvalId: approval.approvalId, subject: 'refund', required: true });
  } else {
    // The approval rules cannot judge this refund (a fact missing): nobody is paid until a person looks.
    await moveRefund(h.tx, refund, 'awaiting_approval', 'blocked', at, { atMs: h.decision.now, eventId: h.event.id, note: approval.reason });
    c.doc.approvals.push({ approvalId: null, subject: 'refund', required: 'undecidable', reason: approval.reason });
    h.audit({ action: 'refund.blocked', subject: `refund:${refund.id}`, detail: { reason: approval.reason } });
  }
  return refund;
}

/** Approved: the refund goes to the ERP through the outbox, once (the state move is the guard). */
export async function sendRefund(h: HandlerContext, refund: RefundRecord, why: string): Promise<boolean> {
  const at = new Date(h.decision.now).toISOString();
  if (!(await moveRefund(h.tx, refund, 'awaiting_approval', 'sent', at, { atMs: h.decision.now, eventId: h.event.id, note: why }))) return false;
  const payload = { refundId: refund.id, caseId: refund.caseId, orderId: refund.orderId, amount: refund.amount, currency: refund.currency, lines: refund.doc.lines };
  h.emit({ type: 'refund.requested', subject: `refund:${refund.id}`, payload });
  h.outbox({ destination: 'erp:refunds', kind: 'refund.requested', subject: caseSubject(refund.caseId), payload });
  h.audit({ action: 'refund.sent', subject: `refund:${refund.id}`, before: { state: 'awaiting_approval' }, after: { state: 'sent' }, detail: { why, amount: refund.amount } });
  return true;
}
