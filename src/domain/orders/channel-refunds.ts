import { roundMoney } from './order-value.js';

/**
 * Refunds the channel made itself (`payment.refunded`): customer service refunding in the shop's
 * admin, a marketplace refunding its buyer. omniops did not make them, but the money is gone all the
 * same: kept on the order, they count as paid out when a return's refund is weighed against what
 * was paid (src/domain/returns/refund-limit.ts). Not kept, a later return paid the customer again.
 *
 * Each refund counts once by the channel's id: a webhook resent under another delivery id, or the
 * same refund told by two topics (Shopify's `refunds/create` and `order_transactions/create` name
 * the same transaction), changes nothing. Reported again with another amount, its last report
 * counts, as a capture's does. A refund is kept whatever else the order knows: one told before the
 * capture it refunds still counts, and nothing is taken below zero here (the limit is never negative).
 */

export interface ChannelRefundRecord {
  readonly refundId: string;
  readonly amount: number;
  readonly currency: string;
  readonly reason?: string;
  /** When it was (last) reported: the decision time of its event, in epoch ms. */
  readonly at: number;
  readonly eventId: string;
}

export interface ChannelRefundReport {
  readonly refundId: string;
  readonly amount: number;
  /** Absent: the order's currency. */
  readonly currency?: string;
  readonly reason?: string;
}

const cents = (x: number) => Math.round(x * 100);

/** What was refunded at the channel in the order's currency (refunds in another are weighed by a person). */
export function refundedAtChannel(refunds: readonly ChannelRefundRecord[], currency: string): number {
  return refunds.filter((r) => r.currency === currency).reduce((n, r) => n + cents(r.amount), 0) / 100;
}

/** Folds one channel refund into the order's list; `note` says what it did, for the order's history. */
export function recordChannelRefund(
  before: readonly ChannelRefundRecord[] | undefined, report: ChannelRefundReport, orderCurrency: string, seen: { at: number; eventId: string },
): { refunds: ChannelRefundRecord[]; note: string } {
  const refunds = [...(before ?? [])];
  const amount = roundMoney(report.amount);
  const currency = report.currency ?? orderCurrency;
  const id = report.refundId;
  const earlier = refunds.find((r) => r.refundId === id);
  if (earlier && cents(earlier.amount) === cents(amount) && earlier.currency === currency) {
    return { refunds, note: `refund ${id} already counted; ${refundedAtChannel(refunds, orderCurrency)} ${orderCurrency} refunded at the channel in all` };
  }
  const record: ChannelRefundRecord = { refundId: id, amount, currency, ...(report.reason !== undefined ? { reason: report.reason } : {}), at: seen.at, eventId: seen.eventId };
  const now = [...refunds.filter((r) => r.refundId !== id), record];
  const what = earlier
    ? `refund ${id} reported again with ${amount}${currency !== earlier.currency ? ` ${currency}` : ''} (was ${earlier.amount}${currency !== earlier.currency ? ` ${earlier.currency}` : ''}): the last report counts`
    : `refunded ${amount} ${currency} at the channel (refund ${id})${report.reason ? `: ${report.reason}` : ''}`;
  const foreign = currency !== orderCurrency ? `; not in the order's currency ${orderCurrency}: a return's refund of this order goes to a person` : '';
  return { refunds: now, note: `${what}${foreign}; ${refundedAtChannel(now, orderCurrency)} ${orderCurrency} refunded at the channel in all` };
}
