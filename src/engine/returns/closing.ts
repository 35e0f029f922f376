import type { EventHandler, HandlerContext } from '../dispatch/handler.js';
import type { PolicyBook } from '../policy-book.js';
import type { SqlExecutor } from '../../store/port.js';
import type { ScheduledControl } from '../orders/scheduled.js';
import { claimsDueIfCreatedBefore, isClosable, movedAt, whenCaseCloses, type CaseClosing } from '../../domain/returns/case-closing.js';
import type { ReturnClosedPayload, ReturnCloseRequestedPayload } from '../../domain/returns/events.js';
import type { RefundLimitedBy } from '../../domain/returns/refund-limit.js';
import { orderById } from '../../store/repos/orders.js';
import { refundOfCase, returnCasesQueue, returnCaseById, supplierClaimOfCase, type ReturnCaseRecord } from '../../store/repos/returns.js';
import { caseSubject, claimSubject, moveCase, noteCase, persistCase } from './case.js';
import { nextWindow } from '../queue-window.js';
import { closeIfOpen } from '../exceptions/handlers.js';
import { refusalItemFact } from './refusal-item.js';

/**
 * What is known of a case's work (its refund, its replacement order, its claim) and whether it is done
 * (case-closing.ts). One or two reads, only for a case in an end state that can close.
 */
export async function closingOf(h: HandlerContext, policies: PolicyBook, c: ReturnCaseRecord): Promise<CaseClosing> {
  return closingAt(h.tx, policies, c, h.decision.now);
}

/**
 * The same judgement on any executor at a given time: a handler's transaction (closingOf), or the
 * API's read executor at the request's time, which says why an open case is still open
 * (GET /v1/returns/{id}, `waitingFor`). Reads only.
 */
export async function closingAt(db: SqlExecutor, policies: PolicyBook, c: ReturnCaseRecord, now: number): Promise<CaseClosing> {
  if (!isClosable(c.state)) return { close: false, waitingFor: `a ${c.state} case does not close by itself` };
  const policy = await policies.get('returns', db);
  const refund = c.state === 'refunded' ? await refundOfCase(db, c.id) : undefined;
  const asked = (refund?.doc as { limitedBy?: RefundLimitedBy } | undefined)?.limitedBy?.asked;
  const replacement = c.state === 'replaced' && c.doc.replacementOrderId ? await orderById(db, c.doc.replacementOrderId) : undefined;
  // The supplier's answer decides a claimed case before the period does (accepted closes, rejected waits for a person).
  const claim = c.state === 'claimed' ? await supplierClaimOfCase(db, c.id) : undefined;
  // A refused refund waits for finance like a cut one; whether the goods came back is said when it closes.
  const refused = c.state === 'refunded' && c.doc.refundRefused
    ? { code: c.doc.refundRefused.code, asked: c.doc.refundRefused.asked, goodsBack: c.doc.history.some((s) => s.to === 'received') }
    : undefined;
  // Its own finance item, resolved, is finance's answer to the refusal (refusal-item.ts).
  const refusalItem = refused ? await refusalItemFact(db, c.id) : undefined;
  return whenCaseCloses(
    {
      state: c.state,
      ...(refund ? { refund: { state: refund.state, amount: refund.amount, ...(asked !== undefined ? { asked } : {}) } } : {}),
      ...(refused ? { refused } : {}),
      ...(refusalItem ? { refusalItem } : {}),
      ...(c.doc.refundOwed ? { owed: c.doc.refundOwed } : {}),
      replacementOrderState: replacement?.state ?? null,
      claimedAt: movedAt(c.doc.history, 'claimed'),
      claimState: claim?.state ?? null,
      now,
    },
    policy,
  );
}

/**
 * When the case's work is done, says so: `return.closed`, which closes it (a decided event, so the log,
 * the audit trail and a replay show why). Call it after the handler's own moves of the case. Answers
 * the judgement (what it still waits for, when it does not close).
 */
export async function closeWhenDone(h: HandlerContext, policies: PolicyBook, c: ReturnCaseRecord): Promise<CaseClosing> {
  const closing = await closingOf(h, policies, c);
  if (!closing.close) return closing;
  const payload: ReturnClosedPayload = { caseId: c.id, from: closing.from, reason: closing.reason, why: closing.why };
  h.emit({ type: 'return.closed', subject: caseSubject(c.id), payload });
  return closing;
}

/**
 * Closes the case. A case already closed (this event again, or a second sweep's event for the same
 * case) changes nothing; a case that moved on meanwhile (it is no longer in the state the closing was
 * judged in) is noted, not closed.
 */
export function caseClosedHandler(): EventHandler {
  return {
    type: 'return.closed',
    name: 'returns.closed',
    async handle(h) {
      const p = h.event.payload as unknown as ReturnClosedPayload;
      const c = await returnCaseById(h.tx, p.caseId);
      if (!c || c.state === 'closed') return;
      if (c.state !== p.from) {
        noteCase(h, c, `closing ignored: case is ${c.state}, not ${p.from}`);
        await persistCase(h, c);
        return;
      }
      await closeCase(h, c, p);
    },
  };
}

