import type { EventHandler, HandlerContext } from '../dispatch/handler.js';
import { isRole } from '../../domain/roles.js';
import { OWED_SETTLERS, owedFigures, settleOwedItem, withdrawOwed, type OwedItem, type OwedOutcome } from '../../domain/returns/owed-settled.js';
import type { RefundOwedSettledPayload } from '../../domain/returns/events.js';
import { returnCaseById, type ReturnCaseRecord } from '../../store/repos/returns.js';
import { resolveItemById } from '../exceptions/resolve.js';
import { caseSubject, noteCase, persistCase } from './case.js';
import { tellWhatIsOwed } from './refund-owed.js';
import { closeWhenDone } from './closing.js';
import type { PolicyBook } from '../policy-book.js';

const money = (x: number, currency: string) => `${x} ${currency}`;

/**
 * Finance records what became of a top-up it was told a case is owed (owed-settled.ts says what each
 * outcome does to the order's room). The route checks everything first and answers 404/409; this judges
 * again on the case as it is (of two people settling one item at once, one gets it), and a refusal is
 * audited, not thrown: nothing would come of retrying it. A replay of the same event finds the item
 * settled by itself and changes nothing.
 */
export function owedSettledHandler(policies: PolicyBook): EventHandler {
  return {
    type: 'refund.owed_settled',
    name: 'returns.owed_settled',
    async handle(h) {
      const p = h.event.payload as unknown as RefundOwedSettledPayload;
      const by = h.event.actor ?? `source:${h.event.source}`;
      const refuse = (code: string, message: string) => h.audit({ action: 'refund.owed_settle_refused', subject: caseSubject(p.caseId), detail: { code, message, exceptionId: p.exceptionId, outcome: p.outcome, by } });
      // Money paid by hand is finance's to record: a sender posting this event without a person's role is refused.
      if (!isRole(h.event.actorRole) || !OWED_SETTLERS.includes(h.event.actorRole)) return refuse('E_ROLE', `only ${OWED_SETTLERS.join(' or ')} record a top-up's outcome`);
      const c = await returnCaseById(h.tx, p.caseId);
      if (!c) return refuse('E_NOT_FOUND', `no return case ${p.caseId}`);
      if (c.doc.refundOwed?.items.some((i) => i.exceptionId === p.exceptionId && i.settledEventId === h.event.id)) return;
      const outcome: OwedOutcome = p.outcome === 'paid' ? { outcome: 'paid', reference: p.reference, ...(p.reason ? { reason: p.reason } : {}) } : { outcome: 'not_paid', reason: p.reason, ...(p.reference ? { reference: p.reference } : {}) };
      const r = settleOwedItem(c.doc.refundOwed, p.exceptionId, outcome, by, { now: h.decision.now, eventId: h.event.id });
      if (!r.ok) return refuse(r.code, r.message);
      c.doc.refundOwed = r.told;
      const currency = c.doc.currency;
      const amount = money(r.item.payable, currency);
      const figures = owedFigures(r.told);
      const detail = { orderId: c.orderId, caseId: c.id, exceptionId: p.exceptionId, outcome: p.outcome, amount: r.item.payable, currency, reference: p.reference ?? null, reason: p.reason ?? null, was: r.before, held: figures.held, waived: figures.waived };
      h.audit({ action: 'refund.owed_settled', subject: caseSubject(c.id), before: { state: r.before }, after: { state: p.outcome }, detail });
      const resolution = p.outcome === 'paid' ? `paid by hand: ${p.reference}${p.reason ? ` (${p.reason})` : ''}` : `not paid: ${p.reason}`;
      const item = await resolveItemById(h, p.exceptionId, resolution, by, false);
      const itemNote = item === 'resolved' ? `finance item ${p.exceptionId} resolved` : `finance item ${p.exceptionId} was resolved already`;
      if (p.outcome === 'paid') {
        noteCase(h, c, `${amount} on top paid by hand (${p.reference}), recorded by ${by}${r.before === 'withdrawn' ? ': held again, the money went out though the refund was turned down' : ''}; ${itemNote}`);
        await persistCase(h, c);
        // Paid: it stays held as it was (or is held again after a withdrawal): the room only shrinks, nobody is owed more.
        // Finance's answer may be the last thing a refunded case waited for.
        await closeWhenDone(h, policies, c);
        return;
      }
      noteCase(h, c, `finance will not pay the ${amount} on top (${p.reason}), recorded by ${by}: released on the order, no longer owed to this case; ${itemNote}`);
      await persistCase(h, c);
      // Released: what it held may now be owed to the order's other cut or refused returns.
      await tellWhatIsOwed(h, c.orderId, `finance will not pay the ${amount} told for return case ${c.id} (${p.reason}): it is released`);
      // Read again: telling the order's cases may have written this one.
      const now = await returnCaseById(h.tx, c.id);
      if (now) await closeWhenDone(h, policies, now);
    },
  };
}

/**
 * The case's cut refund was turned down: it is owed nothing on top. Its top-ups not answered yet are
 * withdrawn — the hold released, a note on the case, an audit entry, and each finance item still open
 * resolved as withdrawn, so nobody pays it. Those recorded paid stay held: that money went out. Call it
 * before the turn-down frees room for the others (tellWhatIsOwed), so the released holds are shared too.
 */
export async function withdrawOwedOfTurnedDown(h: HandlerContext, c: ReturnCaseRecord, refundId: string): Promise<void> {
  const reason = `withdrawn: the refund ${refundId} was turned down`;
  const w = withdrawOwed(c.doc.refundOwed, reason, { now: h.decision.now, eventId: h.event.id });
  if (!w) return;
  c.doc.refundOwed = w.told;
  const currency = c.doc.currency;
  const total = w.withdrawn.reduce((n, i) => n + Math.round(i.payable * 100), 0) / 100;
  const resolved: string[] = [];
  for (const i of w.withdrawn) if ((await resolveItemById(h, i.exceptionId, reason, 'omniops', true)) === 'resolved') resolved.push(i.exceptionId);
  const paid = owedFigures(w.told).paid;
  h.audit({
    action: 'refund.owed_withdrawn', subject: caseSubject(c.id), after: { withdrawn: total, stillHeldPaid: paid },
    detail: { orderId: c.orderId, caseId: c.id, refundId, currency, items: w.withdrawn.map((i: OwedItem) => ({ exceptionId: i.exceptionId, payable: i.payable })), resolved },
  });
  noteCase(h, c, `${money(total, currency)} on top no longer owed, the refund was turned down: released on the order; finance item${w.withdrawn.length > 1 ? 's' : ''} ${w.withdrawn.map((i) => i.exceptionId).join(', ')} withdrawn${paid > 0 ? ` (${money(paid, currency)} recorded paid by hand stays counted)` : ''}`);
}
