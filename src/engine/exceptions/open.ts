import type { HandlerContext, AuditNote } from '../dispatch/handler.js';
import type { Tx } from '../../store/port.js';
import { openException as openItem, type OpenExceptionInput } from '../../domain/exceptions/index.js';
import { exceptionById, insertExceptionItem, openExceptionFor, type StoredException } from '../../store/repos/exceptions.js';
import { derivedId } from '../ids.js';
import type { LoggedEvent } from '../../store/repos/events.js';

/**
 * Opens an item in an exception queue from any handler (in its transaction), announced and audited.
 * One unresolved item per queue and subject: a recurrence while the item is open notes itself on it
 * instead of opening a second one.
 */
export async function openException(h: HandlerContext, input: OpenExceptionInput): Promise<{ exceptionId: string; opened: boolean }> {
  const existing = await openExceptionFor(h.tx, input.category, input.subjectRef);
  if (existing) return { exceptionId: existing.id, opened: false };
  const { item } = openItem(input, h.decision);
  const stored: StoredException = { ...item, history: [{ at: h.decision.now, action: 'opened', by: h.event.actor ?? 'omniops', note: input.summary }] };
  await insertExceptionItem(h.tx, stored);
  const subject = `exception:${item.id}`;
  h.emit({ type: 'exception.opened', subject, payload: { exceptionId: item.id, category: item.category, ownerRole: item.ownerRole, subjectRef: item.subjectRef, summary: item.summary } });
  h.audit({ action: 'exception.opened', subject, after: { state: 'open', queue: item.category, ownerRole: item.ownerRole }, detail: { subjectRef: item.subjectRef, summary: item.summary } });
  return { exceptionId: item.id, opened: true };
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
