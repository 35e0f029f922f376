/**
 * Our refund paid out through the channel comes back from it: the payment flow refunds in the shop's
 * admin, and the shop then tells that refund like any other (Shopify `refunds/create` →
 * `payment.refunded`). It is the same money, not a second refund. What ties the two is the settlement:
 * `refund.settled` names the channel's id of the refund that paid ours out (`channelRefundId`). A
 * channel refund with that id is the echo of one (or more: one channel refund paying out several of
 * ours) of our refunds.
 *
 * Only that field ties them, not the settlement's free-text `reference`: a reference is whatever the
 * payment side names its payment by (an ERP's number), and one that happened to equal a channel
 * refund's id on the same order would merge two refunds — the one way the bound could come out high.
 * Nothing tied (an echo told before our settlement, a settlement without the field) leaves both
 * counted: the bound comes out low (a cut refund, finance's item), never high. Only refunds in one
 * currency are tied: amounts in two currencies cannot say which is larger.
 */

/** One of our refunds, as far as its settlement says where it was paid out. */
export interface OurRefundPaidOut {
  readonly id?: string;
  readonly amount: number;
  readonly currency: string;
  /** The channel's id of the refund that paid it out (refund.settled `channelRefundId`). */
  readonly channelRefundId?: string;
}

export interface ChannelRefundTold {
  readonly refundId?: string;
  readonly amount: number;
  readonly currency: string;
}

/** Per channel refund id that echoes ours: our refunds it paid out (at least one). */
export function echoesOfOurRefunds<O extends OurRefundPaidOut>(ours: readonly O[], atChannel: readonly ChannelRefundTold[]): Map<string, O[]> {
  const echoes = new Map<string, O[]>();
  for (const c of atChannel) {
    if (c.refundId === undefined || echoes.has(c.refundId)) continue;
    const paidOut = ours.filter((o) => o.channelRefundId === c.refundId && o.currency === c.currency);
    if (paidOut.length > 0) echoes.set(c.refundId, paidOut);
  }
  return echoes;
}
