import { roundMoney } from './order-value.js';

/**
 * What the customer has paid for an order, from the channel's capture reports (`payment.captured`
 * with an `amount`) less the captures it voided (`payment.voided` with a `captureId`). Refunds are
 * bounded by it (src/domain/returns/refund-limit.ts, which also takes off what was refunded, by us
 * or at the channel), so it must not come out too low (a customer refused money they paid) nor too
 * high (paying out what never came in).
 *
 * Channels report captures two ways:
 * - **by capture** (`captureId`): a split order is captured per parcel, each report its own amount.
 *   Captures add up, each id once: the same capture reported again (a replay under another event id,
 *   a resent webhook) is not counted twice; reported with another amount, its last report counts,
 *   as a running total's does. A voided capture counts nothing, whether its void came after its
 *   capture or before it (webhooks do not keep their order); a void is kept by id, once.
 * - **as a running total** (no id): the report is everything captured so far; the last one wins, as
 *   it always has (a total may come down: a voucher applied at capture).
 *
 * Both figures are lower bounds of what came in, and the larger counts:
 * - the captures by id that were not voided: each happened and was not undone;
 * - the last running total less every capture by id that was voided: the total was true when it was
 *   sent, but nothing says whether that was before a void (and then it still holds the voided
 *   capture) or after it; taking every voided capture off keeps it a lower bound (a total sent after
 *   the void loses money it never held, which can only make the figure low). Never below zero.
 * Adding the two would count a capture twice whenever the total already held it, which nothing in the
 * reports says; taking the later one would let a stale total, delivered after the parcels' captures,
 * undo them. What the larger cannot see (a capture in neither figure) leaves the bound low, never
 * high: the refund is cut or refused and finance gets the item, rather than money going out that
 * never came in. A void naming an id no capture carries (an authorization, or a capture still to be
 * told) changes no figure until such a capture is reported.
 */

/** One capture reported with an id, as kept on the order. */
export interface CaptureRecord {
  readonly captureId: string;
  readonly amount: number;
  /** When it was (last) reported: the decision time of its event, in epoch ms. */
  readonly at: number;
  readonly eventId: string;
}

/** A capture the channel voided, by its id (its capture may not have been reported yet). */
export interface VoidRecord {
  readonly captureId: string;
  /** When the void was reported: the decision time of its event, in epoch ms. */
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
  readonly voids?: readonly VoidRecord[];
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

/** The order's figures after a void; `capturedAmount` absent while nothing captured was reported (the placed amount stands in). */
export interface VoidsNow {
  readonly voids: VoidRecord[];
  readonly capturedTotal?: number;
  readonly capturedAmount?: number;
  readonly note: string;
}

const cents = (x: number) => Math.round(x * 100);
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

// Before captures were kept apart, capturedAmount was the last running total.
const runningTotalOf = (before: CapturesSoFar, captures: readonly CaptureRecord[]) =>
  before.capturedTotal ?? (captures.length === 0 ? before.capturedAmount : undefined);

/** The larger of the two lower bounds (see the top of this file), and how it came about. */
function capturedFigure(captures: readonly CaptureRecord[], total: number | undefined, voids: readonly VoidRecord[]) {
  const voided = new Set(voids.map((v) => v.captureId));
  const live = captures.filter((c) => !voided.has(c.captureId));
  const byIdCents = live.reduce((n, c) => n + cents(c.amount), 0);
  const voidedCents = captures.filter((c) => voided.has(c.captureId)).reduce((n, c) => n + cents(c.amount), 0);
  const totalLeftCents = total === undefined ? undefined : Math.max(0, cents(total) - voidedCents);
  const capturedAmount = Math.max(byIdCents, totalLeftCents ?? 0) / 100;
  const parts = [`${plural(live.length, 'capture')} by id (${byIdCents / 100})`];
  if (live.length < captures.length) parts.push(`${captures.length - live.length} voided (${voidedCents / 100})`);
  if (total !== undefined) parts.push(`running total ${total}${voidedCents > 0 ? ` less the voided: ${totalLeftCents! / 100}` : ''}`);
  return { capturedAmount, byId: byIdCents / 100, totalLeft: totalLeftCents === undefined ? undefined : totalLeftCents / 100, summary: `captured ${capturedAmount}: ${parts.join(', ')}` };
}

/**
 * Folds one capture report into the order's figures; null when it brings no amount (a status only:
 * the marketplace's "paid" carries none) and nothing changes.
 */
export function recordCapture(before: CapturesSoFar, report: CaptureReport, seen: { at: number; eventId: string }): CapturesNow | null {
  if (report.amount === undefined) return null;
  const amount = roundMoney(report.amount);
  let captures = [...(before.captures ?? [])];
  const voids = before.voids ?? [];
  let total = runningTotalOf(before, captures);
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
    if (voids.some((v) => v.captureId === id)) notes.push(`capture ${id} was voided: it counts nothing`);
  }

  if (captures.length === 0) return { capturedTotal: amount, capturedAmount: amount };
  const f = capturedFigure(captures, total, voids);
  if (f.totalLeft !== undefined && cents(f.totalLeft) < cents(f.byId) && report.captureId === undefined) notes.push(`running total ${total} below the ${f.byId} captured by id: the captures count`);
  notes.push(f.summary);
  return { captures, ...(total !== undefined ? { capturedTotal: total } : {}), capturedAmount: f.capturedAmount, note: notes.join('; ') };
}

/**
 * Folds one voided capture into the order's figures. The void is kept by id even when its capture has
 * not been reported yet, so the capture counts nothing when it comes.
 */
export function recordVoid(before: CapturesSoFar, report: { captureId: string }, seen: { at: number; eventId: string }): VoidsNow {
  const id = report.captureId;
  const captures = before.captures ?? [];
  const total = runningTotalOf(before, captures);
  const already = (before.voids ?? []).some((v) => v.captureId === id);
  const voids = already ? [...(before.voids ?? [])] : [...(before.voids ?? []), { captureId: id, at: seen.at, eventId: seen.eventId }];
  const capture = captures.find((c) => c.captureId === id);
  const what = already ? `capture ${id} already voided` : capture ? `capture ${id} (${capture.amount}) voided` : `capture ${id} voided before it was reported (or an id no capture has): it will count nothing`;
  // Nothing captured reported yet: the amount the order was placed with still stands in.
  if (captures.length === 0 && total === undefined) return { voids, note: what };
  const f = capturedFigure(captures, total, voids);
  return { voids, ...(total !== undefined ? { capturedTotal: total } : {}), capturedAmount: f.capturedAmount, note: `${what}; ${f.summary}` };
}
