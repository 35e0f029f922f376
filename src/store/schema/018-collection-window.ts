import type { Dialect } from '../port.js';
import { portable } from './portable.js';

/**
 * Click and collect: until when a picked order waits at its store (ms; 0 = not waiting for a
 * collection). The collection watch reads the picked ones past it through the partial index, which
 * holds only the rows waiting — a row leaves it when it is collected or cancelled.
 */
export function collectionWindowSchema(dialect: Dialect): string {
  return portable(dialect, `
ALTER TABLE fulfilments ADD COLUMN collect_by_ms {{BIGINT}} NOT NULL DEFAULT 0;
CREATE INDEX fulfilments_collect_by ON fulfilments (collect_by_ms) WHERE state = 'picked' AND collect_by_ms > 0;
`);
}
