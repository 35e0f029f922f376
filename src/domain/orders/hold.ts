import type { HoldReason, OrderState } from './order-state.js';

/**
 * A hold someone put on by hand (a person, or an automation rule): who, when and why. Kept on the
 * order while it lasts, so the service desk sees why an order stands still and whom to ask.
 */
export interface ManualHold {
  reason: 'manual';
  note: string;
  /** The user's name, or `rule:<id>` for an automation rule. */
  by: string;
  at: number;
}

/**
 * States a hand hold may stop. Nothing of these has wholly left a building: an order in fulfilment
 * may have a part shipped (that part goes on), the rest stops. A backorder stops waiting for stock.
 */
export const HAND_HOLDABLE_STATES: readonly OrderState[] = ['received', 'validated', 'allocated', 'in_fulfilment', 'backordered'];

/**
 * An order waiting for payment or a fraud review is stopped already, and only the payment or the
 * review may let it go: a hand hold put on top, then released, would route it past them. An approval
 * hold (protected stock) is a routing outcome: the hand hold replaces it, and the release routes the
 * order again, which asks for the approval again if it is still needed.
 */
const HOLDS_A_HAND_HOLD_MAY_REPLACE: readonly HoldReason[] = ['approval'];

export type HoldDecision =
  | { outcome: 'hold'; hold: ManualHold }
  | { outcome: 'refused'; why: string };

export function decideHold(
  order: { state: OrderState; holdReason: HoldReason | null },
  ask: { note: string; by: string },
  ctx: { now: number },
): HoldDecision {
  const hold: ManualHold = { reason: 'manual', note: ask.note, by: ask.by, at: ctx.now };
  if (order.state === 'on_hold') {
    if (order.holdReason === 'manual') return { outcome: 'refused', why: 'already on hold by hand: release it first' };
    if (order.holdReason && HOLDS_A_HAND_HOLD_MAY_REPLACE.includes(order.holdReason)) return { outcome: 'hold', hold };
    return { outcome: 'refused', why: `already on hold for ${order.holdReason ?? 'an unknown reason'}: it is stopped, and only that check may let it go` };
  }
  if (!HAND_HOLDABLE_STATES.includes(order.state)) return { outcome: 'refused', why: `order is ${order.state}: nothing left to hold` };
  return { outcome: 'hold', hold };
}

export type ReleaseDecision =
  /** Back through routing as a new order, with the current policy and stock. */
  | { outcome: 'route' }
  /** The payment is no longer accepted (it failed while held): the order waits for it, held for payment. */
  | { outcome: 'payment_hold' }
  | { outcome: 'refused'; why: string };

/**
 * Only a hand hold is released by hand: a payment hold clears by payment, a fraud hold by its
 * review, an approval hold by its approval. The payment is checked again, as validation would; the
 * fraud score is not run again — a person just looked at the order and let it go, and a new score
 * would hold it again for the same facts (velocity counts only grow while it waits).
 */
export function decideRelease(
  order: { state: OrderState; holdReason: HoldReason | null; paymentStatus: string },
  acceptedPaymentStatuses: readonly string[],
): ReleaseDecision {
  if (order.state !== 'on_hold' || order.holdReason !== 'manual') {
    return { outcome: 'refused', why: order.state === 'on_hold' ? `on hold for ${order.holdReason ?? 'an unknown reason'}: only that check releases it` : `order is ${order.state}, not on hold` };
  }
  return acceptedPaymentStatuses.includes(order.paymentStatus) ? { outcome: 'route' } : { outcome: 'payment_hold' };
}
