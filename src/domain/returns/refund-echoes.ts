/**
 * Our refund paid out through the channel comes back from it: the payment flow refunds in the shop's
 * admin, and the shop then tells that refund like any other (Shopify `refunds/create` →
 * `payment.refunded`). It is the same money, not a second refund. What ties the two is the settlement:
 * `refund.settled` carries the payment side's `reference`, which for a refund paid out at the channel is
 * the channel's refund id. A channel refund whose id is the reference of one (or more: one channel
 * refund paying out several of ours) of our refunds is their echo.
 *
 * Nothing else ties them: an echo told before our settlement, or a settlement whose reference is the
 * ERP's own number, leaves both counted — the bound comes out low (a cut refund, finance's item), never
 * high. Only refunds in one currency are tied: amounts in two currencies cannot say which is larger.
 */

/** One of our refunds, as far as its settlement says where it was paid out. */
export interface OurRefundPaidOut {
  readonly id?: string;
  readonly amount: number;
  readonly currency: string;
  /** The settlement's reference (refund.settled): the channel's refund id when paid out there. */
  readonly reference?: string;
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
    const paidOut = ours.filter((o) => o.reference === c.refundId && o.currency === c.currency);
    if (paidOut.length > 0) echoes.set(c.refundId, paidOut);
  }
  return echoes;
}
