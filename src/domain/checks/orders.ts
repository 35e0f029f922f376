import { OPEN_FULFILMENT_STATES, type FulfilmentState, type OrderState } from '../orders/index.js';
import { finding, type Finding } from './finding.js';

/**
 * Fulfilment states in which a reservation may still be active: a location may still pick (open), or
 * an exception before the parcel left may go back to picking. Shipped and delivered consumed their
 * reservations in the transaction that moved them; rejected, expired and cancelled released theirs.
 */
export const HOLDING_FULFILMENT_STATES: readonly FulfilmentState[] = [...OPEN_FULFILMENT_STATES, 'exception'];

/**
 * Order states after which nothing of the order is picked any more: every stop releases the order's
 * active reservations and cancels its open fulfilments (stopOpenFulfilments); an order becomes
 * shipped or delivered only when all its live fulfilments have gone out; and none of these states is
 * ever routed again (a reroute, a retry, a cleared hold all wait or skip them).
 */
export const ORDER_STATES_WITHOUT_OPEN_WORK: readonly OrderState[] = ['cancelled', 'shipped', 'delivered', 'partially_returned', 'returned'];

/** Order states the engine sets only when routing just placed fulfilments, or while one is being worked. */
export const ORDER_STATES_WITH_OPEN_WORK: readonly OrderState[] = ['allocated', 'in_fulfilment'];

export interface ActiveReservationRow {
  reservationId: string;
  orderId: string;
  fulfilmentId: string;
  sku: string;
  locationId: string;
  qty: number;
  /** Null when the fulfilment (or the order) does not exist. */
  fulfilmentState: string | null;
  orderState: string | null;
}

export interface OpenFulfilmentRow {
  fulfilmentId: string;
  orderId: string;
  locationId: string;
  state: string;
  /** How many lines the fulfilment carries (one reservation each: line ids are unique per order). */
  lines: number;
  activeReservations: number;
}

export interface OrderWorkRow {
  orderId: string;
  source: string;
  externalOrderId: string;
  state: string;
  openFulfilments: number;
}

const has = <T extends string>(states: readonly T[], s: string | null) => s !== null && (states as readonly string[]).includes(s);
const orderSubjectOf = (r: { source: string; externalOrderId: string }) => `order:${r.source}:${r.externalOrderId}`;

/**
 * An active reservation whose work is over holds its units for ever: nothing will ship it (its
 * fulfilment is done or gone) and nothing will release it (its order stopped already). The units
 * can never be sold until someone releases them.
 */
export function reservationsOfClosedWork(rows: readonly ActiveReservationRow[]): Finding[] {
  return rows.flatMap((r) => {
    const why: string[] = [];
    if (r.fulfilmentState === null) why.push(`its fulfilment ${r.fulfilmentId} does not exist`);
    else if (!has(HOLDING_FULFILMENT_STATES, r.fulfilmentState)) why.push(`its fulfilment ${r.fulfilmentId} is ${r.fulfilmentState}`);
    if (r.orderState === null) why.push(`its order ${r.orderId} does not exist`);
    else if (has(ORDER_STATES_WITHOUT_OPEN_WORK, r.orderState)) why.push(`its order ${r.orderId} is ${r.orderState}`);
    if (why.length === 0) return [];
    return [finding('reservation_of_closed_work', `reservation:${r.reservationId}`,
      `active reservation of ${r.qty} × ${r.sku} at ${r.locationId}, but ${why.join(' and ')}: the units are held for no one`,
      { reservationId: r.reservationId, orderId: r.orderId, fulfilmentId: r.fulfilmentId, sku: r.sku, locationId: r.locationId, qty: r.qty, fulfilmentState: r.fulfilmentState, orderState: r.orderState })];
  });
}

/**
 * A fulfilment a location may still pick holds one active reservation per line from routing until it
 * ships (consumed) or stops (released, in the transaction that stops it) — picked included: the
 * units are consumed only when the parcel leaves or the customer collects. One without them can still
 * be picked and shipped, and shipping it would take nothing off the shelf that was set aside for it.
 */
export function openFulfilmentsWithoutReservations(rows: readonly OpenFulfilmentRow[]): Finding[] {
  return rows.flatMap((r) => {
    if (!has(OPEN_FULFILMENT_STATES, r.state) || r.activeReservations >= r.lines) return [];
    return [finding('open_fulfilment_without_reservations', `fulfilment:${r.fulfilmentId}`,
      `fulfilment ${r.fulfilmentId} at ${r.locationId} is ${r.state} with ${r.lines} lines but ${r.activeReservations} active reservations: its units are not set aside`,
      { fulfilmentId: r.fulfilmentId, orderId: r.orderId, locationId: r.locationId, state: r.state, lines: r.lines, activeReservations: r.activeReservations })];
  });
}

/**
 * The order's state against its fulfilments, only where the engine guarantees it: allocated and in
 * fulfilment are set by routing that placed fulfilments, and every way their last open fulfilment
 * ends (shipped, rejected, expired, stopped) moves the order on; cancelled, shipped, delivered and
 * returned orders have no open fulfilment (see ORDER_STATES_WITHOUT_OPEN_WORK). Backordered and
 * held orders may well have one (a split order's other part goes on), so they are not judged.
 * An automation rule's `set_state` can move an order without its fulfilments: its history says so.
 */
export function orderStatesVsFulfilments(rows: readonly OrderWorkRow[]): Finding[] {
  return rows.flatMap((r) => {
    if (has(ORDER_STATES_WITH_OPEN_WORK, r.state) && r.openFulfilments === 0) {
      return [finding('order_state_vs_fulfilments', orderSubjectOf(r),
        `order ${r.orderId} is ${r.state} but no fulfilment of it is open: nobody is working on it and nothing will move it`,
        { orderId: r.orderId, state: r.state, openFulfilments: r.openFulfilments })];
    }
    if (has(ORDER_STATES_WITHOUT_OPEN_WORK, r.state) && r.openFulfilments > 0) {
      return [finding('order_state_vs_fulfilments', orderSubjectOf(r),
        `order ${r.orderId} is ${r.state} but ${r.openFulfilments} of its fulfilments are still open: a location may still pick and ship it`,
        { orderId: r.orderId, state: r.state, openFulfilments: r.openFulfilments })];
    }
    return [];
  });
}
