import type { DecisionContext } from '../decision-context.js';
import type { OrderPlacedPayload, PaymentStatus } from './events.js';
import { assessFraud, type CustomerHistory, type FraudAssessment } from './fraud-score.js';
import type { OrdersPolicy } from './policy.js';

export type OrderForValidation = Pick<OrderPlacedPayload, 'lines' | 'billing' | 'shipping' | 'payment'>;

interface DecisionBase {
  policyVersion: string;
  decidedAt: number;
}

export type ValidationDecision =
  | (DecisionBase & { outcome: 'validated'; fraud: FraudAssessment })
  | (DecisionBase & { outcome: 'on_hold'; holdReason: 'payment'; paymentStatus: PaymentStatus; fraud: null })
  | (DecisionBase & { outcome: 'on_hold'; holdReason: 'fraud_review'; fraud: FraudAssessment });

/**
 * Payment first: without an accepted payment nothing else is worth deciding, and the fraud check is
 * run when payment clears (on the payment.* event) so that it sees the velocity counts of that moment.
 */
export function validateOrder(
  order: OrderForValidation,
  history: CustomerHistory,
  policy: OrdersPolicy,
  ctx: DecisionContext,
): ValidationDecision {
  const base = { policyVersion: policy.version, decidedAt: ctx.now };
  if (!policy.payment.acceptedStatuses.includes(order.payment.status)) {
    return { ...base, outcome: 'on_hold', holdReason: 'payment', paymentStatus: order.payment.status, fraud: null };
  }
  const fraud = assessFraud(order, history, policy.fraud);
  if (fraud.hold) return { ...base, outcome: 'on_hold', holdReason: 'fraud_review', fraud };
  return { ...base, outcome: 'validated', fraud };
}