/** Moves the case to closed with its reason in the history and the audit trail. */
export async function closeCase(h: HandlerContext, c: ReturnCaseRecord, p: ReturnClosedPayload): Promise<void> {
  // Closed by hand, the person's words say why; otherwise the work that finished does.
  moveCase(h, c, 'closed', p.reason === 'closed_by_hand' ? p.why : `work done: ${p.why}`);
  // Closed because finance resolved the refusal (also by the sweep, for an item resolved before that
  // closed cases): nothing more is owed to it when the order's room grows (refund-owed.ts).
  if (p.reason === 'refusal_resolved') c.doc.refusalAnswered ??= { at: h.decision.now, eventId: h.event.id };
  const refused = c.doc.refundRefused ? { refundRefused: c.doc.refundRefused.code, goodsBack: c.doc.history.some((s) => s.to === 'received') } : {};
  h.audit({ action: 'return.closed', subject: caseSubject(c.id), before: { state: p.from }, after: { state: 'closed' }, detail: { reason: p.reason, why: p.why, orderId: c.orderId, ...refused } });
  await persistCase(h, c);
  // A refused refund's item (its case's own subject; top-ups have items of their own) asked finance
  // whether the customer is owed money another way: the case closing answers it.
  if (c.doc.refundRefused) await closeIfOpen(h, 'reconciliation_discrepancy', caseSubject(c.id), `return case closed (${p.reason}): ${p.why}`);
  // A claim the supplier rejected (or answered wrongly) left an item for a person: the case closing is
  // that person's decision made, so the item goes with it instead of waiting in the queue for nothing.
  if (p.from === 'claimed') {
    const why = `return case closed (${p.reason}): ${p.why}`;
    await closeIfOpen(h, 'supplier_claim', caseSubject(c.id), why);
    if (c.doc.claimId) await closeIfOpen(h, 'supplier_claim', claimSubject(c.doc.claimId), why);
  }
}

/**
 * A person closes a case by hand (`return.close_requested`): a refunded, replaced or claimed case is
 * closed as `closed_by_hand`, with who and why in its history and the audit trail. A case already
 * closed (the same request again) changes nothing; one in another state (it moved on since the API
 * judged it) is noted and audited as refused, not closed.
 */
export function caseCloseRequestedHandler(): EventHandler {
  return {
    type: 'return.close_requested',
    name: 'returns.close_requested',
    async handle(h) {
      const p = h.event.payload as unknown as ReturnCloseRequestedPayload;
      const c = await returnCaseById(h.tx, p.caseId);
      if (!c || c.state === 'closed') return;
      const by = h.event.actor ?? 'unknown';
      if (!isClosable(c.state)) {
        noteCase(h, c, `close by hand refused: case is ${c.state} (${by}: ${p.reason})`);
        h.audit({ action: 'return.close_refused', subject: caseSubject(c.id), detail: { state: c.state, by, reason: p.reason } });
        await persistCase(h, c);
        return;
      }
      // Closed here, in the person's command (its answer shows the case closed on every store), and
      // said as `return.closed` too, as every closing is; that event's handler then finds it closed.
      const payload: ReturnClosedPayload = { caseId: c.id, from: c.state, reason: 'closed_by_hand', why: `closed by hand by ${by}: ${p.reason}` };
      await closeCase(h, c, payload);
      h.emit({ type: 'return.closed', subject: caseSubject(c.id), payload });
    },
  };
}

/**
 * How many cases of each state one sweep looks at. An operational bound, not a business threshold: the
 * sweep runs in one transaction and must not hold up the dispatcher. Each tick takes the next window
 * after where the last one stopped (`nextWindow`, oldest first, wrapping), so with more than this many
 * waiting — replacements never shipped, claims the supplier rejected, refusals finance has not
 * answered — every case is still looked at within ceil(waiting / SWEEP_BATCH) ticks. Before, each tick read the newest 200, and older cases
 * behind 200 stuck ones were never closed.
 */
const SWEEP_BATCH = 200;

/**
 * Refunded cases are swept only when they have no refund row — refused refunds (`refundRefused`), which
 * wait for finance and were re-judged only by events: a case whose refusal item finance resolved before
 * that item's resolution closed cases (`refusal_resolved`) would otherwise stay `refunded` for ever. A
 * refunded case with a refund closes on its refund's settlement or finance's answers (events); reading
 * all of them every hour would cost reads for nothing. "No refund row" is a probe of the refunds'
 * unique case index, cheaper than reading `refundRefused` out of every refunded case's document, and
 * the same on SQLite and PostgreSQL.
 */
export function returnClosingSweep(policies: PolicyBook): ScheduledControl {
  return async (h) => {
    const policy = await policies.get('returns', h.tx);
    const states: Array<{ state: 'replaced' | 'claimed' | 'refunded'; beforeMs?: number; withoutRefund?: true }> = [{ state: 'replaced' }, { state: 'refunded', withoutRefund: true }];
    const claimsBefore = claimsDueIfCreatedBefore(h.decision.now, policy);
    if (claimsBefore !== undefined) states.push({ state: 'claimed', beforeMs: claimsBefore });
    for (const s of states) {
      const cases = await nextWindow(h.tx, `return-closing:${s.state}`, SWEEP_BATCH,
        (limit, range) => returnCasesQueue(h.tx, s.state, limit, { ...range, ...(s.beforeMs !== undefined ? { createdBeforeMs: s.beforeMs } : {}), ...(s.withoutRefund ? { withoutRefund: true } : {}) }),
        (c) => ({ ms: c.createdMs, id: c.id }));
      for (const c of cases) await closeWhenDone(h, policies, c);
    }
  };
}
