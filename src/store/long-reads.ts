import type { SqlExecutor, Store } from './port.js';

/**
 * The executor for reads that legitimately run long on a large database — the books check and the
 * audit chain's verification (CLI `omniops check` / `audit verify`, their API routes) and the policy
 * backtest, which read whole tables or the whole log. On PostgreSQL these go without the statement
 * deadline (`PostgresStore.unhurried`; OMNIOPS_PG_QUERY_TIMEOUT_MS bounds every other statement),
 * so a big database does not turn them into E_UNAVAILABLE; the price is that a server going silent
 * holds them until TCP keepalive or the kernel gives up. SQLite has no deadline: its reads as they are.
 */
export function longReads(store: Store): SqlExecutor {
  return (store as Store & { unhurried?: SqlExecutor }).unhurried ?? store.read;
}
