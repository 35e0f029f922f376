import type { SqlExecutor } from '../../store/port.js';
import { openException, type OpenExceptionInput } from '../../domain/exceptions/index.js';
import { insertExceptionItem, openExceptionFor } from '../../store/repos/exceptions.js';
import { derivedId } from '../ids.js';

/**
 * Opens an item in an exception queue unless one is already open for the same subject: a dead
 * delivery replayed and dying again, or a discrepancy seen again on the next run, is one item.
 * Returns the id of the open item (new or existing).
 */
export async function ensureException(db: SqlExecutor, input: OpenExceptionInput, seed: string, now: number): Promise<{ id: string; opened: boolean }> {
  const existing = await openExceptionFor(db, input.category, input.subjectRef);
  if (existing) return { id: existing.id, opened: false };
  const { item } = openException(input, { now, newId: (kind) => derivedId(seed, kind, 1) });
  await insertExceptionItem(db, { ...item, history: [{ at: now, action: 'opened', by: 'omniops' }] });
  return { id: item.id, opened: true };
}
