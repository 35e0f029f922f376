import type { DecisionContext } from '../decision-context.js';
import type { OrderPlacedPayload, PaymentStatus } from './events.js';
import { assessFraud, type CustomerHistory, type FraudAssessment } from './fraud-score.js';
import type { OrdersPolicy } from './policy.js';

export type OrderForValidation = Pick<OrderPlacedPayload, 'lines' | 'billing' | 'shipping' | 'payment' | 'handedOverAt'>;

interface DecisionBase {
  policyVersion: string;
  decidedAt: number;
}

export type ValidationDecision =
  | (DecisionBase & { outcome: 'validated'; fraud: FraudAssessment })
  /** A till sale: the goods are gone with the customer, so there is nothing left to hold or review. */
  | (DecisionBase & { outcome: 'validated'; fraud: null; handedOver: true })
  | (DecisionBase & { outcome: 'on_hold'; holdReason: 'payment'; paymentStatus: PaymentStatus; fraud: null })
  | (DecisionBase & { outcome: 'on_hold'; holdReason: 'fraud_review'; fraud: FraudAssessment });

/**
 * A sale handed over at the till is validated as it stands (see below). Otherwise payment first: without an accepted payment nothing else is worth deciding, and the fraud check is
 * run when payment clears (on the payment.* event) so that it sees the velocity counts of that moment.
 */
export function validateOrder(
  order: OrderForValidation,
  history: CustomerHistory,
  policy: OrdersPolicy,
  ctx: DecisionContext,
): ValidationDecision {
  const base = { policyVersion: policy.version, decidedAt: ctx.now };
  // Paid at the till and carried out: a hold would stop nothing, and a fraud score of an anonymous
  // walk-in "customer" (every sale of the store) would only flag the store's busiest hours.
  if (order.handedOverAt !== undefined) return { ...base, outcome: 'validated', fraud: null, handedOver: true };
  if (!policy.payment.acceptedStatuses.includes(order.payment.status)) {
    return { ...base, outcome: 'on_hold', holdReason: 'payment', paymentStatus: order.payment.status, fraud: null };
  }
  const fraud = assessFraud(order, history, policy.fraud);
  if (fraud.hold) return { ...base, outcome: 'on_hold', holdReason: 'fraud_review', fraud };
  return { ...base, outcome: 'validated', fraud };
}
