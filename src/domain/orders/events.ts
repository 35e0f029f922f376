import { z } from 'zod';
import { defineEvent } from '../events/catalog.js';
import { locationIdSchema } from '../masterdata/location.js';
import { skuSchema } from '../masterdata/product.js';
import { REJECTION_REASON_CODES } from './rejection-reasons.js';

/**
 * Payloads of the order-side inbound events (SPEC §3), defined once: validation at ingest, the
 * TypeScript types and the API document all come from these schemas. Unknown keys are stripped so a
 * channel adding fields never breaks ingest; missing or malformed known fields are an E_SCHEMA.
 */

const money = z.number().finite().nonnegative();
const instant = z.iso.datetime({ offset: true });

export const SHIPPING_METHODS = ['standard', 'express', 'same_day', 'pickup'] as const;
export const shippingMethodSchema = z.enum(SHIPPING_METHODS);
export type ShippingMethod = z.infer<typeof shippingMethodSchema>;

export const PAYMENT_STATUSES = ['pending', 'authorized', 'captured', 'failed'] as const;
export const paymentStatusSchema = z.enum(PAYMENT_STATUSES);
export type PaymentStatus = z.infer<typeof paymentStatusSchema>;

export const orderLineSchema = z.object({
  lineId: z.string().min(1),
  sku: skuSchema,
  qty: z.number().int().positive(),
  unitPrice: money,
  /** Amount taken off this line as a whole (not per unit), in the order currency. */
  discount: money.optional(),
});
export type OrderLine = z.infer<typeof orderLineSchema>;

export const shippingAddressSchema = z.object({
  country: z.string().length(2),
  postcode: z.string().min(1).optional(),
  lat: z.number().min(-90).max(90).optional(),
  lon: z.number().min(-180).max(180).optional(),
});
export type ShippingAddress = z.infer<typeof shippingAddressSchema>;

export const orderPlacedPayloadSchema = z
  .object({
    externalOrderId: z.string().min(1),
    customer: z.object({
      id: z.string().min(1),
      email: z.email().optional(),
      createdAt: instant.optional(),
    }),
    lines: z.array(orderLineSchema).min(1),
    currency: z.string().length(3),
    shipping: z.object({
      method: shippingMethodSchema,
      address: shippingAddressSchema,
      pickupLocationId: locationIdSchema.optional(),
    }),
    payment: z.object({
      status: paymentStatusSchema,
      method: z.string().min(1).optional(),
      amount: money,
      /**
       * What the customer was charged in their own currency, when the shop sells in several and that
       * is not the order's (Shopify's `presentment_currency` and `total_price_set.presentment_money`):
       * the channel's captures and refunds come in it and are weighed at this rate (presentment.ts).
       */
      presentment: z.object({ currency: z.string().length(3), amount: money }).strict().optional(),
    }),
    billing: z.object({ country: z.string().length(2) }).optional(),
    promisedBy: instant.optional(),
    /**
     * A sale made at a store's till: the customer took the goods there and then (the pickup store).
     * Nothing is routed, reserved or worked by the store; the units leave its shelf at once.
     */
    handedOverAt: instant.optional(),
  })
  .superRefine((order, ctx) => {
    // A pickup order without its store cannot be routed; reject it at the door rather than later.
    if (order.shipping.method === 'pickup' && !order.shipping.pickupLocationId) {
      ctx.addIssue({ code: 'custom', path: ['shipping', 'pickupLocationId'], message: 'required for pickup orders' });
    }
    // Goods handed over are handed over at a store: the sale names it as its pickup store.
    if (order.handedOverAt !== undefined && order.shipping.method !== 'pickup') {
      ctx.addIssue({ code: 'custom', path: ['shipping', 'method'], message: 'must be pickup (at the store) when handedOverAt is given' });
    }
    // Line ids are how reservations are made exactly once per line: they must be unique.
    const seen = new Set<string>();
    order.lines.forEach((line, i) => {
      if (seen.has(line.lineId)) ctx.addIssue({ code: 'custom', path: ['lines', i, 'lineId'], message: 'duplicate lineId' });
      seen.add(line.lineId);
    });
  });
export type OrderPlacedPayload = z.infer<typeof orderPlacedPayloadSchema>;

/** A click-and-collect order (or a till sale): its customer collects it at the store that works it; nothing ships. */
export const isCollection = (order: Pick<OrderPlacedPayload, 'shipping'>): boolean => order.shipping.method === 'pickup';

export const orderCancelRequestedPayloadSchema = z.object({
  externalOrderId: z.string().min(1),
  reason: z.string().max(500).optional(),
  /** The order's channel, when the request comes from elsewhere (the API, the service desk). */
  channel: z.string().min(1).max(64).optional(),
});
export type OrderCancelRequestedPayload = z.infer<typeof orderCancelRequestedPayloadSchema>;

