import type { Tx } from '../../store/port.js';
import { listDestinations } from '../../store/repos/destinations.js';
import { resolveDestination } from '../../domain/integrations/destination.js';

/** Why a parked (unrouted) outbox row waits: shown by `GET /v1/deliveries` as its last error. */
export const UNROUTED_NOTE = 'no registered destination takes this row';

/**
 * Outbox rows as the deciding transaction writes them: a row no registered destination takes is
 * written parked ('unrouted'), as the delivery worker would park it a moment later — so it never
 * enters the pending indexes only to be moved out again (a demo retailer's notifications and store
 * worklists, one or two rows per order). Registering a destination un-parks every parked row
 * (`upsertDestination`); its transaction and this one are serialised by the write lock on SQLite,
 * and on PostgreSQL the window is the one the worker's parking already had.
 */
export async function parkUnrouted<R extends { destination: string; kind: string }>(tx: Tx, rows: readonly R[]): Promise<Array<R & { status: 'pending' | 'unrouted'; lastError: string | null }>> {
  if (rows.length === 0) return [];
  const destinations = await listDestinations(tx);
  const routed = new Map<string, boolean>();
  return rows.map((r) => {
    const key = `${r.destination}\u0000${r.kind}`;
    let has = routed.get(key);
    if (has === undefined) routed.set(key, (has = resolveDestination(destinations, r.destination, r.kind) !== null));
    return { ...r, status: has ? 'pending' : 'unrouted', lastError: has ? null : UNROUTED_NOTE };
  });
}
