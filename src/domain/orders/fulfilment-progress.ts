import type { FulfilmentState } from './fulfilment-state.js';
import type { OrderState } from './order-state.js';

/** Fulfilments that failed are replaced by a reroute; they no longer say anything about the order. */
const REPLACED: readonly FulfilmentState[] = ['rejected', 'expired', 'cancelled'];

/**
 * The order state its live fulfilments add up to, or null when they do not move the order (none live,
 * all still assigned). A split order is shipped only when its last parcel is, delivered likewise; an
 * exception on any parcel is an exception of the order, so it shows in the queue.
 */
export function orderStateFromFulfilments(states: readonly FulfilmentState[]): OrderState | null {
  const live = states.filter((s) => !REPLACED.includes(s));
  if (live.length === 0) return null;
  if (live.includes('exception')) return 'exception';
  if (live.every((s) => s === 'delivered')) return 'delivered';
  if (live.every((s) => s === 'shipped' || s === 'delivered')) return 'shipped';
  if (live.some((s) => s !== 'assigned')) return 'in_fulfilment';
  return null;
}
