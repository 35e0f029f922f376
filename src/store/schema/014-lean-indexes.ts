import type { Dialect } from '../port.js';
import { portable } from './portable.js';

/**
 * Indexes that cost every order a page write and answer no query any more. Counted from the WAL of
 * an order load (pages written per commit, ~33 orders each, 435 in all): reservations by order (31
 * pages — order ids are hashes, so each order's entry lands on a page of its own), outbox by
 * (destination, subject) (26; the delivery check uses the pending-only index of migration 011) and
 * fulfilments by (location, day) (9; capacity is a counter since migration 010). An order's
 * reservations are found through its fulfilments (every reservation belongs to one).
 */
export function leanIndexesSchema(dialect: Dialect): string {
  return portable(dialect, `
DROP INDEX reservations_order;
DROP INDEX outbox_subject;
DROP INDEX fulfilments_capacity;
`);
}
