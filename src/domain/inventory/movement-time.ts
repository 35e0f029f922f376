/**
 * On-hand movements (a shipment, a till sale, a receipt, a transfer) by when they happened, not when
 * they were booked. A till batch synced at 20:00 carries sales made at 10:00; a count taken at 12:00
 * already did not see those units. Booked at 20:00, after the count, they were taken off again.
 */
import { happenedMs } from './count-time.js';

/**
 * When a movement happened, as far as we can tell: the sender's time (`occurredAt`), never after it
 * reached us (a clock running ahead must not make it newer than what was booked before it), and
 * never before the latest of `floorsMs` — what we know it cannot precede (the fulfilment it ships
 * was created then; before the stock journal's horizon nothing is decided by time any more). A
 * floor later than the arrival counts as the arrival.
 */
export function movementMs(occurredAt: string, receivedMs: number, ...floorsMs: ReadonlyArray<number | undefined>): number {
  const floor = Math.min(receivedMs, Math.max(Number.NEGATIVE_INFINITY, ...floorsMs.filter((f): f is number => f !== undefined && Number.isFinite(f))));
  return Math.max(happenedMs(occurredAt, receivedMs), floor);
}

/**
 * The count time of a row whose count already saw a movement that happened at `happened` (the count
 * was taken strictly later), or null: the movement is after the count (a tie counts as after: arrival
 * order, as for counts) or the row was never counted. The same rule as an adjustment's.
 */
export function movementSuperseded(row: { countedMs: number | null } | undefined, happened: number): number | null {
  return row?.countedMs !== null && row?.countedMs !== undefined && happened < row.countedMs ? row.countedMs : null;
}
