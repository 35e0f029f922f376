import type { Dialect } from '../port.js';
import { portable } from './portable.js';

/**
 * A send-by time per outbox row (ms; 0 = none). A customer message decided while no destination
 * took it (none registered yet, or one down for a day) was sent whenever one came back: an "order
 * confirmed" mail a week late. A row past its send-by time is expired by the delivery worker instead
 * of sent. No index: the worker reads the column of rows it already found due.
 */
export function outboxExpirySchema(dialect: Dialect): string {
  return portable(dialect, `
ALTER TABLE outbox ADD COLUMN expires_at {{BIGINT}} NOT NULL DEFAULT 0;
`);
}
