import type { HoldReason, OrderState } from './order-state.js';
import { notificationTrigger } from './notification-triggers.js';
import type { NotificationRules } from './policy.js';

/** What the handler knows about the change it is about to commit. */
export interface OrderChange {
  orderId: string;
  externalOrderId: string;
  customer: { id: string; email?: string };
  from: OrderState;
  to: OrderState;
  holdReason?: HoldReason;
  /** The hold reason before the change, so a hold that only changes its reason is still a change. */
  holdReasonBefore?: HoldReason;
  /** Promise before and after the change, epoch ms; equal or absent when the promise did not move. */
  promiseBefore?: number;
  promiseAfter?: number;
  /** Extra facts the template may use (carrier, tracking number, pickup store…). */
  facts?: Record<string, string | number>;
}

/** Payload of a `notification.queued` event. */
export interface QueuedNotification {
  templateId: string;
  channel: string;
  customerId: string;
  recipient?: string;
  facts: Record<string, string | number>;
}

/**
 * Which customer messages a state change produces: one for the new state when the policy has a
 * template for it (fraud holds have none by default: the customer is not told they are suspected),
 * and one when the promise date moved by at least the policy's minimum. A state that does not
 * change (a reroute inside `allocated`) only speaks through the promise rule.
 */
export function decideCustomerNotifications(change: OrderChange, rules: NotificationRules): QueuedNotification[] {
  const out: QueuedNotification[] = [];
  const base = {
    channel: rules.channel,
    customerId: change.customer.id,
    ...(change.customer.email ? { recipient: change.customer.email } : {}),
  };
  const facts = { ...(change.facts ?? {}), orderId: change.orderId, externalOrderId: change.externalOrderId, state: change.to };

  const stateChanged = change.from !== change.to || (change.to === 'on_hold' && change.holdReason !== change.holdReasonBefore);
  const trigger = stateChanged ? notificationTrigger(change.to, change.holdReason) : null;
  const templateId = trigger ? rules.templates[trigger] : undefined;
  if (templateId) out.push({ ...base, templateId, facts });

  const moved = promiseShiftMinutes(change);
  if (moved !== null && Math.abs(moved) >= rules.promiseMoved.minShiftMinutes) {
    out.push({
      ...base,
      templateId: rules.promiseMoved.templateId,
      facts: { ...facts, promiseBefore: change.promiseBefore!, promiseAfter: change.promiseAfter!, shiftMinutes: moved },
    });
  }
  return out;
}

function promiseShiftMinutes(change: OrderChange): number | null {
  if (change.promiseBefore === undefined || change.promiseAfter === undefined) return null;
  return Math.round((change.promiseAfter - change.promiseBefore) / 60_000);
}

/**
 * Until when a customer message decided at `decidedAt` is still worth sending (epoch ms), or
 * undefined when the policy sets no limit. Past it the delivery worker expires it unsent.
 */
export function notificationSendBy(rules: Pick<NotificationRules, 'sendWithinMinutes'>, decidedAt: number): number | undefined {
  return rules.sendWithinMinutes === undefined ? undefined : decidedAt + rules.sendWithinMinutes * 60_000;
}

/**
 * The message for a click-and-collect order whose fulfilment was picked at its store: ready to be
 * collected. Not a state change of the order (it stays in fulfilment), so it has a trigger of its own,
 * `ready_for_pickup`, with a template only where the policy names one.
 */
export function decideReadyForPickup(
  order: Pick<OrderChange, 'orderId' | 'externalOrderId' | 'customer'> & { storeId: string; collectByMs?: number },
  rules: NotificationRules,
): QueuedNotification[] {
  return messageFor(rules, 'ready_for_pickup', order, {
    state: 'ready_for_pickup', pickupLocationId: order.storeId,
    ...(order.collectByMs !== undefined ? { collectBy: new Date(order.collectByMs).toISOString() } : {}),
  });
}

/**
 * A backorder's promised day is withdrawn (its purchase order was delayed or cancelled and no other
 * receipt keeps a date): the customer is told the day they were given will not hold — left standing,
 * they would wait for it. The `promise_withdrawn` template; without one, nothing is sent.
 */
export function decidePromiseWithdrawn(
  order: Pick<OrderChange, 'orderId' | 'externalOrderId' | 'customer'> & { promiseBeforeMs: number; why: string },
  rules: NotificationRules,
): QueuedNotification[] {
  return messageFor(rules, 'promise_withdrawn', order, { state: 'backordered', promiseBefore: order.promiseBeforeMs, why: order.why });
}

/** One message on a trigger that is not a state change, when the policy names its template (else none). */
function messageFor(
  rules: NotificationRules, trigger: 'ready_for_pickup' | 'promise_withdrawn',
  order: Pick<OrderChange, 'orderId' | 'externalOrderId' | 'customer'>, facts: QueuedNotification['facts'],
): QueuedNotification[] {
  const templateId = rules.templates[trigger];
  if (!templateId) return [];
  return [{
    channel: rules.channel,
    customerId: order.customer.id,
    ...(order.customer.email ? { recipient: order.customer.email } : {}),
    templateId,
    facts: { orderId: order.orderId, externalOrderId: order.externalOrderId, ...facts },
  }];
}