/** Someone asks to hold an order by hand (the service desk, operations): `reason` says why, for whoever releases it. */
export const orderHoldRequestedPayloadSchema = z.object({
  externalOrderId: z.string().min(1),
  reason: z.string().trim().min(1).max(500),
  channel: z.string().min(1).max(64).optional(),
});
export type OrderHoldRequestedPayload = z.infer<typeof orderHoldRequestedPayloadSchema>;

/** Someone lets an order held by hand go: it is routed again as a new order would be. */
export const orderReleaseRequestedPayloadSchema = z.object({
  externalOrderId: z.string().min(1),
  note: z.string().max(500).optional(),
  channel: z.string().min(1).max(64).optional(),
});
export type OrderReleaseRequestedPayload = z.infer<typeof orderReleaseRequestedPayloadSchema>;

/** Shared by payment.authorized, payment.captured and payment.failed. */
export const paymentEventPayloadSchema = z.object({
  externalOrderId: z.string().min(1),
  amount: money.optional(),
  reference: z.string().optional(),
});
export type PaymentEventPayload = z.infer<typeof paymentEventPayloadSchema>;

/**
 * payment.captured: the shared payment payload, plus the channel's id of the capture (a Shopify
 * transaction id, a marketplace settlement line). With an id, `amount` is that capture's own part
 * and an order's captures add up, each id once; without one, `amount` is everything captured so far
 * (src/domain/orders/captures.ts). A new field rather than `reference`: senders already fill
 * `reference` with whatever names their payment, often alike on every report, and summing running
 * totals under distinct references would count the same money again.
 */
export const paymentCapturedPayloadSchema = paymentEventPayloadSchema
  // Without `currency` the capture is in the order's currency; in the customer's (a shop selling in
  // several), it is weighed at the order's rate (src/domain/orders/presentment.ts).
  .extend({ captureId: z.string().min(1).max(200).optional(), currency: z.string().length(3).optional() })
  .superRefine((p, ctx) => {
    // A capture id names a capture of an amount: without one there is nothing to add up.
    if (p.captureId !== undefined && p.amount === undefined) ctx.addIssue({ code: 'custom', path: ['amount'], message: 'required with captureId' });
  });
export type PaymentCapturedPayload = z.infer<typeof paymentCapturedPayloadSchema>;

/**
 * payment.refunded: money the channel paid back itself (customer service refunding in the shop's
 * admin, a marketplace refunding its buyer). `refundId` is the channel's id of that refund: each is
 * counted once, however often it is told. It is money, not a cancel: the order goes on as it was.
 * Without `currency` the refund is in the order's currency; in the customer's (the order's
 * `payment.presentment`), it is weighed at the order's rate (src/domain/orders/presentment.ts).
 */
export const paymentRefundedPayloadSchema = paymentEventPayloadSchema.extend({
  amount: money,
  currency: z.string().length(3).optional(),
  refundId: z.string().min(1).max(200),
  reason: z.string().max(500).optional(),
});
export type PaymentRefundedPayload = z.infer<typeof paymentRefundedPayloadSchema>;

/**
 * payment.voided: with `captureId`, that capture was voided and never brings money in (it may be
 * told before its capture is); without, the authorization was voided — nothing more will be captured.
 */
export const paymentVoidedPayloadSchema = paymentEventPayloadSchema.extend({
  captureId: z.string().min(1).max(200).optional(),
  reason: z.string().max(500).optional(),
});
export type PaymentVoidedPayload = z.infer<typeof paymentVoidedPayloadSchema>;

/** Shared by fulfilment.accepted, .rejected, .picked and .shipped. */
export const fulfilmentEventPayloadSchema = z.object({
  fulfilmentId: z.string().min(1),
  reason: z.string().optional(),
  carrier: z.string().optional(),
  trackingNumber: z.string().optional(),
});
export type FulfilmentEventPayload = z.infer<typeof fulfilmentEventPayloadSchema>;

/**
 * fulfilment.rejected: besides the free-text `reason`, an optional `reasonCode` staff pick
 * (rejection-reasons.ts). It decides when the location may be asked again for the order: a stock
 * reason (or none, as before codes) once its stock of what it rejected is known again, a reason about
 * staff, capacity or a closure after the sourcing policy's hours. An unknown code is refused at intake.
 */
export const fulfilmentRejectedPayloadSchema = fulfilmentEventPayloadSchema.extend({
  reasonCode: z.enum(REJECTION_REASON_CODES).optional(),
});
export type FulfilmentRejectedPayload = z.infer<typeof fulfilmentRejectedPayloadSchema>;

export const shipmentDeliveredPayloadSchema = z.object({ fulfilmentId: z.string().min(1) });
export type ShipmentDeliveredPayload = z.infer<typeof shipmentDeliveredPayloadSchema>;

/** The customer collected a click-and-collect order at its store (staff at the desk, or the till). */
export const fulfilmentCollectedPayloadSchema = z.object({ fulfilmentId: z.string().min(1) });

