/**
 * What may still be refunded of an order: never more, over all its refunds — ours and those the
 * channel made itself (`payment.refunded`) — than the customer paid for it. Refunds are worked out per
 * line (paidForUnits) from the line prices; the payment is what actually came in — an order-level
 * voucher, a gift card or a partial capture can make it less than the lines add up to, and a refund of
 * every line then paid the customer more than they paid us.
 * Shipping paid on top of the goods is never part of a return's refund (it is refunded by hand, if at
 * all), so it only leaves room under the limit.
 */

/** What came in for the order, in the order's currency. */
export interface OrderPayment {
  readonly amount: number;
  readonly currency: string;
  readonly status: string;
}

/** A refund already asked for the order, whatever became of it. */
export interface EarlierRefund {
  readonly amount: number;
  readonly currency: string;
  readonly state: string;
}

/**
 * A refund the channel made itself (customer service in the shop's admin, a marketplace refunding its
 * buyer): the money went out, whatever omniops thinks of it, so it always counts.
 */
export interface RefundAtChannel {
  readonly amount: number;
  readonly currency: string;
}

/** A refund turned down by finance pays nothing: its part of the payment is free again. */
export const REFUND_STATES_PAYING_NOTHING: readonly string[] = ['rejected'];

/** A failed payment took no money: nothing of it can be given back. */
const PAYMENT_STATUSES_TAKING_NOTHING: readonly string[] = ['failed'];

export interface RefundLineAsked {
  readonly lineId: string;
  readonly qty: number;
  readonly amount: number;
}

/** Why a refund pays less than its lines are worth (kept on the refund, shown in the audit). */
export interface RefundLimitedBy {
  readonly reason: 'order_paid_amount';
  readonly asked: number;
  readonly paid: number;
  /** Everything refunded before: ours and the channel's. */
  readonly alreadyRefunded: number;
  /** Of alreadyRefunded, what the channel refunded itself (only when it refunded anything). */
  readonly refundedAtChannel?: number;
  readonly currency: string;
}

/** Why no refund was made at all. */
export interface RefundRefused {
  readonly code: 'nothing_left_to_refund' | 'currency_differs';
  readonly asked: number;
  readonly paid: number;
  readonly alreadyRefunded: number;
  readonly refundedAtChannel?: number;
  readonly currency: string;
}

export type RefundLimit =
  | { readonly outcome: 'full'; readonly lines: readonly RefundLineAsked[]; readonly amount: number }
  | { readonly outcome: 'cut'; readonly lines: readonly RefundLineAsked[]; readonly amount: number; readonly limitedBy: RefundLimitedBy }
  | { readonly outcome: 'refused'; readonly refused: RefundRefused };

const cents = (x: number) => Math.round(x * 100);

/**
 * Limits a refund of `lines` (in `currency`) to what is left of the order's payment after the refunds
 * already asked (all of them but the ones that pay nothing: awaiting approval, blocked, sent and settled
 * all count — each may still be paid) and those the channel made itself (`atChannel`, all count). A
 * refund that would go over is cut to what is left, the cut shared over its lines in proportion (whole
 * cents, the odd cents to the largest remainders, ties in line order) so the refund stays exactly the sum of its lines; nothing left, no refund. Refunds in
 * another currency than the payment cannot be weighed against it: refused, for a person to look at.
 */
export function limitRefund(
  lines: readonly RefundLineAsked[], currency: string, payment: OrderPayment, earlier: readonly EarlierRefund[], atChannel: readonly RefundAtChannel[] = [],
): RefundLimit {
  const askedCents = lines.reduce((n, l) => n + cents(l.amount), 0);
  const paidCents = PAYMENT_STATUSES_TAKING_NOTHING.includes(payment.status) ? 0 : cents(payment.amount);
  const counted = [...earlier.filter((r) => !REFUND_STATES_PAYING_NOTHING.includes(r.state)), ...atChannel];
  const refundedCents = counted.filter((r) => r.currency === payment.currency).reduce((n, r) => n + cents(r.amount), 0);
  const atChannelCents = atChannel.filter((r) => r.currency === payment.currency).reduce((n, r) => n + cents(r.amount), 0);
  const facts = {
    asked: askedCents / 100, paid: paidCents / 100, alreadyRefunded: refundedCents / 100,
    ...(atChannel.length > 0 ? { refundedAtChannel: atChannelCents / 100 } : {}), currency: payment.currency,
  };
  if (currency !== payment.currency || counted.some((r) => r.currency !== payment.currency)) return { outcome: 'refused', refused: { code: 'currency_differs', ...facts } };
  const leftCents = Math.max(0, paidCents - refundedCents);
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
