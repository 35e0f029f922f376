import type { EventHandler, HandlerContext } from '../dispatch/handler.js';
import type { PolicyBook } from '../policy-book.js';
import { DomainError } from '../../domain/errors.js';
import { creditAboveClaim, sameAnswer, type SupplierClaimAnsweredPayload } from '../../domain/returns/claim-answer.js';
import type { ReturnClosedPayload } from '../../domain/returns/events.js';
import { answerSupplierClaim, returnCaseById, supplierClaimById, type SupplierClaimAnswer, type SupplierClaimRecord } from '../../store/repos/returns.js';
import { openException } from '../exceptions/open.js';
import { closeIfOpen } from '../exceptions/handlers.js';
import { caseSubject, claimSubject, noteCase, persistCase, requesterOf } from './case.js';
import { closeCase, closingOf } from './closing.js';

/**
 * Where an accepted claim's credit goes: the ERP destination the customer refunds use, so the books
 * that see what the customer was paid see what the supplier gave back. An Odoo destination books
 * `supplier.credit` rows as a vendor credit note on the supplier's partner (docs/odoo.md).
 */
export const SUPPLIER_CREDIT_DESTINATION = 'erp:refunds';

/**
 * The supplier's answer to a warranty claim (`supplier.claim_answered`). The claim moves open →
 * accepted / rejected once, with the answer in its document. Accepted: the credit goes to the books
 * (outbox) and the case closes (`claim_accepted`, through the closing rule of case-closing.ts).
 * Rejected: the case stays claimed — the period no longer closes it — and an item opens in the
 * `supplier_claim` queue for a person to decide what the customer gets. The same answer again changes
 * nothing; another answer to an answered claim, or a credit above the claim, is audited as refused and
 * ignored (an event from a supplier is not dead-lettered for what the supplier said). A claim not
 * known is retried and then dead-lettered: an answer cannot come before its claim went out, so it is a
 * wrong id an integrator has to look at.
 */
export function claimAnsweredHandler(policies: PolicyBook): EventHandler {
  return {
    type: 'supplier.claim_answered',
    name: 'returns.claim_answered',
    async handle(h) {
      const p = h.event.payload as unknown as SupplierClaimAnsweredPayload;
      const claim = await supplierClaimById(h.tx, p.claimId);
      if (!claim) throw new DomainError('E_NOT_FOUND', `no supplier claim ${p.claimId}`);
      const said = { outcome: p.outcome, ...(p.outcome === 'accepted' ? { creditAmount: p.creditAmount } : {}), ...(p.creditNoteRef ? { creditNoteRef: p.creditNoteRef } : {}), ...(p.reason ? { reason: p.reason } : {}) };
      if (claim.state !== 'open') {
        const before = claim.doc.answer;
        const same = before !== undefined && sameAnswer(before, said);
        const why = same ? 'the same answer again' : `the claim is already ${claim.state}: another answer is refused`;
        h.audit({
          action: same ? 'supplier_claim.answer_ignored' : 'supplier_claim.answer_refused',
          subject: claimSubject(claim.id),
          detail: { why, state: claim.state, answer: said, by: requesterOf(h) },
        });
        if (!same) await answerNeedsAPerson(h, claim, `supplier ${claim.supplierId} answered claim ${claim.id} again, differently (${p.outcome}): ${why}. Check with the supplier which answer stands`, said);
        return;
      }
      if (p.outcome === 'accepted' && creditAboveClaim(p.creditAmount, claim.amount)) {
        const why = `credit ${p.creditAmount} is above the claim's ${claim.amount}`;
        h.audit({ action: 'supplier_claim.answer_refused', subject: claimSubject(claim.id), detail: { why, state: claim.state, answer: said, by: requesterOf(h) } });
        await answerNeedsAPerson(h, claim, `supplier ${claim.supplierId} accepted claim ${claim.id} with a ${why}: the answer was not recorded. Check with the supplier and record the right one`, said);
        return;
      }
      const answer: SupplierClaimAnswer = { ...said, answeredAt: p.answeredAt ? Date.parse(p.answeredAt) : h.decision.now, recordedAt: h.decision.now, by: requesterOf(h), eventId: h.event.id };
      // Read in this transaction; on PostgreSQL another answer may have won the row since: retried on the fresh claim.
      if (!(await answerSupplierClaim(h.tx, claim, answer))) throw new Error(`supplier claim ${claim.id} was answered meanwhile; retrying`);
      h.audit({ action: `supplier_claim.${p.outcome}`, subject: claimSubject(claim.id), before: { state: 'open' }, after: { state: claim.state, ...said }, detail: { caseId: claim.caseId, supplierId: claim.supplierId, claimed: claim.amount, by: answer.by } });
      // An earlier answer that could not be taken (a credit above the claim) asked a person to check: this one stands.
      await closeIfOpen(h, 'supplier_claim', claimSubject(claim.id), `the supplier's answer was recorded: ${p.outcome}`);
      if (p.outcome === 'accepted') await accepted(h, policies, claim, p.creditAmount, answer);
      else await rejected(h, claim, p.reason);
    },
  };
}

