import type { Dialect } from '../port.js';
import { portable } from './portable.js';

/**
 * A generation per dirty sku, so the availability publisher deletes only the marks it read. On
 * PostgreSQL a dispatch transaction could mark a sku that was already dirty (ON CONFLICT DO NOTHING:
 * no row lock) while the publisher, in its own transaction, read the older stock, published it and
 * deleted the mark: once the dispatcher committed, its change had no mark left and channels kept the
 * stale figure until the sku changed again. A mark now bumps the generation (a row lock, held to
 * the marker's commit), and the publisher deletes (sku, generation) as read: a mark made meanwhile
 * stays for its next round.
 */
export function dirtyGenerationSchema(dialect: Dialect): string {
  return portable(dialect, `
ALTER TABLE availability_dirty ADD COLUMN generation {{BIGINT}} NOT NULL DEFAULT 0;
`);
}
