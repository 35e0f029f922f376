import type { DecisionContext } from '../decision-context.js';
import type { PaymentStatus } from './events.js';
import type { CustomerHistory } from './fraud-score.js';
import type { HoldReason, OrderState } from './order-state.js';
import type { OrdersPolicy } from './policy.js';
import { validateOrder, type OrderForValidation, type ValidationDecision } from './validate-order.js';

export type PaymentEventType = 'payment.authorized' | 'payment.captured' | 'payment.failed';

export const PAYMENT_EVENT_STATUS: Record<PaymentEventType, PaymentStatus> = {
  'payment.authorized': 'authorized',
  'payment.captured': 'captured',
  'payment.failed': 'failed',
};

/** Every inbound payment event: the three that move the order's payment, and two that are money only (mostly). */
export type InboundPaymentEventType = PaymentEventType | 'payment.refunded' | 'payment.voided';
export const INBOUND_PAYMENT_EVENT_TYPES: readonly InboundPaymentEventType[] = ['payment.authorized', 'payment.captured', 'payment.failed', 'payment.refunded', 'payment.voided'];

/**
 * What a payment event means for the order's flow: decided as one of the three payment updates
 * (`as`), or recorded only (money, with why). A refund made at the channel is information about money,
 * not a cancel: the channel cancels with `order.cancel_requested`, and an order refunded in part (a
 * price match, goodwill) still ships. A voided capture takes money off, nothing else. The
 * authorization voided (no captureId) is a failed payment while nothing was captured — as the
 * channel's own "voided" payment status always was — but after a capture what was captured stands:
 * a failed status would make every refund of the order pay nothing.
 */
export function paymentFlowOf(
  type: InboundPaymentEventType | string, payload: { readonly [field: string]: unknown }, paymentStatus: string,
): { as: PaymentEventType } | { recordOnly: string } {
  if (type === 'payment.refunded') return { recordOnly: 'money only: the order goes on' };
  if (type === 'payment.voided') {
    if (payload.captureId !== undefined) return { recordOnly: 'money only: the order goes on' };
    if (paymentStatus === 'captured') return { recordOnly: 'authorization voided after capture: what was captured stands' };
    return { as: 'payment.failed' };
  }
  return { as: type as PaymentEventType };
}

export interface OrderPaymentView {
  state: OrderState;
  holdReason?: HoldReason;
  order: OrderForValidation;
}

export type PaymentUpdateDecision =
  | { action: 'revalidate'; paymentStatus: PaymentStatus; validation: ValidationDecision }
  | { action: 'hold'; holdReason: 'payment'; paymentStatus: PaymentStatus }
  | { action: 'record_only'; paymentStatus: PaymentStatus; why: string };

/** States a failed payment can still stop: nothing has left a building yet. */
const HOLDABLE_ON_FAILURE: readonly OrderState[] = ['received', 'validated', 'allocated', 'backordered', 'on_hold'];

/**
 * The payment hold is re-checked on every payment.* event. A cleared payment re-runs the whole
 * validation (so a fraud hold can still follow); a failure holds the order while it can be stopped.
 */
export function decidePaymentUpdate(
  view: OrderPaymentView,
  event: PaymentEventType,
  history: CustomerHistory,
  policy: OrdersPolicy,
  ctx: DecisionContext,
): PaymentUpdateDecision {
  const paymentStatus = PAYMENT_EVENT_STATUS[event];
  const waitingForPayment = view.state === 'received' || (view.state === 'on_hold' && view.holdReason === 'payment');

  if (policy.payment.acceptedStatuses.includes(paymentStatus)) {
    if (!waitingForPayment) return { action: 'record_only', paymentStatus, why: `order is ${view.state}, not waiting for payment` };
    const order = { ...view.order, payment: { ...view.order.payment, status: paymentStatus } };
    return { action: 'revalidate', paymentStatus, validation: validateOrder(order, history, policy, ctx) };
  }

  if (view.state === 'on_hold' && view.holdReason === 'payment') {
    return { action: 'record_only', paymentStatus, why: 'already on hold for payment' };
  }
  // Held by hand: it is stopped already, and the release checks the payment again (decideRelease).
  // Turned into a payment hold, the next authorisation would route it past the person who held it.
  if (view.state === 'on_hold' && view.holdReason === 'manual') {
    return { action: 'record_only', paymentStatus, why: 'on hold by hand: the payment is checked again on release' };
  }
  if (HOLDABLE_ON_FAILURE.includes(view.state)) return { action: 'hold', holdReason: 'payment', paymentStatus };
  return { action: 'record_only', paymentStatus, why: `order is ${view.state}: too late to hold, needs manual review` };
}
