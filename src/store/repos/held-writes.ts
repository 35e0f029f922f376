import type { Tx } from '../port.js';

/**
 * Holds rows back to be written just before the transaction's next statement (PostgreSQL's
 * `Tx.beforeNextStatement`), merged with the rows held after them: one statement for many events'
 * writes. `domain` names writes whose order matters to each other (stock: counts and reservations
 * of one row), `kind` the statement that writes them: rows join the queue held last in their
 * domain if it is of their kind, else they start a new queue, sent after it — so within a domain
 * the database sees the writes in the order they were made. False when the transaction cannot hold
 * (SQLite, or outside a transaction): the caller writes at once.
 */
export function holdRows<T>(db: unknown, domain: string, kind: string, rows: readonly T[], write: (rows: readonly T[]) => Promise<void>): boolean {
  const tx = db as Partial<Tx>;
  if (!tx.beforeNextStatement || !tx.kept) return false;
  const kept = tx.kept;
  const key = `held:${domain}`;
  const last = kept.get(key) as { kind: string; rows: T[] } | undefined;
  if (last?.kind === kind) {
    last.rows.push(...rows);
    return true;
  }
  const queue = { kind, rows: [...rows] };
  kept.set(key, queue);
  tx.beforeNextStatement(() => {
    if (kept.get(key) === queue) kept.delete(key);
    return write(queue.rows);
  });
  return true;
}
