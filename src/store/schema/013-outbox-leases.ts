import type { Dialect } from '../port.js';
import { portable } from './portable.js';

/**
 * Every delivery round counts the live leases per target. The only index on pending rows was by
 * (status, seq), so the count walked every pending row: 10 ms per round at ~40,000 pending (rows
 * waiting for a slow or absent destination), on the engine thread. Only a claimed row has a lease
 * (`lease_until` > 0; delivered, released and parked rows go back to 0), so an index of leased rows
 * holds the few in flight and costs nothing when a row is written.
 */
export function outboxLeasesSchema(dialect: Dialect): string {
  return portable(dialect, `
CREATE INDEX outbox_leased ON outbox (target, lease_until) WHERE lease_until > 0;
`);
}
