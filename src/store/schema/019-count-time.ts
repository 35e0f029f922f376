import type { Dialect } from '../port.js';
import { portable } from './portable.js';

/**
 * Stock counts by the time they were taken (docs/orders.md, "Stock counts"). Per stock row: when the
 * count it holds was taken (`counted_ms`, null: never counted) and when on-hand last moved otherwise
 * (`moved_ms`). `stock_moves` journals the on-hand movements booked after a row's count, so a count
 * that arrives late can be rolled forward by what moved since it was taken; a count prunes what it
 * covers. Rows never counted keep no journal (nothing to roll forward from).
 */
export function countTimeSchema(dialect: Dialect): string {
  return portable(dialect, `
ALTER TABLE stock ADD COLUMN counted_ms {{BIGINT}};
ALTER TABLE stock ADD COLUMN moved_ms {{BIGINT}};
CREATE TABLE stock_moves (
  id {{SERIAL_PK}},
  location_id TEXT NOT NULL,
  sku TEXT NOT NULL,
  moved_ms {{BIGINT}} NOT NULL,
  delta INTEGER NOT NULL
);
CREATE INDEX stock_moves_row ON stock_moves (location_id, sku, moved_ms);
`);
}
