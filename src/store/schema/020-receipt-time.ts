import type { Dialect } from '../port.js';
import { portable } from './portable.js';

/**
 * When units last came in to a stock row: a purchase-order receipt or a transfer in (`received_ms`,
 * null: none since this column exists). A location that failed an order is asked again once its
 * stock of what it failed was counted (`counted_ms`) or received after the failure (docs/orders.md,
 * "How an order is routed again"); `moved_ms` cannot tell, it moves with every shipment too.
 */
export function receiptTimeSchema(dialect: Dialect): string {
  return portable(dialect, `
ALTER TABLE stock ADD COLUMN received_ms {{BIGINT}};
`);
}
