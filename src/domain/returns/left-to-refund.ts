/**
 * What is left to refund of an order: the one rule that a return's refund is limited by
 * (refund-limit.ts) and that the order's view shows finance and service (`leftToRefund`), so the figure
 * a person reads is the figure a return would be weighed against.
 *
 * Never more, over all the order's refunds — ours and those the channel made itself
 * (`payment.refunded`) — than the customer paid for it (what was captured; before any capture with an
 * amount, the amount the order was placed with; after a failed payment, nothing). Our refunds count
 * whatever became of them but a refund turned down (awaiting approval, blocked, sent and settled may
 * each still be paid); the channel's always count (the money went out, whatever omniops thinks of it).
 * One refund counts once: ours paid out through the channel comes back as the channel's refund, tied
 * by our settlement's `channelRefundId` (refund-echoes.ts), and the two count as the larger — what went
 * out — so the figure stays a lower bound of what is left.
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

/**
 * What finance was told a return case is owed on top of its refund, once the order's room to refund
 * grew (owed-after-room-freed.ts), in the payment's currency. It counts as refunded from then on,
 * whether finance pays it by hand or not: a top-up paid by hand is never told back to omniops, and a
 * later return weighed as if that money were still there would be paid out of it a second time. So
 * the figure stays a lower bound, as everything here (unpaid, it leaves the bound low: finance's call).
 */
export interface OwedHeld {
  readonly caseId: string;
  /** Told and not released (finance did not decline it, its refund was not turned down): paid by hand or to be. */
  readonly amount: number;
  /** Of amount, what finance recorded paid by hand (owed-settled.ts); the rest is not answered yet. */
  readonly paid?: number;
}

/** A refund turned down by finance pays nothing: its part of the payment is free again. */
export const REFUND_STATES_PAYING_NOTHING: readonly string[] = ['rejected'];

/** A failed payment took no money: nothing of it can be given back. */
const PAYMENT_STATUSES_TAKING_NOTHING: readonly string[] = ['failed'];

/** One of our refunds, and how it counts. */
export interface OurRefundCounted<E extends EarlierRefund> {
  readonly refund: E;
  /** False for a refund that pays nothing (turned down). */
  readonly counts: boolean;
  /** The channel's refund that paid it out (its echo, tied by our settlement's channelRefundId): counted once, with this one. */
  readonly paidOutAtChannel?: string;
}

/** One of the channel's refunds, and what it counts beyond ours. */
export interface ChannelRefundCounted<C extends RefundAtChannel, E extends EarlierRefund> {
  readonly refund: C;
  /** In cents: its own refund in full; an echo of ours what it paid out more than ours (0 when no more). */
  readonly countsCents: number;
  /** Our refunds it paid out, when it is their echo. */
  readonly echoOf?: readonly E[];
}

/** What is left to refund of an order, and what it was worked out from; sums in cents, in the payment's currency. */
export interface RefundRoom<E extends EarlierRefund, C extends RefundAtChannel> {
  readonly currency: string;
  /** What refunds are bounded by: the payment, nothing when it failed. */
  readonly paidCents: number;
  /** The payment failed: nothing came in to give back. */
  readonly paymentFailed: boolean;
  readonly ours: ReadonlyArray<OurRefundCounted<E>>;
  readonly atChannel: ReadonlyArray<ChannelRefundCounted<C, E>>;
  /** Everything refunded: ours that count and what the channel refunded beyond ours. */
  readonly refundedCents: number;
  /** Of refundedCents, what the channel refunded beyond ours. */
  readonly atChannelCents: number;
  /** Of refundedCents, what finance was told cases are owed on top of their refunds (held for them). */
  readonly heldCents: number;
  readonly held: readonly OwedHeld[];
  /** The channel's refunds that paid out ours: counted once, with ours. */
  readonly matchedAtChannel: readonly string[];
  /** What is left to refund; never below zero. */
  readonly leftCents: number;
  /**
   * A refund that counts is in another currency than the payment: it cannot be weighed against it, so
   * nothing can be said to be left — a return's refund is refused for a person (`currency_differs`).
   */
  readonly currencyDiffers: boolean;
}

const cents = (x: number) => Math.round(x * 100);

/**
 * What is left to refund of `payment` after the refunds `earlier` asked (ours), those made `atChannel`
 * and what finance was told cases are owed on top (`held`).
 */
export function refundRoom<E extends EarlierRefund, C extends RefundAtChannel>(
  payment: OrderPayment, earlier: readonly E[], atChannel: readonly C[] = [], held: readonly OwedHeld[] = [],
): RefundRoom<E, C> {
  const paymentFailed = PAYMENT_STATUSES_TAKING_NOTHING.includes(payment.status);
  const paidCents = paymentFailed ? 0 : cents(payment.amount);
  const counting = earlier.filter((r) => !REFUND_STATES_PAYING_NOTHING.includes(r.state));
  const channel = beyondOurRefunds(counting, atChannel);
  const inPayment = (r: { currency: string }) => r.currency === payment.currency;
  const atChannelCents = channel.filter((c) => inPayment(c.refund)).reduce((n, c) => n + c.countsCents, 0);
  const heldCents = held.reduce((n, x) => n + cents(x.amount), 0);
  const refundedCents = counting.filter(inPayment).reduce((n, r) => n + cents(r.amount), 0) + atChannelCents + heldCents;
  const paidOutAs = new Map<E, string>();
  for (const c of channel) for (const o of c.echoOf ?? []) paidOutAs.set(o, c.refund.refundId!);
  return {
    currency: payment.currency,
    paidCents,
    paymentFailed,
    ours: earlier.map((refund) => {
      const tied = paidOutAs.get(refund);
      return { refund, counts: counting.includes(refund), ...(tied !== undefined ? { paidOutAtChannel: tied } : {}) };
    }),
    atChannel: channel,
    refundedCents,
    atChannelCents,
    heldCents,
    held: held.filter((x) => cents(x.amount) > 0),
    matchedAtChannel: channel.filter((c) => c.echoOf).map((c) => c.refund.refundId!),
    leftCents: Math.max(0, paidCents - refundedCents),
    currencyDiffers: [...counting, ...atChannel].some((r) => !inPayment(r)),
  };
}

/**
 * What each channel refund paid out beyond our refunds, in cents: its own refund in full; an echo of
 * ours what it paid out more than the refunds of ours it paid out (told larger — the return's shipping
 * refunded on top, say — the larger went out; told smaller, ours counts whole). Each channel refund id
 * once, as the order keeps them.
 */
function beyondOurRefunds<E extends EarlierRefund, C extends RefundAtChannel>(ours: readonly E[], atChannel: readonly C[]): Array<ChannelRefundCounted<C, E>> {
  const echoes = echoesOfOurRefunds(ours, atChannel);
  const taken = new Set<string>();
  return atChannel.map((refund) => {
    const paidOut = refund.refundId !== undefined && !taken.has(refund.refundId) ? echoes.get(refund.refundId) : undefined;
    if (!paidOut) return { refund, countsCents: cents(refund.amount) };
    taken.add(refund.refundId!);
    const oursCents = paidOut.reduce((n, o) => n + cents(o.amount), 0);
    return { refund, countsCents: Math.max(0, cents(refund.amount) - oursCents), echoOf: paidOut };
  });
}
