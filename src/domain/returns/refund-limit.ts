/**
 * What may still be refunded of an order: never more, over all its refunds — ours and those the
 * channel made itself (`payment.refunded`) — than the customer paid for it. Refunds are worked out per
 * line (paidForUnits) from the line prices; the payment is what actually came in — an order-level
 * voucher, a gift card or a partial capture can make it less than the lines add up to, and a refund of
 * every line then paid the customer more than they paid us.
 * Shipping paid on top of the goods is never part of a return's refund (it is refunded by hand, if at
 * all), so it only leaves room under the limit.
 * One refund counts once: ours paid out through the channel comes back as the channel's refund, and
 * counts with ours (refund-echoes.ts).
 */
import { refundRoom, type EarlierRefund, type OrderPayment, type OwedHeld, type RefundAtChannel } from './left-to-refund.js';

// The rule itself (what is left, and what counts) is left-to-refund.ts, which the order's view shows too.
export { REFUND_STATES_PAYING_NOTHING, type EarlierRefund, type OrderPayment, type OwedHeld, type RefundAtChannel } from './left-to-refund.js';

export interface RefundLineAsked {
  readonly lineId: string;
  readonly qty: number;
  readonly amount: number;
}

/** The figures a refund was weighed by against the order's payment: kept on a cut or refused refund, shown in the audit. */
export interface RefundWeighed {
  readonly asked: number;
  readonly paid: number;
  /** Everything refunded before: ours and the channel's. */
  readonly alreadyRefunded: number;
  /**
   * Of alreadyRefunded, what the channel refunded beyond our refunds (only when it refunded anything
   * of its own): its own refunds, and what an echo of ours paid out more than ours.
   */
  readonly refundedAtChannel?: number;
  /** The channel's refunds that paid out ours (their ids are our settlements' channelRefundId): counted once, with ours. */
  readonly matchedAtChannel?: readonly string[];
  /** Of alreadyRefunded, what finance was told other cases are owed on top of their refunds (held for them). */
  readonly owedToCases?: number;
  readonly currency: string;
}

/** Why a refund pays less than its lines are worth. */
export interface RefundLimitedBy extends RefundWeighed {
  readonly reason: 'order_paid_amount';
}

/** Why no refund was made at all. */
export interface RefundRefused extends RefundWeighed {
  readonly code: 'nothing_left_to_refund' | 'currency_differs';
}

export type RefundLimit =
  | { readonly outcome: 'full'; readonly lines: readonly RefundLineAsked[]; readonly amount: number }
  | { readonly outcome: 'cut'; readonly lines: readonly RefundLineAsked[]; readonly amount: number; readonly limitedBy: RefundLimitedBy }
  | { readonly outcome: 'refused'; readonly refused: RefundRefused };

const cents = (x: number) => Math.round(x * 100);

/**
 * Limits a refund of `lines` (in `currency`) to what is left of the order's payment after the refunds
 * already asked (all of them but the ones that pay nothing: awaiting approval, blocked, sent and settled
 * all count — each may still be paid) and those the channel made itself (`atChannel`, all count but
 * that a channel refund paying out ours — its id our settlement's channelRefundId — counts once with ours, as
 * the larger of the two: what went out, so the bound stays a lower bound of what is left). A
 * refund that would go over is cut to what is left (what finance was told other cases are owed on top, `held`, counts as refunded), the cut shared over its lines in proportion (whole
 * cents, the odd cents to the largest remainders, ties in line order) so the refund stays exactly the sum of its lines; nothing left, no refund. Refunds in
 * another currency than the payment cannot be weighed against it: refused, for a person to look at.
 */
export function limitRefund(
  lines: readonly RefundLineAsked[], currency: string, payment: OrderPayment, earlier: readonly EarlierRefund[], atChannel: readonly RefundAtChannel[] = [],
  held: readonly OwedHeld[] = [],
): RefundLimit {
  const askedCents = lines.reduce((n, l) => n + cents(l.amount), 0);
  const room = refundRoom(payment, earlier, atChannel, held);
  const facts: RefundWeighed = {
    asked: askedCents / 100, paid: room.paidCents / 100, alreadyRefunded: room.refundedCents / 100,
    ...(room.atChannel.some((c) => !c.echoOf || c.countsCents > 0) ? { refundedAtChannel: room.atChannelCents / 100 } : {}),
    ...(room.matchedAtChannel.length > 0 ? { matchedAtChannel: room.matchedAtChannel } : {}),
    ...(room.heldCents > 0 ? { owedToCases: room.heldCents / 100 } : {}), currency: payment.currency,
  };
  if (currency !== payment.currency || room.currencyDiffers) return { outcome: 'refused', refused: { code: 'currency_differs', ...facts } };
  const leftCents = room.leftCents;
  if (askedCents <= leftCents) return { outcome: 'full', lines, amount: askedCents / 100 };
  if (leftCents === 0) return { outcome: 'refused', refused: { code: 'nothing_left_to_refund', ...facts } };
  const shares = lines.map((l, i) => {
    const exact = (cents(l.amount) * leftCents) / askedCents;
    return { i, whole: Math.floor(exact), rest: exact - Math.floor(exact) };
  });
  let odd = leftCents - shares.reduce((n, s) => n + s.whole, 0);
  for (const s of [...shares].sort((a, b) => b.rest - a.rest || a.i - b.i)) {
    if (odd === 0) break;
    s.whole += 1;
    odd -= 1;
  }
  const cut = lines.map((l, i) => ({ ...l, amount: shares[i]!.whole / 100 }));
  return { outcome: 'cut', lines: cut, amount: leftCents / 100, limitedBy: { reason: 'order_paid_amount', ...facts } };
}
