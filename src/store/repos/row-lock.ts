import type { SqlExecutor, Tx } from '../port.js';

/**
 * ` FOR UPDATE` when `db` is a transaction on PostgreSQL, else nothing: for a row a handler reads and
 * then writes back whole (an order's or a return case's document).
 *
 * Why: in cluster mode the events that write one order run on different partitions, hence different
 * workers, at the same moment — the order's own (`payment.captured`: subject `order:<id>`), its
 * fulfilments' (`fulfilment.shipped`: `fulfilment:<id>`), its returns' (`return:<case>`). Each reads the
 * document, changes its part and writes it all back, so without a lock the later commit silently
 * dropped the earlier one's change (a capture, a state, what finance was told a case is owed). With
 * the row locked at the read, the second waits for the first to commit and then reads what it wrote
 * (READ COMMITTED re-reads a locked row). A deadlock between two such transactions is retried by the
 * store. SQLite has one writer, so transactions never overlap; reads outside a transaction (the API's)
 * take no lock.
 */
export function forUpdateIn(db: SqlExecutor): string {
  return db.dialect === 'postgres' && typeof (db as Partial<Tx>).savepoint === 'function' ? ' FOR UPDATE' : '';
}