/** Event type → payload schema. */
export const orderEventPayloadSchemas = {
  'order.placed': orderPlacedPayloadSchema,
  'order.cancel_requested': orderCancelRequestedPayloadSchema,
  'order.hold_requested': orderHoldRequestedPayloadSchema,
  'order.release_requested': orderReleaseRequestedPayloadSchema,
  'payment.authorized': paymentEventPayloadSchema,
  'payment.captured': paymentCapturedPayloadSchema,
  'payment.failed': paymentEventPayloadSchema,
  'payment.refunded': paymentRefundedPayloadSchema,
  'payment.voided': paymentVoidedPayloadSchema,
  'fulfilment.accepted': fulfilmentEventPayloadSchema,
  'fulfilment.rejected': fulfilmentRejectedPayloadSchema,
  'fulfilment.picked': fulfilmentEventPayloadSchema,
  'fulfilment.shipped': fulfilmentEventPayloadSchema,
  'shipment.delivered': shipmentDeliveredPayloadSchema,
  'fulfilment.collected': fulfilmentCollectedPayloadSchema,
} as const;
export type OrderEventType = keyof typeof orderEventPayloadSchemas;

/**
 * Catalog entries for the event registry (src/domain/events/all.ts). Order events are ordered per
 * order — (channel, external order id); fulfilment and shipment events per fulfilment, as their payload names no order.
 */
const orderSubject = (p: { externalOrderId: string; channel?: string }, meta: { source: string }) => `order:${p.channel ?? meta.source}:${p.externalOrderId}`;
const fulfilmentSubject = (p: { fulfilmentId: string }) => `fulfilment:${p.fulfilmentId}`;
const inbound = { schemaVersion: 1, origin: 'inbound' } as const;

export const orderEventDefinitions = [
  defineEvent({ ...inbound, type: 'order.placed', payload: orderPlacedPayloadSchema, subject: orderSubject, description: 'A channel took an order.' }),
  defineEvent({ ...inbound, type: 'order.cancel_requested', payload: orderCancelRequestedPayloadSchema, subject: orderSubject, description: 'The customer or channel asks to cancel an order.' }),
  defineEvent({ ...inbound, type: 'order.hold_requested', payload: orderHoldRequestedPayloadSchema, subject: orderSubject, description: 'Someone asks to hold an order by hand: what has not shipped stops until it is released.' }),
  defineEvent({ ...inbound, type: 'order.release_requested', payload: orderReleaseRequestedPayloadSchema, subject: orderSubject, description: 'Someone lets an order held by hand go: it is checked for payment and routed again.' }),
  ...(['authorized', 'failed'] as const).map((status) =>
    defineEvent({ ...inbound, type: `payment.${status}`, payload: paymentEventPayloadSchema, subject: orderSubject, description: `The payment of an order was ${status}.` }),
  ),
  defineEvent({
    ...inbound, type: 'payment.captured', payload: paymentCapturedPayloadSchema, subject: orderSubject,
    description: 'The payment of an order was captured: with a captureId, one capture of it (they add up, each id once); without, the running total.',
  }),
  defineEvent({
    ...inbound, type: 'payment.refunded', payload: paymentRefundedPayloadSchema, subject: orderSubject,
    description: 'The channel refunded money of an order itself (refundId: its id, counted once). Money only: the order is not cancelled; returns refund only what is left.',
  }),
  defineEvent({
    ...inbound, type: 'payment.voided', payload: paymentVoidedPayloadSchema, subject: orderSubject,
    description: 'A capture of an order was voided (captureId: it counts nothing), or without captureId the authorization was (a failed payment unless something was captured).',
  }),
  defineEvent({ ...inbound, type: 'fulfilment.accepted', payload: fulfilmentEventPayloadSchema, subject: fulfilmentSubject, description: 'A location accepted its fulfilment.' }),
  defineEvent({
    ...inbound, type: 'fulfilment.rejected', payload: fulfilmentRejectedPayloadSchema, subject: fulfilmentSubject,
    description: `A location rejected its fulfilment (reasonCode: ${REJECTION_REASON_CODES.join(', ')}; none counts as a stock reason).`,
  }),
  ...(['picked', 'shipped'] as const).map((step) =>
    defineEvent({ ...inbound, type: `fulfilment.${step}`, payload: fulfilmentEventPayloadSchema, subject: fulfilmentSubject, description: `A location ${step} its fulfilment.` }),
  ),
  defineEvent({ ...inbound, type: 'shipment.delivered', payload: shipmentDeliveredPayloadSchema, subject: fulfilmentSubject, description: 'The carrier delivered a fulfilment.' }),
  defineEvent({ ...inbound, type: 'fulfilment.collected', payload: fulfilmentCollectedPayloadSchema, subject: fulfilmentSubject, description: 'The customer collected a click-and-collect order at its store.' }),
];