async function accepted(h: HandlerContext, policies: PolicyBook, claim: SupplierClaimRecord, creditAmount: number, answer: SupplierClaimAnswer): Promise<void> {
  const c = await returnCaseById(h.tx, claim.caseId);
  h.outbox({
    destination: SUPPLIER_CREDIT_DESTINATION, kind: 'supplier.credit', subject: caseSubject(claim.caseId),
    payload: {
      claimId: claim.id, caseId: claim.caseId, orderId: c?.orderId ?? null, supplierId: claim.supplierId, amount: creditAmount, claimed: claim.amount,
      currency: c?.doc.currency ?? null, creditNoteRef: answer.creditNoteRef ?? null, answeredAt: new Date(answer.answeredAt).toISOString(),
    },
  });
  if (!c) return;
  if (c.state !== 'claimed') {
    // Closed by hand or by the period before the answer came: the credit still counts, the case is not reopened.
    noteCase(h, c, `supplier accepted claim ${claim.id} (credit ${creditAmount}) after the case was ${c.state}`);
    await persistCase(h, c);
    return;
  }
  const closing = await closingOf(h, policies, c);
  if (!closing.close) return;
  // Closed here, in the answer's transaction (a person's command answers with the case closed on every
  // store), and said as `return.closed` too, as every closing is; that event's handler finds it closed.
  const payload: ReturnClosedPayload = { caseId: c.id, from: closing.from, reason: closing.reason, why: closing.why };
  await closeCase(h, c, payload);
  h.emit({ type: 'return.closed', subject: caseSubject(c.id), payload });
}

/**
 * An answer from a supplier's integration that could not be taken (a credit above the claim, a second
 * answer that differs): refused, and a person in the `supplier_claim` queue is asked to sort it out
 * with the supplier — before, only the audit trail said so, and the claim waited for the period.
 */
async function answerNeedsAPerson(h: HandlerContext, claim: SupplierClaimRecord, summary: string, answer: Record<string, unknown>): Promise<void> {
  await openException(h, {
    category: 'supplier_claim',
    // The claim, not the case: what the customer gets (a rejected claim's item, on the case) is another question.
    subjectRef: claimSubject(claim.id),
    summary,
    detail: { caseId: claim.caseId, claimId: claim.id, supplierId: claim.supplierId, amount: claim.amount, state: claim.state, answer },
  }, { countRecurrences: true });
}

async function rejected(h: HandlerContext, claim: SupplierClaimRecord, reason: string): Promise<void> {
  const c = await returnCaseById(h.tx, claim.caseId);
  if (!c) return;
  noteCase(h, c, `supplier rejected claim ${claim.id}: ${reason}`);
  await persistCase(h, c);
  // A case already closed (by hand, or by the period before this answer) has had its decision made.
  if (c.state !== 'claimed') return;
  await openException(h, {
    category: 'supplier_claim',
    subjectRef: caseSubject(c.id),
    summary: `supplier ${claim.supplierId} rejected claim ${claim.id} (${claim.amount} ${c.doc.currency}) for return ${c.id}: ${reason.slice(0, 200)}. Decide what the customer gets: refund, or close the case by hand`,
    detail: { caseId: c.id, claimId: claim.id, supplierId: claim.supplierId, amount: claim.amount, currency: c.doc.currency, orderId: c.orderId, reason },
  });
}
