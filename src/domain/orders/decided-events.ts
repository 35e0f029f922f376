import { z } from 'zod';
import { defineEvent } from '../events/catalog.js';

/**
 * What omniops decides about orders, appended to the same log by the handlers. Handlers pass the
 * order's own subject when they emit; the fallback subject keys on the order id.
 */
const decided = { schemaVersion: 1, origin: 'decided' } as const;
const byOrder = (p: { orderId: string }) => `order-id:${p.orderId}`;
const allocation = z.object({ lineId: z.string(), sku: z.string(), locationId: z.string(), qty: z.number().int().positive(), fulfilmentId: z.string() });

export const orderValidated = defineEvent({
  ...decided, type: 'order.validated', subject: byOrder, description: 'Payment and fraud checks passed.',
  payload: z.object({ orderId: z.string(), fraudScore: z.number().nullable().describe('null: not scored (a sale handed over at the till)'), policyVersion: z.string() }),
});
export const orderHeld = defineEvent({
  ...decided, type: 'order.held', subject: byOrder, description: 'The order waits: payment, fraud review, an approval, or held by hand (manual: a person or a rule; detail says why).',
  payload: z.object({ orderId: z.string(), holdReason: z.enum(['payment', 'fraud_review', 'approval', 'manual']), detail: z.string().optional() }),
});
export const orderRouted = defineEvent({
  ...decided, type: 'order.routed', subject: byOrder, description: 'Sourcing chose where each line ships from; stock is reserved.',
  payload: z.object({
    orderId: z.string(), policyVersion: z.string(), split: z.boolean(), plan: z.array(allocation),
    planIndex: z.number().int().min(0).optional().describe('Which of the order\'s carried-out plans this is, from 0 (absent on orders placed before plans were counted).'),
  }),
});
export const orderHandedOver = defineEvent({
  ...decided, type: 'order.handed_over', subject: byOrder, description: 'A till sale: the goods left the store with the customer; nothing was routed or reserved.',
  payload: z.object({
    orderId: z.string(), locationId: z.string(), handedOverAt: z.string(), plan: z.array(allocation),
    /** Units sold beyond what the store's record had free: a stock discrepancy for inventory control. */
    short: z.array(z.object({ sku: z.string(), qty: z.number().int().positive(), exceptionId: z.string() })),
  }),
});
export const orderRerouted = defineEvent({
  ...decided, type: 'order.rerouted', subject: byOrder, description: 'A location rejected, missed its SLA or was found short of the stock it held for the order; its lines were routed again (outcome), or wait for the order\'s hold to clear (outcome "waiting: …").',
  payload: z.object({ orderId: z.string(), failedLocationId: z.string(), failure: z.enum(['rejected', 'expired', 'stock_short']), released: z.array(allocation), outcome: z.string() }),
});
export const orderBackordered = defineEvent({
  ...decided, type: 'order.backordered', subject: byOrder, description: 'No location can serve the order now; it waits for inbound stock.',
  payload: z.object({
    orderId: z.string(),
    shortSkus: z.array(z.object({ sku: z.string(), shortQty: z.number(), expectedAt: z.number().nullable(), coveredBy: z.array(z.object({ poId: z.string(), sku: z.string(), qty: z.number(), expectedAt: z.number() })) })),
    expectedAt: z.number().nullable(),
  }),
});
export const orderCancelled = defineEvent({
  ...decided, type: 'order.cancelled', subject: byOrder, description: 'The order was cancelled and its stock released.',
  payload: z.object({
    orderId: z.string(), reason: z.string(),
    /** A part had already gone out: only `lines` (what no live fulfilment carries) were cancelled. */
    partial: z.boolean().optional(),
    lines: z.array(z.object({ lineId: z.string(), sku: z.string(), qty: z.number().int().positive() })).optional(),
  }),
});
export const orderStateChanged = defineEvent({
  ...decided, type: 'order.state_changed', subject: byOrder, description: 'The normalized order state moved (for channels and dashboards).',
  payload: z.object({ orderId: z.string(), from: z.string(), to: z.string(), holdReason: z.string().optional() }),
});
export const reservationMade = defineEvent({
  ...decided, type: 'reservation.made', subject: byOrder, description: 'Stock reserved for an order line at a location.',
  payload: z.object({ orderId: z.string(), reservations: z.array(allocation) }),
});
export const reservationReleased = defineEvent({
  ...decided, type: 'reservation.released', subject: byOrder, description: 'Reserved stock given back (cancel, reroute, expiry).',
  payload: z.object({ orderId: z.string(), reason: z.string(), reservations: z.array(allocation) }),
});
export const fulfilmentExpired = defineEvent({
  ...decided, type: 'fulfilment.expired', subject: (p) => `fulfilment:${p.fulfilmentId}`, description: 'A location let its accept or ship deadline pass.',
  payload: z.object({ fulfilmentId: z.string(), orderId: z.string(), deadline: z.enum(['accept', 'ship']), dueAt: z.number() }),
});
export const fulfilmentUncollected = defineEvent({
  ...decided, type: 'fulfilment.uncollected', subject: (p) => `fulfilment:${p.fulfilmentId}`, description: 'A click-and-collect order waited at its store past its collection window.',
  payload: z.object({ fulfilmentId: z.string(), orderId: z.string(), collectBy: z.number() }),
});
export const fulfilmentStockShort = defineEvent({
  ...decided, type: 'fulfilment.stock_short', subject: (p) => `fulfilment:${p.fulfilmentId}`,
  description: 'A count or a shrink found fewer units than orders hold reserved at the location: this waiting fulfilment gives up its claim and its lines are routed again.',
  payload: z.object({
    fulfilmentId: z.string(), orderId: z.string(), locationId: z.string(), sku: z.string(),
    /** What the location holds now, and what orders had reserved there before this fulfilment let go. */
    onHand: z.number().int(), reserved: z.number().int(),
    /** The count or adjustment that found the shelf short. */
    foundBy: z.string(),
  }),
});
export const notificationQueued = defineEvent({
  ...decided, type: 'notification.queued', subject: (p) => `customer:${p.customerId}`, description: 'A message to the customer was queued in the outbox.',
  payload: z.object({ templateId: z.string(), channel: z.string(), customerId: z.string(), recipient: z.string().optional(), facts: z.record(z.string(), z.union([z.string(), z.number()])) }),
});
export const availabilityChanged = defineEvent({
  ...decided, type: 'availability.changed', subject: (p) => `availability:${p.channel}`, description: 'What a channel may sell of a sku changed.',
  payload: z.object({ channel: z.string(), sku: z.string(), previous: z.number().int().nullable(), quantity: z.number().int() }),
});
export const scheduleTick = defineEvent({
  ...decided, type: 'schedule.tick', subject: (p) => `schedule:${p.job}`, description: 'A scheduled control fired for one slot (once across processes).',
  payload: z.object({ job: z.string(), slotMs: z.number().int() }),
});

export const decidedOrderEvents = [
  orderValidated, orderHeld, orderRouted, orderHandedOver, orderRerouted, orderBackordered, orderCancelled, orderStateChanged,
  reservationMade, reservationReleased, fulfilmentExpired, fulfilmentUncollected, fulfilmentStockShort, notificationQueued, availabilityChanged, scheduleTick,
];
