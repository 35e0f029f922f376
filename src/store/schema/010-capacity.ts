import type { Dialect } from '../port.js';
import { portable } from './portable.js';

/**
 * Fulfilments taken per location and local day, kept as a counter: routing reads a location's used
 * capacity once per order, and counting the day's fulfilments each time grew with the day's volume.
 * Backfilled from the fulfilments that still count (not rejected, expired or cancelled).
 */
export function capacitySchema(dialect: Dialect): string {
  return portable(dialect, `
CREATE TABLE location_capacity (
  location_id TEXT NOT NULL,
  local_day TEXT NOT NULL,
  used INTEGER NOT NULL,
  PRIMARY KEY (local_day, location_id)
);
INSERT INTO location_capacity (location_id, local_day, used)
  SELECT location_id, local_day, COUNT(*) FROM fulfilments WHERE state NOT IN ('rejected', 'expired', 'cancelled') GROUP BY location_id, local_day;
`);
}
