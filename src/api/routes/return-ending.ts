import { z } from 'zod';
import type { SqlExecutor } from '../../store/port.js';
import { eventById } from '../../store/repos/events.js';
import type { ReturnCaseRecord } from '../../store/repos/returns.js';
import { caseSubject } from '../../engine/returns/case.js';
import { CLOSING_REASONS, isClosable } from '../../domain/returns/case-closing.js';
import { closingAt } from '../../engine/returns/closing.js';
import { refusalItem } from '../../engine/returns/refusal-item.js';
import type { PolicyBook } from '../../engine/policy-book.js';

/**
 * What a service agent needs to read why a case is still open or how it ended, beside its state: a
 * refused refund's case sits in `refunded` with no refund, which reads as a contradiction unless the
 * screen can say which finance item it waits for and, once closed, why it closed. Read-only, on the
 * single case only (`GET /v1/returns/{id}`): one or two reads by index.
 */

/** `refusalItem`: the finance item (reconciliation queue, subject `return:<case>`) a refused refund opened. */
export const refusalItemSchema = z.object({
  id: z.string().describe('The finance item (reconciliation queue): resolved when the case closes; finance resolving it closes the case (refusal_resolved) once no top-up it was told is still open.'),
  state: z.enum(['open', 'assigned', 'resolved']),
}).strict().nullable();

/** `closing`: how a closed case ended — the closing's reason and why, when and from which state. */
export const caseClosingSchema = z.object({
  reason: z.enum(CLOSING_REASONS).nullable().describe('Why it closed (return.closed); null for a case closed before closings carried a reason.'),
  why: z.string().describe('The closing in words: the work that finished, or who closed it by hand and why.'),
  from: z.string().describe('The state it closed from.'),
  at: z.string().describe('When it closed.'),
}).strict().nullable();

/**
 * `waitingFor`: why an open case is still open, in the closing rule's own words (case-closing.ts) —
 * what an agent would otherwise have to read the code for.
 */
export const caseWaitingForSchema = z.string().nullable().describe(
  'Why a refunded, replaced or claimed case is still open: what its closing still waits for (the closing rule\'s words, e.g. "finance has not answered EX-… (owed on top; …)", "the replacement order is backordered, not shipped"); '
  + 'when its work is already done, that it closes with the next event or the hourly sweep. Null for a closed case and for a case in a state that does not close by itself (requested, awaiting the item, received, rejected, …: a person or an event moves it on).',
);

export type RefusalItemView = z.infer<typeof refusalItemSchema>;
export type CaseClosingView = z.infer<typeof caseClosingSchema>;

/** The refused refund's finance item; null for a case whose refund was not refused. */
export async function refusalItemOf(db: SqlExecutor, c: ReturnCaseRecord): Promise<RefusalItemView> {
  if (!c.doc.refundRefused) return null;
  const item = await refusalItem(db, c.id);
  if (!item) return null;
  // As the exceptions API reads it: taken but not resolved is `assigned`.
  return { id: item.id, state: item.state === 'resolved' ? 'resolved' : item.assignee ? 'assigned' : 'open' };
}

/**
 * How a closed case ended, from its move to `closed`: that move's event is the decided `return.closed`
 * (reason and why in its payload), or, closed by hand, the person's `return.close_requested` (the
 * history note is the why). Null while the case is not closed.
 */
export async function closingOf(db: SqlExecutor, c: ReturnCaseRecord): Promise<CaseClosingView> {
  if (c.state !== 'closed') return null;
  const step = [...c.doc.history].reverse().find((x) => x.to === 'closed' && x.from !== 'closed');
  if (!step) return null;
  const e = await eventById(db, step.eventId);
  const p = (e?.payload ?? {}) as { reason?: unknown; why?: unknown };
  const known = (x: unknown): x is (typeof CLOSING_REASONS)[number] => typeof x === 'string' && (CLOSING_REASONS as readonly string[]).includes(x);
  const reason = e?.type === 'return.closed' && known(p.reason) ? p.reason : e?.type === 'return.close_requested' ? 'closed_by_hand' : null;
  const why = e?.type === 'return.closed' && typeof p.why === 'string' ? p.why : (step.note ?? '').replace(/^work done: /, '');
  return { reason, why, from: step.from, at: new Date(step.at).toISOString() };
}

/**
 * Why a case that closes by itself (refunded, replaced, claimed) is still open: the closing rule judged
 * on the read executor at the request's time — the same facts the engine reads (closing.ts), nothing
 * written. Work already done (the closing event or the sweep has not run yet) is said as such.
 */
export async function waitingForOf(db: SqlExecutor, policies: PolicyBook, c: ReturnCaseRecord, now: number): Promise<string | null> {
  if (!isClosable(c.state)) return null;
  const judged = await closingAt(db, policies, c, now);
  if (!judged.close) return judged.waitingFor;
  // The hourly sweep looks at replaced and claimed cases and at refunded ones without a refund (refused);
  // any other case closes on its next event.
  const swept = c.state === 'replaced' || c.state === 'claimed' || (c.state === 'refunded' && !c.doc.refundId);
  return `its work is done (${judged.why}); it closes with ${swept ? 'the next event or the hourly sweep' : 'the next event about it'}`;
}
