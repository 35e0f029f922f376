/**
 * When a transfer left its source, when the source never reported it (docs/replenishment.md,
 * "Transfers"). The receiving store often knows from the delivery note or the carrier (`shippedAt`
 * on the receipt); booked then, a count at the source after that time already saw the units gone and
 * they are not taken off again. Without it the receipt's time is the latest the units can have left,
 * and a count at the source since the transfer was made may or may not have seen them: a person
 * recounts. Live handler, API and backtest decide by these functions, so they agree.
 */
import { movementMs } from '../inventory/movement-time.js';
import type { Role } from '../roles.js';

/** Whether a given departure time is possible: not after the receipt, not before the transfer existed. */
export type ShippedAtCheck =
  | { ok: true; ms: number }
  | { ok: false; reason: 'after_receipt' | 'before_transfer'; boundMs: number };

export function checkShippedAt(shippedAt: string, receiptMs: number, createdMs: number): ShippedAtCheck {
  const ms = Date.parse(shippedAt);
  if (ms > receiptMs) return { ok: false, reason: 'after_receipt', boundMs: receiptMs };
  if (ms < createdMs) return { ok: false, reason: 'before_transfer', boundMs: createdMs };
  return { ok: true, ms };
}

/**
 * The time an unreported shipment is booked at: the receipt's `shippedAt` held within the same bounds
 * as a reported shipment's time (never after the goods came in, never before the transfer existed;
 * movementMs), or the receipt's time when none was given. `clamped`: a given time was out of bounds
 * and moved to the nearest one (an event is not refused for it; the API refuses it first).
 */
export function impliedShipmentMs(shippedAt: string | undefined, receiptMs: number, createdMs: number): { ms: number; clamped: boolean } {
  if (shippedAt === undefined) return { ms: receiptMs, clamped: false };
  const ms = movementMs(shippedAt, receiptMs, createdMs);
  return { ms, clamped: ms !== Date.parse(shippedAt) };
}

/**
 * Whether the source's latest count may have seen the units already gone though the shipment is booked
 * at the receipt: it was taken after the transfer was made (before, the units were surely there) and
 * not after the booked shipment (after it, the write already treats the count as having seen it).
 */
export function countMayHaveMissedShipment(countedMs: number | null, createdMs: number, bookedMs: number): countedMs is number {
  return countedMs !== null && countedMs > createdMs && countedMs <= bookedMs;
}

/** Who recounts at the source: a store's staff, or the floor team of a DC or 3PL. */
export const recountOwner = (locationKind: string | undefined): Role => (locationKind === 'dc' || locationKind === '3pl' ? 'warehouse' : 'store_manager');
