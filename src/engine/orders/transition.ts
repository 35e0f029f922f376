import type { HandlerContext } from '../dispatch/handler.js';
import type { FulfilmentRecord, OrderRecord, ReservationRecord } from '../../store/repos/orders.js';
import { insertFulfilment, insertNewOrder, insertReservations, saveOrder } from '../../store/repos/orders.js';
import { checkTransition, ORDER_TRANSITIONS, decideCustomerNotifications, notificationSendBy, type HoldReason, type OrderState, type OrdersPolicy, type QueuedNotification } from '../../domain/orders/index.js';
import { orderSubject } from './identity.js';

/**
 * Moves an order to a new state: checks the lifecycle table, records the step in the order's
 * history, announces it (`order.state_changed`), queues the customer messages the policy asks for,
 * and audits it. A refused transition throws: the event is retried and then dead-lettered, where an
 * operator sees it — a state is never forced.
 */
export function moveOrder(
  h: HandlerContext,
  order: OrderRecord,
  to: OrderState,
  policy: OrdersPolicy,
  opts: {
    holdReason?: HoldReason | null; note?: string; promiseAfter?: number | null; facts?: Record<string, string | number>;
    /** False for a till sale: the customer was there and has the receipt; nothing to tell them. */
    tellCustomer?: boolean;
    /**
     * When the step happened, if before the decision (a till sale's handover): the history records it,
     * and what counts from the step (a return window from `delivered`) counts from then. Never later
     * than the decision time; defaults to it.
     */
    at?: number;
  } = {},
): void {
  const from = order.state;
  const holdReason = to === 'on_hold' ? (opts.holdReason ?? null) : null;
  const promiseBefore = order.promisedByMs ?? undefined;
  if (from === to && holdReason === order.holdReason && opts.promiseAfter === undefined) return;
  if (from !== to) {
    const check = checkTransition(ORDER_TRANSITIONS, from, to);
    if (!check.ok) throw new Error(`order ${order.id}: ${from} → ${to} is not allowed (${check.allowed.join(', ') || 'final state'})`);
  }
  const before = { state: from, holdReason: order.holdReason };
  order.state = to;
  order.holdReason = holdReason;
  if (opts.promiseAfter !== undefined && opts.promiseAfter !== null) order.promisedByMs = opts.promiseAfter;
  order.doc.history.push({ at: Math.min(opts.at ?? h.decision.now, h.decision.now), from, to, ...(holdReason ? { holdReason } : {}), eventId: h.event.id, ...(opts.note ? { note: opts.note } : {}) });
  const subject = orderSubject(order.source, order.externalOrderId);
  if (from !== to || holdReason !== before.holdReason) {
    h.emit({ type: 'order.state_changed', subject, payload: { orderId: order.id, from, to, ...(holdReason ? { holdReason } : {}) } });
    h.audit({ action: 'order.state_changed', subject, before, after: { state: to, holdReason }, detail: opts.note ? { note: opts.note } : undefined });
  }
  if (opts.tellCustomer === false) return;
  const placed = order.doc.placed as { customer: { id: string; email?: string } };
  const messages = decideCustomerNotifications(
    {
      orderId: order.id, externalOrderId: order.externalOrderId, customer: placed.customer, from, to,
      holdReason: holdReason ?? undefined, holdReasonBefore: before.holdReason ?? undefined,
      promiseBefore, promiseAfter: order.promisedByMs ?? undefined, facts: opts.facts,
    },
    policy.notifications,
  );
  queueCustomerMessages(h, order, messages, policy);
}

/** Customer messages decided for an order: announced (`notification.queued`) and put in the outbox with their send-by time. */
export function queueCustomerMessages(h: HandlerContext, order: OrderRecord, messages: readonly QueuedNotification[], policy: OrdersPolicy): void {
  const expiresAt = notificationSendBy(policy.notifications, h.decision.now);
  for (const m of messages) {
    h.emit({ type: 'notification.queued', payload: { ...m } });
    h.outbox({ destination: `notify:${m.channel}`, kind: 'notification', subject: `customer:${m.customerId}`, payload: { ...m, orderId: order.id }, ...(expiresAt === undefined ? {} : { expiresAt }) });
  }
}

/**
 * A new order's row is written once, when its handler is done deciding (persistOrder), instead of
 * inserted first and rewritten at the end with its routing explanation (~4 KB): the fulfilments and
 * reservations routing gives it, whose rows refer to it, wait here until then and go in with it (one
 * statement on PostgreSQL). The stock updates behind the reservations do not wait — each is the
 * conditional update that may fail.
 */
interface Unstored {
  fulfilments: FulfilmentRecord[];
  reservations: ReservationRecord[];
  /** A till sale's delivered fulfilment and consumed reservations: written after the order, taking no capacity. */
  handedOver: Array<{ fulfilment: FulfilmentRecord; reservations: ReservationRecord[] }>;
}
const unstored = new WeakMap<OrderRecord, Unstored>();

/** Marks an order built in memory by this handler: its first persistOrder inserts it. */
export function newOrder(order: OrderRecord): OrderRecord {
  unstored.set(order, { fulfilments: [], reservations: [], handedOver: [] });
  return order;
}

/** A sale handed over at a till: its fulfilment (already delivered) and its reservations (consumed). */
export async function addHandedOver(h: HandlerContext, order: OrderRecord, fulfilment: FulfilmentRecord, reservations: ReservationRecord[]): Promise<void> {
  const waiting = unstored.get(order);
  if (waiting) waiting.handedOver.push({ fulfilment, reservations });
  else await writeHandedOver(h, fulfilment, reservations);
}

async function writeHandedOver(h: HandlerContext, fulfilment: FulfilmentRecord, reservations: readonly ReservationRecord[]): Promise<void> {
  const at = new Date(h.decision.now).toISOString();
  await insertFulfilment(h.tx, fulfilment, at, false);
  await insertReservations(h.tx, reservations, at);
}

export async function addFulfilment(h: HandlerContext, order: OrderRecord, f: FulfilmentRecord): Promise<void> {
  const waiting = unstored.get(order);
  if (waiting) waiting.fulfilments.push(f);
  else await insertFulfilment(h.tx, f, new Date(h.decision.now).toISOString());
}

export async function addReservations(h: HandlerContext, order: OrderRecord, rows: readonly ReservationRecord[]): Promise<void> {
  const waiting = unstored.get(order);
  if (waiting) waiting.reservations.push(...rows);
  else await insertReservations(h.tx, rows, new Date(h.decision.now).toISOString());
}

export async function persistOrder(h: HandlerContext, order: OrderRecord): Promise<void> {
  const at = new Date(h.decision.now).toISOString();
  const waiting = unstored.get(order);
  if (!waiting) return saveOrder(h.tx, order, at);
  unstored.delete(order);
  await insertNewOrder(h.tx, order, waiting.fulfilments, waiting.reservations, at);
  for (const x of waiting.handedOver) await writeHandedOver(h, x.fulfilment, x.reservations);
}
