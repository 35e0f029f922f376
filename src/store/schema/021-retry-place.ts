import type { Dialect } from '../port.js';
import { portable } from './portable.js';

/**
 * The backorder retry keeps its place in its queue as a key, not a position (docs/orders.md, "How an
 * order is routed again"): the last order it looked at, its placed time in `last_slot_ms` and its id
 * here. A position shifted when an order ahead of it left the queue, and one order was skipped for a
 * round. A row the old retry wrote (a position, `place_id` null) is read as "from the oldest".
 */
export function retryPlaceSchema(dialect: Dialect): string {
  return portable(dialect, `
ALTER TABLE scheduler_slots ADD COLUMN place_id TEXT;
`);
}
