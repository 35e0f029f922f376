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

/** A fulfilment a location may still work on: stopping the order must stop it too. */
export const OPEN_FULFILMENT_STATES: readonly FulfilmentState[] = ['assigned', 'accepted', 'picked'];
/** A fulfilment whose goods have left the building (or are in trouble on their way): no cancel stops it. */
export const GONE_OUT_FULFILMENT_STATES: readonly FulfilmentState[] = ['shipped', 'delivered', 'exception'];
/** A fulfilment that carries its lines (open, or gone out): routing must not place them again, nor the ERP cancel its sale order. */
export const LIVE_FULFILMENT_STATES: readonly FulfilmentState[] = [...OPEN_FULFILMENT_STATES, ...GONE_OUT_FULFILMENT_STATES];

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
  'fulfilment.collected': 'delivered',
} as const satisfies Record<string, FulfilmentState>;

/** Forward order of a fulfilment's normal path; a report may skip a step (a till that ships at once). */
const RANK: Partial<Record<FulfilmentState, number>> = { assigned: 0, accepted: 1, picked: 2, shipped: 3, delivered: 4 };

/**
 * Whether a report that a fulfilment reached `to` still moves it: forward along the normal path
 * (skipping is fine), or a rejection while the location has not shipped. Anything else is late,
 * repeated or out of order — noted by the engine (channels resend), refused at the API (staff act).
 */
export function reportMoves(state: FulfilmentState, to: 'accepted' | 'picked' | 'shipped' | 'delivered' | 'rejected'): boolean {
  if (to === 'rejected') return state === 'assigned' || state === 'accepted' || state === 'picked';
  const from = RANK[state];
  return from !== undefined && from < RANK[to]!;
}
