import type { SqlExecutor } from '../../store/port.js';
import { openException, type OpenExceptionInput } from '../../domain/exceptions/index.js';
import { exceptionById, insertExceptionItem, openExceptionFor } from '../../store/repos/exceptions.js';
import { derivedId } from '../ids.js';

/**
 * Opens an item in an exception queue unless one is already open for the same subject: a dead
 * delivery replayed and dying again, or a discrepancy seen again on the next run, is one item.
 * Returns the id of the open item (new or existing).
 */
export async function ensureException(db: SqlExecutor, input: OpenExceptionInput, seed: string, now: number): Promise<{ id: string; opened: boolean }> {
  const existing = await openExceptionFor(db, input.category, input.subjectRef);
  if (existing) return { id: existing.id, opened: false };
  // The same seed again (an event replayed after its item was resolved): the next free derived id.
  // The first one again would collide with the resolved item, fail the insert and leave the new
  // trouble in no queue.
  let n = 1;
  while (await exceptionById(db, derivedId(seed, 'exception', n))) n++;
  const { item } = openException(input, { now, newId: (kind) => derivedId(seed, kind, n) });
  await insertExceptionItem(db, { ...item, history: [{ at: now, action: 'opened', by: 'omniops' }] });
  return { id: item.id, opened: true };
}
