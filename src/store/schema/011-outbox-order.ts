import type { Dialect } from '../port.js';
import { portable } from './portable.js';

/**
 * The delivery worker asks, for each due row, whether an earlier row of the same (destination,
 * subject) is still pending. Without an index of pending rows by subject the planner answered that
 * by walking every pending row, so each poll cost grew with the square of the outbox backlog.
 */
export function outboxOrderSchema(dialect: Dialect): string {
  return portable(dialect, `
CREATE INDEX outbox_pending_subject ON outbox (destination, subject, seq) WHERE status = 'pending';
`);
}
