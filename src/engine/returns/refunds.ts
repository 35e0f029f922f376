import type { HandlerContext } from '../dispatch/handler.js';
import type { PolicyBook } from '../policy-book.js';
import { DomainError } from '../../domain/errors.js';
import { requestApproval } from './approval.js';
import { refundAmount } from '../../domain/returns/case-state.js';
import { limitRefund, type RefundRefused } from '../../domain/returns/refund-limit.js';
import { paymentOfOrder } from './order-payment.js';
import { orderById } from '../../store/repos/orders.js';
import { inCustomerCurrency, type PresentmentMoney } from '../../domain/orders/presentment.js';
import type { OrderPlacedPayload } from '../../domain/orders/index.js';
import { insertRefund, moveRefund, refundOfCase, refundsOfOrder, returnCasesOfOrder, type RefundRecord, type ReturnCaseLine, type ReturnCaseRecord } from '../../store/repos/returns.js';
import { owedHeldOf } from './refund-owed.js';
import { refundApprovedWithCase } from './case-approval.js';
import { openException } from '../exceptions/open.js';
import { caseSubject, moveCase, noteCase, refundIdFor, requesterOf } from './case.js';
import { closeWhenDone } from './closing.js';

/**
 * Asks for the refund of a case's lines: at most one refund per case and return line, ever — the
 * row is claimed first (unique keys), so a duplicate request, a second decision or a replay finds it
 * and does nothing. Never more than is left of what the customer paid for the order (limitRefund): a
 * refund over it is cut, and with nothing left there is none. Every refund passes the approval rules;
 * it goes out only once approved.
 */
