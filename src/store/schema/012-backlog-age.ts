import type { Dialect } from '../port.js';
import { portable } from './portable.js';

/**
 * /metrics asks for the backlog (count and oldest arrival of pending events) on every scrape. The
 * pending index held only seq, so the oldest arrival meant a table read per pending row: 4–5 ms per
 * scrape at a backlog of a few thousand, growing with it. With received_ms in the index both are
 * answered from the index alone.
 */
export function backlogAgeSchema(dialect: Dialect): string {
  return portable(dialect, `
DROP INDEX events_pending;
CREATE INDEX events_pending ON events (seq, received_ms) WHERE status = 'pending';
`);
}
