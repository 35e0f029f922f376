import type { HandlerContext } from '../dispatch/handler.js';
import { exceptionById, saveExceptionItem, type StoredException } from '../../store/repos/exceptions.js';

/**
 * Resolves an item that is still open, in the handler's transaction, announced and audited as a
 * person's resolution is (`exception.updated`, `exception.resolved`): by omniops when the cause went
 * away by itself (`automatic`), or by the person whose command settled what the item asked for.
 * False when the item is resolved already (a person got there first) or changed meanwhile.
 */
export async function resolveOpenItem(h: HandlerContext, item: StoredException, reason: string, by: string, automatic: boolean): Promise<boolean> {
  if (item.state === 'resolved') return false;
  const next: StoredException = { ...item, state: 'resolved', resolution: { reason, by, at: h.decision.now }, history: [...item.history, { at: h.decision.now, action: 'resolve', by, note: reason }] };
  if (!(await saveExceptionItem(h.tx, next, item.state, h.decision.now))) return false;
  h.emit({ type: 'exception.updated', subject: `exception:${item.id}`, payload: { exceptionId: item.id, category: item.category, action: 'resolve', by, state: 'resolved', assignee: item.assignee, reason } });
  h.audit({ action: 'exception.resolved', subject: `exception:${item.id}`, before: { state: item.state }, after: { state: 'resolved' }, detail: { reason, ...(automatic ? { automatic: true } : { queue: item.category }) } });
  return true;
}

/** The same by the item's id: 'resolved', 'already_resolved' or 'missing'. */
export async function resolveItemById(h: HandlerContext, exceptionId: string, reason: string, by: string, automatic: boolean): Promise<'resolved' | 'already_resolved' | 'missing'> {
  const item = await exceptionById(h.tx, exceptionId);
  if (!item) return 'missing';
  return (await resolveOpenItem(h, item, reason, by, automatic)) ? 'resolved' : 'already_resolved';
}
