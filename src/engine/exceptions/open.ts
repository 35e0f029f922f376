import type { HandlerContext, AuditNote } from '../dispatch/handler.js';
import type { Tx } from '../../store/port.js';
import { openException as openItem, type OpenExceptionInput } from '../../domain/exceptions/index.js';
import { exceptionById, insertExceptionItem, openExceptionFor, updateOpenExceptionDetail, type StoredException } from '../../store/repos/exceptions.js';
import { derivedId } from '../ids.js';
import type { LoggedEvent } from '../../store/repos/events.js';

export interface OpenOptions {
  /**
   * Count recurrences on the open item (`occurrences`, `firstSeenAt`, `lastSeenAt`, `lastEventId`,
   * and `last`: the latest occurrence's detail) instead of only pointing at it: for trouble that
   * recurs per event (a broken automation rule on a busy day), where how often and how lately is what
   * the person deciding needs, and one item per event would bury the queue.
   */
  countRecurrences?: boolean;
}

/**
 * Opens an item in an exception queue from any handler (in its transaction), announced and audited.
 * One unresolved item per queue and subject: a recurrence while the item is open goes to that item
 * instead of opening a second one (counted on it with `countRecurrences`). After the item was
 * resolved, the next recurrence opens a new one: a resolved item is final.
 */
export async function openException(h: HandlerContext, input: OpenExceptionInput, opts: OpenOptions = {}): Promise<{ exceptionId: string; opened: boolean }> {
  const existing = await openExceptionFor(h.tx, input.category, input.subjectRef);
  if (existing && (!opts.countRecurrences || (await countRecurrence(h, existing.id, input.detail ?? {})))) return { exceptionId: existing.id, opened: false };
  const first = opts.countRecurrences ? { occurrences: 1, firstSeenAt: h.decision.now, lastSeenAt: h.decision.now, lastEventId: h.event.id } : {};
  const { item } = openItem({ ...input, detail: { ...input.detail, ...first } }, h.decision);
  const stored: StoredException = { ...item, history: [{ at: h.decision.now, action: 'opened', by: h.event.actor ?? 'omniops', note: input.summary }] };
  await insertExceptionItem(h.tx, stored);
  const subject = `exception:${item.id}`;
  h.emit({ type: 'exception.opened', subject, payload: { exceptionId: item.id, category: item.category, ownerRole: item.ownerRole, subjectRef: item.subjectRef, summary: item.summary } });
  h.audit({ action: 'exception.opened', subject, after: { state: 'open', queue: item.category, ownerRole: item.ownerRole }, detail: { subjectRef: item.subjectRef, summary: item.summary } });
  return { exceptionId: item.id, opened: true };
}

/** One more occurrence on an open item; false when it was resolved meanwhile (the caller opens a new one). */
async function countRecurrence(h: HandlerContext, itemId: string, latest: Record<string, unknown>): Promise<boolean> {
  const after = await updateOpenExceptionDetail(h.tx, itemId, h.decision.now, (before, openedMs) => ({
    ...before,
    // An item opened before occurrences were counted has seen one so far, when it was opened.
    occurrences: (typeof before.occurrences === 'number' ? before.occurrences : 1) + 1,
    firstSeenAt: typeof before.firstSeenAt === 'number' ? before.firstSeenAt : openedMs,
    lastSeenAt: h.decision.now, lastEventId: h.event.id, last: latest,
  }));
  return after !== undefined;
}

/**
 * The dispatcher's dead-letter hook: a dead event becomes an item a person sees. An unmapped channel
 * status goes to the integrators' unmapped-status queue, a failing automation rule slot to the failed
 * rule queue, anything else to the dead-letter queue (retry = replay the event).
 */
export async function deadLetterException(tx: Tx, e: LoggedEvent, error: string, nowMs: number): Promise<AuditNote[]> {
  const category = error.startsWith('E_UNKNOWN_STATUS') ? 'unmapped_status'
    : e.type === 'schedule.tick' && String((e.payload as { job?: unknown }).job ?? '').startsWith('rule:') ? 'failed_rule'
    : 'dead_letter_delivery';
  const subjectRef = `event:${e.id}`;
  if (await openExceptionFor(tx, category, subjectRef)) return [];
  // An event replayed after its item was resolved, that dies again, gets a new item (a resolved one
  // is final): the next free derived id, not the first one again, which would collide with the old
  // item and leave the second death in no queue at all.
  let n = 1;
  while (await exceptionById(tx, derivedId(e.id, 'dead-letter-exception', n))) n++;
  const { item } = openItem(
    { category, subjectRef, summary: `${e.type} from ${e.source} failed after ${e.attempts + 1} attempts: ${error.slice(0, 200)}`, detail: { eventId: e.id, type: e.type, source: e.source, subject: e.subject, error } },
    { now: nowMs, newId: (kind) => derivedId(e.id, `dead-letter-${kind}`, n) },
  );
  await insertExceptionItem(tx, { ...item, history: [{ at: nowMs, action: 'opened', by: 'omniops', note: 'dead-lettered' }] });
  return [{ action: 'exception.opened', subject: `exception:${item.id}`, after: { state: 'open', queue: category, ownerRole: item.ownerRole }, detail: { subjectRef, deadEventId: e.id } }];
}
