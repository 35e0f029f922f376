import { z } from 'zod';
import { PAYMENT_STATUSES } from '../../domain/orders/events.js';
import { NOTIFICATION_TRIGGERS } from '../../domain/orders/notification-triggers.js';
import type { OrdersPolicy } from '../../domain/orders/policy.js';

/** Order validation (payment, fraud) and customer notifications (SPEC §5). */
const weight = z.number().min(0).max(1);
const velocityRule = z.object({
  weight,
  windowMinutes: z.number().int().positive(),
  maxPriorOrders: z.number().int().nonnegative(),
});

export const ordersPolicySchema = z.object({
  version: z.string().min(1),
  payment: z.object({ acceptedStatuses: z.array(z.enum(PAYMENT_STATUSES)).min(1) }),
  fraud: z.object({
    holdThreshold: z.number().min(0).max(1),
    valueVsHistory: z
      .object({ weight, minPriorOrders: z.number().int().nonnegative(), ratioStart: z.number().positive(), ratioFull: z.number().positive() })
      .refine((v) => v.ratioFull >= v.ratioStart, { message: 'ratioFull must be ≥ ratioStart', path: ['ratioFull'] }),
    countryMismatch: z.object({ weight }),
    customerVelocity: velocityRule,
    addressVelocity: velocityRule,
    firstOrder: z.object({ weight, valueAbove: z.number().nonnegative() }),
  }),
  notifications: z.object({
    channel: z.string().min(1),
    templates: z.partialRecord(z.enum(NOTIFICATION_TRIGGERS), z.string().min(1)),
    promiseMoved: z.object({ templateId: z.string().min(1), minShiftMinutes: z.number().nonnegative() }),
    sendWithinMinutes: z.number().int().positive().optional(),
  }),
  collection: z.object({ holdDays: z.number().int().positive().max(365) }).optional(),
});

export type { OrdersPolicy };

// The schema and the shape the deciders read must stay one and the same.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaMatchesDomain: Same<z.infer<typeof ordersPolicySchema>, OrdersPolicy> = true;
void schemaMatchesDomain;

/**
 * SPEC §5 defaults. Weights are chosen so that no single signal holds an order, while the classic
 * pattern (new account, high value, billing abroad) reaches the 0.7 threshold: 0.4 + 0.3.
 */
export const defaultOrdersPolicy: OrdersPolicy = {
  version: 'default',
  payment: { acceptedStatuses: ['authorized', 'captured'] },
  fraud: {
    holdThreshold: 0.7,
    valueVsHistory: { weight: 0.35, minPriorOrders: 2, ratioStart: 2, ratioFull: 5 },
    countryMismatch: { weight: 0.3 },
    customerVelocity: { weight: 0.25, windowMinutes: 60, maxPriorOrders: 2 },
    addressVelocity: { weight: 0.25, windowMinutes: 60, maxPriorOrders: 3 },
    firstOrder: { weight: 0.4, valueAbove: 500 },
  },
  notifications: {
    channel: 'email',
    templates: {
      validated: 'order_confirmed',
      'on_hold:payment': 'payment_action_needed',
      backordered: 'order_backordered',
      ready_for_pickup: 'order_ready_for_pickup',
      promise_withdrawn: 'promise_date_withdrawn',
      shipped: 'order_shipped',
      delivered: 'order_delivered',
      cancelled: 'order_cancelled',
    },
    promiseMoved: { templateId: 'promise_date_changed', minShiftMinutes: 60 },
    sendWithinMinutes: 1440,
  },
  collection: { holdDays: 7 },
};
