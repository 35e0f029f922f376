import type { TransitionTable } from './lifecycle.js';

/** Normalized fulfilment states (SPEC §4): one location's part of an order. */
export const FULFILMENT_STATES = [
  'assigned',
  'accepted',
  'picked',
  'shipped',
  'delivered',
  'rejected',
  'expired',
  'exception',
  'cancelled',
] as const;
export type FulfilmentState = (typeof FULFILMENT_STATES)[number];

/**
 * `expired` is reachable from assigned (accept SLA passed) and accepted (ship SLA passed): both end
 * in a reroute. `rejected` only before acceptance: after that a failure is an exception.
 */
export const FULFILMENT_TRANSITIONS: TransitionTable<FulfilmentState> = {
  assigned: ['accepted', 'rejected', 'expired', 'exception', 'cancelled'],
  accepted: ['picked', 'expired', 'exception', 'cancelled'],
  picked: ['shipped', 'exception', 'cancelled'],
  shipped: ['delivered', 'exception'],
  exception: ['picked', 'shipped', 'delivered'],
  delivered: [],
  rejected: [],
  expired: [],
  cancelled: [],
};

/** The fulfilment state each inbound fulfilment/shipment event moves to. */
export const FULFILMENT_EVENT_STATE = {
  'fulfilment.accepted': 'accepted',
  'fulfilment.rejected': 'rejected',
  'fulfilment.picked': 'picked',
  'fulfilment.shipped': 'shipped',
  'shipment.delivered': 'delivered',
} as const satisfies Record<string, FulfilmentState>;
