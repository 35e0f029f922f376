import type { HoldReason, OrderState } from './order-state.js';

/** A state change the customer may be told about: the new state, or a hold with its reason. */
export const NOTIFICATION_TRIGGERS = [
  'received',
  'validated',
  'allocated',
  'in_fulfilment',
  'shipped',
  'delivered',
  'backordered',
  'exception',
  'cancelled',
  'partially_returned',
  'returned',
  'on_hold:payment',
  'on_hold:fraud_review',
  'on_hold:approval',
  // Held by hand: no message unless the policy names one (a fraud look is not the customer's news).
  'on_hold:manual',
  // Not a state of the order: its click-and-collect fulfilment was picked and waits at the store.
  'ready_for_pickup',
  // Not a state either: a backorder's delivery date will not hold (its purchase order was delayed or
  // cancelled) and no other receipt keeps one — the customer was promised a day that is gone.
  'promise_withdrawn',
] as const satisfies readonly (Exclude<OrderState, 'on_hold'> | `on_hold:${HoldReason}` | 'ready_for_pickup' | 'promise_withdrawn')[];
export type NotificationTrigger = (typeof NOTIFICATION_TRIGGERS)[number];

export function notificationTrigger(state: OrderState, holdReason?: HoldReason): NotificationTrigger | null {
  if (state !== 'on_hold') return state;
  return holdReason ? `on_hold:${holdReason}` : null;
}
