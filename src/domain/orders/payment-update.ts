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
  if (HOLDABLE_ON_FAILURE.includes(view.state)) return { action: 'hold', holdReason: 'payment', paymentStatus };
  return { action: 'record_only', paymentStatus, why: `order is ${view.state}: too late to hold, needs manual review` };
}
