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
import { echoesOfOurRefunds } from './refund-echoes.js';

/** What came in for the order, in the order's currency. */
export interface OrderPayment {
  readonly amount: number;
  readonly currency: string;
  readonly status: string;
}

/** A refund already asked for the order, whatever became of it. */
export interface EarlierRefund {
  readonly id?: string;
  readonly amount: number;
  readonly currency: string;
  readonly state: string;
  /** The channel's id of the refund that paid it out, when it was paid out there (refund.settled `channelRefundId`). */
  readonly channelRefundId?: string;
}

/**
 * A refund the channel made itself (customer service in the shop's admin, a marketplace refunding its
 * buyer): the money went out, whatever omniops thinks of it, so it always counts.
 */
export interface RefundAtChannel {
  /** The channel's id: the `channelRefundId` of one of our refunds' settlements when it is ours paid out there. */
  readonly refundId?: string;
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
  /**
   * Of alreadyRefunded, what the channel refunded beyond our refunds (only when it refunded anything
   * of its own): its own refunds, and what an echo of ours paid out more than ours.
   */
  readonly refundedAtChannel?: number;
  /** The channel's refunds that paid out ours (their ids are our settlements' channelRefundId): counted once, with ours. */
  readonly matchedAtChannel?: readonly string[];
  readonly currency: string;
}

/** Why no refund was made at all. */
export interface RefundRefused {
  readonly code: 'nothing_left_to_refund' | 'currency_differs';
  readonly asked: number;
  readonly paid: number;
  readonly alreadyRefunded: number;
  readonly refundedAtChannel?: number;
  readonly matchedAtChannel?: readonly string[];
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
 * all count — each may still be paid) and those the channel made itself (`atChannel`, all count but
 * that a channel refund paying out ours — its id our settlement's channelRefundId — counts once with ours, as
 * the larger of the two: what went out, so the bound stays a lower bound of what is left). A
 * refund that would go over is cut to what is left, the cut shared over its lines in proportion (whole
 * cents, the odd cents to the largest remainders, ties in line order) so the refund stays exactly the sum of its lines; nothing left, no refund. Refunds in
 * another currency than the payment cannot be weighed against it: refused, for a person to look at.
 */
export function limitRefund(
  lines: readonly RefundLineAsked[], currency: string, payment: OrderPayment, earlier: readonly EarlierRefund[], atChannel: readonly RefundAtChannel[] = [],
): RefundLimit {
  const askedCents = lines.reduce((n, l) => n + cents(l.amount), 0);
  const paidCents = PAYMENT_STATUSES_TAKING_NOTHING.includes(payment.status) ? 0 : cents(payment.amount);
  const ours = earlier.filter((r) => !REFUND_STATES_PAYING_NOTHING.includes(r.state));
  const counted = [...ours, ...atChannel];
  const inPayment = (r: { currency: string }) => r.currency === payment.currency;
  const atChannelOwn = beyondOurRefunds(ours, atChannel);
  const refundedCents = [...ours.filter(inPayment).map((r) => cents(r.amount)), ...atChannelOwn.filter(inPayment).map((r) => r.cents)].reduce((n, c) => n + c, 0);
  const atChannelCents = atChannelOwn.filter(inPayment).reduce((n, r) => n + r.cents, 0);
  const matched = atChannelOwn.filter((r) => r.echo).map((r) => r.refundId!);
  const facts = {
    asked: askedCents / 100, paid: paidCents / 100, alreadyRefunded: refundedCents / 100,
    ...(atChannelOwn.some((r) => !r.echo || r.cents > 0) ? { refundedAtChannel: atChannelCents / 100 } : {}),
    ...(matched.length > 0 ? { matchedAtChannel: matched } : {}), currency: payment.currency,
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

/**
 * What each channel refund paid out beyond our refunds, in cents: its own refund in full; an echo of
 * ours what it paid out more than the refunds of ours it paid out (told larger — the return's shipping
 * refunded on top, say — the larger went out; told smaller, ours counts whole). Each channel refund id
 * once, as the order keeps them.
 */
function beyondOurRefunds(ours: readonly EarlierRefund[], atChannel: readonly RefundAtChannel[]): Array<{ refundId?: string; currency: string; cents: number; echo: boolean }> {
  const echoes = echoesOfOurRefunds(ours, atChannel);
  const taken = new Set<string>();
  return atChannel.map((r) => {
    const paidOut = r.refundId !== undefined && !taken.has(r.refundId) ? echoes.get(r.refundId) : undefined;
    if (!paidOut) return { ...(r.refundId !== undefined ? { refundId: r.refundId } : {}), currency: r.currency, cents: cents(r.amount), echo: false };
    taken.add(r.refundId!);
    const oursCents = paidOut.reduce((n, o) => n + cents(o.amount), 0);
    return { refundId: r.refundId!, currency: r.currency, cents: Math.max(0, cents(r.amount) - oursCents), echo: true };
  });
}
