import { roundMoney } from './order-value.js';

/**
 * What the customer has paid for an order, from the channel's capture reports (`payment.captured`
 * with an `amount`). Refunds are bounded by it (src/domain/returns/refund-limit.ts), so it must not
 * come out too low (a customer refused money they paid) nor too high (paying out what never came in).
 *
 * Channels report captures two ways:
 * - **by capture** (`captureId`): a split order is captured per parcel, each report its own amount.
 *   Captures add up, each id once: the same capture reported again (a replay under another event id,
 *   a resent webhook) is not counted twice; reported with another amount, its last report counts,
 *   as a running total's does.
 * - **as a running total** (no id): the report is everything captured so far; the last one wins, as
 *   it always has (a total may come down: a voucher applied at capture).
 *
 * A channel that mixes the two: each figure is a lower bound of what came in — every capture by id
 * happened, and a running total was true when it was sent (captures only add up) — so the larger of
 * the two counts: the sum of the captures by id, or the last running total. Adding them would count a
 * capture twice whenever the total already held it, which nothing in the reports says; taking the
 * later one would let a stale total, delivered after the parcels' captures, undo them. What the larger
 * cannot see (a capture in neither figure) leaves the bound low, never high: the refund is cut or
 * refused and finance gets the item, rather than money going out that never came in.
 */

/** One capture reported with an id, as kept on the order. */
export interface CaptureRecord {
  readonly captureId: string;
  readonly amount: number;
  /** When it was (last) reported: the decision time of its event, in epoch ms. */
  readonly at: number;
  readonly eventId: string;
}

/** What the order holds of its captures before a report. */
export interface CapturesSoFar {
  readonly captures?: readonly CaptureRecord[];
  /** The last running total reported without an id (absent on orders stored before it was kept apart). */
  readonly capturedTotal?: number;
  /** The figure refunds are bounded by. */
  readonly capturedAmount?: number;
}

export interface CaptureReport {
  readonly captureId?: string;
  readonly amount?: number;
}

/** The order's capture figures after a report, and what to say about it in the order's history. */
export interface CapturesNow {
  readonly captures?: CaptureRecord[];
  readonly capturedTotal?: number;
  readonly capturedAmount: number;
  /** Set when captures by id are involved: how the figure came about (a repeat, a stale total). */
  readonly note?: string;
}

const cents = (x: number) => Math.round(x * 100);

/**
 * Folds one capture report into the order's figures; null when it brings no amount (a status only:
 * the marketplace's "paid" carries none) and nothing changes.
 */
export function recordCapture(before: CapturesSoFar, report: CaptureReport, seen: { at: number; eventId: string }): CapturesNow | null {
  if (report.amount === undefined) return null;
  const amount = roundMoney(report.amount);
  let captures = [...(before.captures ?? [])];
  // Before captures were kept apart, capturedAmount was the last running total.
  let total = before.capturedTotal ?? (captures.length === 0 ? before.capturedAmount : undefined);
  const notes: string[] = [];

  if (report.captureId === undefined) {
    total = amount;
  } else {
    const id = report.captureId;
    const earlier = captures.find((c) => c.captureId === id);
    if (earlier && cents(earlier.amount) === cents(amount)) notes.push(`capture ${id} already counted`);
    else {
      if (earlier) notes.push(`capture ${id} reported again with ${amount} (was ${earlier.amount}): the last report counts`);
      captures = [...captures.filter((c) => c.captureId !== id), { captureId: id, amount, at: seen.at, eventId: seen.eventId }];
    }
  }

  if (captures.length === 0) return { capturedTotal: amount, capturedAmount: amount };
  const byId = captures.reduce((n, c) => n + cents(c.amount), 0) / 100;
  const capturedAmount = Math.max(byId, total ?? 0);
  if (total !== undefined && cents(total) < cents(byId) && report.captureId === undefined) notes.push(`running total ${total} below the ${byId} captured by id: the captures count`);
  notes.push(`captured ${capturedAmount}: ${captures.length} capture${captures.length === 1 ? '' : 's'} by id (${byId})${total !== undefined ? `, running total ${total}` : ''}`);
  return { captures, ...(total !== undefined ? { capturedTotal: total } : {}), capturedAmount, note: notes.join('; ') };
}
