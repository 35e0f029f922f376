import type { EventHandler } from '../dispatch/handler.js';
import { exceptionById } from '../../store/repos/exceptions.js';
import { returnCaseById } from '../../store/repos/returns.js';
import type { PolicyBook } from '../policy-book.js';
import { caseSubject, noteCase, persistCase } from './case.js';
import { closeWhenDone } from './closing.js';
import { REFUSAL_QUEUE } from './refusal-item.js';

interface ExceptionUpdated { exceptionId: string; category: string; action: string; state: string; by: string; reason: string | null }

const resolvesAReconciliationItem = (p: Record<string, unknown>) => p.category === REFUSAL_QUEUE && p.action === 'resolve' && p.state === 'resolved';

/**
 * An item of the reconciliation queue was resolved (`exception.updated`, by a person through the
 * exceptions API or by omniops): when it is a refused refund's item and its case still waits in
 * `refunded`, the case's closing is judged again — closed (`return.closed`, `refusal_resolved`) unless
 * top-ups finance was told are still open, which the case's history then says it waits for. The case
 * closing resolves the item too (closeCase): that resolution finds the case closed and changes
 * nothing, so there is no loop; a replayed event finds the case closed, or its note already there.
 */
export function refusalResolvedHandler(policies: PolicyBook): EventHandler {
  return {
    type: 'exception.updated',
    name: 'returns.refusal_resolved',
    wants: resolvesAReconciliationItem,
    async handle(h) {
      if (!resolvesAReconciliationItem(h.event.payload)) return;
      const p = h.event.payload as unknown as ExceptionUpdated;
      const item = await exceptionById(h.tx, p.exceptionId);
      if (!item?.subjectRef.startsWith('return:')) return;
      const c = await returnCaseById(h.tx, item.subjectRef.slice('return:'.length));
      // Not a case's own subject (a top-up's `return:<case>:owed:<cause>` finds no case), not refused, or no longer waiting.
      if (!c || caseSubject(c.id) !== item.subjectRef || c.state !== 'refunded' || !c.doc.refundRefused) return;
      if (c.doc.history.some((s) => s.eventId === h.event.id)) return; // this event again
      // Finance's answer to the refusal: the order's room, if it grows later, tells no more top-ups for it.
      c.doc.refusalAnswered ??= { at: h.decision.now, eventId: h.event.id };
      const closing = await closeWhenDone(h, policies, c);
      if (!closing.close) noteCase(h, c, `finance item ${item.id} (the refusal) resolved by ${p.by}${p.reason ? ` (${p.reason})` : ''}; still open: ${closing.waitingFor}`);
      await persistCase(h, c);
    },
  };
}
