export * from './events.js';
export { REJECTION_REASON_CODES, rejectedForNonStockReason, type RejectionReasonCode } from './rejection-reasons.js';
export { canTransition, checkTransition, isTerminal, type TransitionCheck, type TransitionTable } from './lifecycle.js';
export { HOLD_REASONS, ORDER_STATES, ORDER_TRANSITIONS, isOrderState, type HoldReason, type OrderState } from './order-state.js';
export { orderStateFromFulfilments } from './fulfilment-progress.js';
export {
  FULFILMENT_EVENT_STATE, FULFILMENT_STATES, FULFILMENT_TRANSITIONS, GONE_OUT_FULFILMENT_STATES, LIVE_FULFILMENT_STATES, OPEN_FULFILMENT_STATES, reportMoves, type FulfilmentState,
} from './fulfilment-state.js';
export { channelStatusMapSchema, externalStatus, normalizeStatus, type ChannelStatusMap, type StatusLookup } from './status-map.js';
export { orderValue, roundMoney } from './order-value.js';
export type { FraudRules, NotificationRules, OrdersPolicy, VelocityRule } from './policy.js';
export { assessFraud, type CustomerHistory, type FraudAssessment, type FraudFactor, type FraudFactorName } from './fraud-score.js';
export { HAND_HOLDABLE_STATES, decideHold, decideRelease, type HoldDecision, type ManualHold, type ReleaseDecision } from './hold.js';
export { validateOrder, type OrderForValidation, type ValidationDecision } from './validate-order.js';
export {
  INBOUND_PAYMENT_EVENT_TYPES, PAYMENT_EVENT_STATUS, decidePaymentUpdate, paymentFlowOf, type InboundPaymentEventType, type OrderPaymentView, type PaymentEventType, type PaymentUpdateDecision,
} from './payment-update.js';
export { NOTIFICATION_TRIGGERS, notificationTrigger, type NotificationTrigger } from './notification-triggers.js';
export { decideCustomerNotifications, decidePromiseWithdrawn, decideReadyForPickup, notificationSendBy, type OrderChange, type QueuedNotification } from './notifications.js';
export { tillTakes, type TillTake } from './till-sale.js';
export { fulfilmentsToWithdraw, type OpenReservedFulfilment } from './stock-short.js';
