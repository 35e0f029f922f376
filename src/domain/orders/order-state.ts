import type { TransitionTable } from './lifecycle.js';

/** Normalized order states (SPEC §4): one model for every channel. */
export const ORDER_STATES = [
  'received',
  'validated',
  'allocated',
  'in_fulfilment',
  'shipped',
  'delivered',
  'on_hold',
  'backordered',
  'exception',
  'cancelled',
  'partially_returned',
  'returned',
] as const;
export type OrderState = (typeof ORDER_STATES)[number];

// manual: a person or an automation rule held it (hold.ts); only a release by hand lets it go.
export const HOLD_REASONS = ['payment', 'fraud_review', 'approval', 'manual'] as const;
export type HoldReason = (typeof HOLD_REASONS)[number];

/**
 * Why each side path exists:
 * - on_hold → on_hold: a hold can change reason (payment clears, then the fraud check holds it).
 * - on_hold → allocated / backordered: an approval hold for protected stock ends in either.
 * - in_fulfilment → on_hold: held by hand while a part is picked or shipped; what has not shipped stops.
 * - allocated → allocated: a reroute replaces the plan without leaving the state.
 * - in_fulfilment → allocated: a location that accepted can still fail before picking; reroute.
 * - shipped/delivered are past cancellation: from there only returns or an exception.
 */
export const ORDER_TRANSITIONS: TransitionTable<OrderState> = {
  received: ['validated', 'on_hold', 'cancelled', 'exception'],
  // A sale handed over at a store's till is delivered as soon as it is validated: nothing to route.
  validated: ['allocated', 'delivered', 'on_hold', 'backordered', 'cancelled', 'exception'],
  // A held or backordered part cancelled while another part is on its way: the order follows that part.
  on_hold: ['validated', 'on_hold', 'allocated', 'backordered', 'cancelled', 'exception', 'shipped', 'delivered'],
  // Delivered straight from allocated or in fulfilment: a click-and-collect order is collected at the
  // store without being shipped. Shipped straight from allocated: a report may skip a step, as
  // fulfilments' reports may (a WMS that tells only what left the building): without it the shipment
  // was refused here after the fulfilment took it, and the event dead-lettered.
  allocated: ['in_fulfilment', 'allocated', 'shipped', 'delivered', 'on_hold', 'backordered', 'cancelled', 'exception'],
  in_fulfilment: ['shipped', 'delivered', 'allocated', 'backordered', 'on_hold', 'cancelled', 'exception'],
  // A split order whose other parcel was lost never becomes delivered, yet its delivered part can come back.
  shipped: ['delivered', 'exception', 'partially_returned'],
  delivered: ['partially_returned', 'returned'],
  backordered: ['allocated', 'on_hold', 'cancelled', 'exception', 'shipped', 'delivered'],
  exception: ['allocated', 'in_fulfilment', 'shipped', 'delivered', 'backordered', 'cancelled'],
  partially_returned: ['partially_returned', 'returned'],
  cancelled: [],
  returned: [],
};

export function isOrderState(value: unknown): value is OrderState {
  return typeof value === 'string' && (ORDER_STATES as readonly string[]).includes(value);
}