export async function requestRefund(h: HandlerContext, policies: PolicyBook, c: ReturnCaseRecord, lines: readonly ReturnCaseLine[], currency: string): Promise<RefundRecord | null> {
  if (await refundOfCase(h.tx, c.id)) {
    noteCase(h, c, 'refund already requested: nothing new');
    return null;
  }
  const order = await orderById(h.tx, c.orderId);
  if (!order) throw new DomainError('E_NOT_FOUND', `no order ${c.orderId} for the refund of return case ${c.id}`);
  // What was captured, else the amount placed: the figure the order's view shows refunds bounded by.
  const payment = paymentOfOrder(order);
  // Refunds the channel made itself went out too (payment.refunded): a return must not pay them again.
  // Those that paid out ours (their id our settlement's channelRefundId) are ours: counted once (refund-echoes.ts).
  const atChannel = order.doc.channelRefunds ?? [];
  // What finance was told other cases are owed on top is theirs (paid by hand, or to be): not weighed again.
  const earlier = await refundsOfOrder(h.tx, c.orderId);
  const held = owedHeldOf(await returnCasesOfOrder(h.tx, c.orderId));
  const limit = limitRefund(lines.map((l) => ({ lineId: l.lineId, qty: l.qty, amount: refundAmount([l]) })), currency, payment, earlier, atChannel, held);
  if (limit.outcome === 'refused') {
    await refuseRefund(h, policies, c, limit.refused);
    return null;
  }
  const limitedBy = limit.outcome === 'cut' ? limit.limitedBy : undefined;
  const refund: RefundRecord = {
    id: refundIdFor(c.id),
    caseId: c.id,
    orderId: c.orderId,
    amount: limit.amount,
    currency,
    state: 'awaiting_approval',
    approvalId: null,
    createdMs: h.decision.now,
    doc: {
      lines: limit.lines.map((l) => ({ lineId: l.lineId, qty: l.qty, amount: l.amount })),
      requestedBy: requesterOf(h),
      ...(limitedBy ? { limitedBy } : {}),
      history: [{ at: h.decision.now, to: 'awaiting_approval', eventId: h.event.id }],
    },
  };
  const at = new Date(h.decision.now).toISOString();
  if (!(await insertRefund(h.tx, refund, at))) return null;
  c.doc.refundId = refund.id;
  if (limitedBy) noteCase(h, c, `refund cut from ${limitedBy.asked} to ${refund.amount} ${currency}: the order was paid ${limitedBy.paid}, ${limitedBy.alreadyRefunded} already refunded${atChannelNote(limitedBy)}`);
  h.audit({ action: 'refund.created', subject: `refund:${refund.id}`, after: { state: refund.state, amount: refund.amount }, detail: { caseId: c.id, ...(limitedBy ? { limitedBy } : {}) } });

  // A person who approved the case (the returns rules flagged it) is not asked the same decision again.
  const withCase = await refundApprovedWithCase(h, policies, c, refund.amount, refund.doc.requestedBy);
  if (withCase?.covers === true) {
    c.doc.approvals.push({ approvalId: withCase.approvalId, subject: 'refund', required: true, outcome: 'approved', reason: withCase.why });
    h.audit({ action: 'refund.approved_with_case', subject: `refund:${refund.id}`, detail: { caseId: c.id, approvalId: withCase.approvalId, by: withCase.by, why: withCase.why } });
    await sendRefund(h, refund, withCase.why, c.doc.orderRef);
    return refund;
  }
  const approval = await requestApproval(h, policies, { subject: 'refund', subjectRef: refund.id, facts: { amount: refund.amount }, requestedBy: refund.doc.requestedBy });
  if (approval.required === false) {
    await sendRefund(h, refund, 'no approval required', c.doc.orderRef);
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

const atChannelNote = (f: { refundedAtChannel?: number; matchedAtChannel?: readonly string[]; owedToCases?: number }) =>
  `${f.refundedAtChannel ? ` (${f.refundedAtChannel} of it by the channel itself)` : ''}${f.owedToCases ? ` (${f.owedToCases} of it owed to other cases on top, finance told)` : ''}${f.matchedAtChannel?.length ? `; the channel's refund ${f.matchedAtChannel.join(', ')} paid out ours: counted once` : ''}`;

/**
 * No refund can be made (the order's payment is used up, or cannot be weighed): the case waits in
 * `refunded` without a refund, as a cut refund's case waits for what it was cut short — the customer
 * may still be owed all of it — and finance gets an item: the payment data may be wrong, or the
 * customer is owed money another way. It closes when finance has answered all it asked (paid by hand,
 * not paid: case-closing.ts), or by hand. The "what we pay back disagrees with what we took" queue is
 * the reconciliation one; finance owns money, so the item goes to finance. (Before, the case ended at
 * once: closed with the goods back, rejected without them.)
 */
async function refuseRefund(h: HandlerContext, policies: PolicyBook, c: ReturnCaseRecord, refused: RefundRefused): Promise<void> {
  c.doc.refundRefused = refused;
  const why = refused.code === 'nothing_left_to_refund'
    ? `nothing left to refund: ${refused.paid} paid, ${refused.alreadyRefunded} already refunded${atChannelNote(refused)} (${refused.currency})`
    : `refund in ${c.doc.currency} cannot be weighed against the payment in ${refused.currency}`;
  h.audit({ action: 'refund.refused', subject: caseSubject(c.id), detail: { orderId: c.orderId, ...refused } });
  const { exceptionId } = await openException(h, {
    category: 'reconciliation_discrepancy',
    ownerRole: 'finance',
    subjectRef: caseSubject(c.id),
    summary: `return case ${c.id} of order ${c.orderId}: ${why}; ${refused.asked} asked`,
    detail: { orderId: c.orderId, caseId: c.id, ...refused },
  });
  moveCase(h, c, 'refunded', `no refund, ${why}: open until finance answers the ${refused.asked} asked (finance item ${exceptionId}) or it is closed by hand`);
  // Nothing asked (lines worth nothing) is owed nothing: that closes at once, by the same rule.
  await closeWhenDone(h, policies, c);
}

/** Approved: the refund goes to the ERP through the outbox, once (the state move is the guard). */
export async function sendRefund(h: HandlerContext, refund: RefundRecord, why: string, orderRef: { source: string; externalOrderId: string }): Promise<boolean> {
  const at = new Date(h.decision.now).toISOString();
  if (!(await moveRefund(h.tx, refund, 'awaiting_approval', 'sent', at, { atMs: h.decision.now, eventId: h.event.id, note: why }))) return false;
  const presentment = await customerCurrencyOf(h, refund);
  const payload = {
    refundId: refund.id, caseId: refund.caseId, orderId: refund.orderId, channel: orderRef.source, externalOrderId: orderRef.externalOrderId,
    amount: refund.amount, currency: refund.currency, ...(presentment ? { presentment } : {}), lines: refund.doc.lines,
  };
  h.emit({ type: 'refund.requested', subject: `refund:${refund.id}`, payload });
  h.outbox({ destination: 'erp:refunds', kind: 'refund.requested', subject: caseSubject(refund.caseId), payload });
  h.audit({ action: 'refund.sent', subject: `refund:${refund.id}`, before: { state: 'awaiting_approval' }, after: { state: 'sent' }, detail: { why, amount: refund.amount } });
  return true;
}

/** The refund in the customer's currency, when the order was placed in another than its own (one read of the order, per refund sent). */
async function customerCurrencyOf(h: HandlerContext, refund: RefundRecord): Promise<PresentmentMoney | undefined> {
  const order = await orderById(h.tx, refund.orderId);
  const payment = order && (order.doc.placed as unknown as OrderPlacedPayload).payment;
  if (!order || !payment?.presentment || order.currency !== refund.currency) return undefined;
  return inCustomerCurrency(refund.amount, { currency: order.currency, amount: payment.amount, presentment: payment.presentment });
}
