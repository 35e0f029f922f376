import { z } from 'zod';
import { defineEvent } from '../events/catalog.js';
import { locationIdSchema } from '../masterdata/location.js';
import { skuSchema } from '../masterdata/product.js';

/**
 * Inbound procurement events (SPEC §3). Dates are calendar dates (`YYYY-MM-DD`): suppliers promise
 * a delivery day, not an instant. All events of one purchase order share its subject, so a delay
 * is never applied before the confirmation it amends.
 */

const poId = z.string().min(1).max(64);
const supplierId = z.string().min(1).max(64);
const date = z.iso.date();
const qty = z.number().int().positive().max(10_000_000);

const poLine = z.object({ sku: skuSchema, qty }).strict();

export const poConfirmed = defineEvent({
  type: 'po.confirmed',
  schemaVersion: 1,
  origin: 'inbound',
  payload: z
    .object({
      poId,
      supplierId,
      locationId: locationIdSchema,
      /**
       * Quantities the supplier commits to; they may differ from what was ordered. Each sku once: a
       * confirmation replaces the PO's lines, and two lines of one sku would leave it unclear which
       * commitment holds.
       */
      lines: z
        .array(poLine)
        .min(1)
        .max(1000)
        .refine((lines) => new Set(lines.map((l) => l.sku)).size === lines.length, { message: 'each sku once' }),
      expectedDate: date,
    })
    .strict(),
  subject: (p) => `po:${p.poId}`,
  description: 'The supplier confirmed a purchase order: committed quantities and delivery date.',
});

export const poDelayed = defineEvent({
  type: 'po.delayed',
  schemaVersion: 1,
  origin: 'inbound',
  payload: z
    .object({
      poId,
      newExpectedDate: date,
      reason: z.string().max(500).optional(),
    })
    .strict(),
  subject: (p) => `po:${p.poId}`,
  description: 'The supplier moved the delivery date of a purchase order.',
});

export const poReceived = defineEvent({
  type: 'po.received',
  schemaVersion: 1,
  origin: 'inbound',
  payload: z
    .object({
      poId,
      locationId: locationIdSchema,
      /**
       * The goods-receipt (delivery note) number, when the sender has one: a receipt already taken
       * in under it is not counted again, even when resent under another message id.
       */
      receiptId: z.string().min(1).max(100).optional(),
      receivedDate: date,
      lines: z.array(poLine).min(1).max(1000),
      /** The supplier ships nothing more on this PO, even if short: the rest is no longer inbound. */
      final: z.boolean().default(false),
    })
    .strict(),
  subject: (p) => `po:${p.poId}`,
  description: 'Goods of a purchase order arrived at a location; on-hand rises by the received quantities.',
});

export const promotionScheduled = defineEvent({
  type: 'promotion.scheduled',
  schemaVersion: 1,
  origin: 'inbound',
  payload: z
    .object({
      promotionId: z.string().min(1).max(64),
      skus: z.array(skuSchema).min(1).max(10_000),
      /** Demand multiplier inside the window: 1.5 means half as much again. */
      uplift: z.number().positive().max(100),
      /** First and last day of the promotion, both included. */
      from: date,
      to: date,
      /** Absent: every location. */
      locationIds: z.array(locationIdSchema).min(1).max(10_000).optional(),
    })
    .strict()
    .refine((p) => p.from <= p.to, { message: 'from must not be after to', path: ['to'] }),
  subject: (p) => `promotion:${p.promotionId}`,
  description: 'A promotion lifts forecast demand for its skus by a factor on the days of its window.',
});

export const procurementEventDefinitions = [poConfirmed, poDelayed, poReceived, promotionScheduled] as const;

export type PoConfirmedPayload = z.infer<typeof poConfirmed.payload>;
export type PoDelayedPayload = z.infer<typeof poDelayed.payload>;
export type PoReceivedPayload = z.infer<typeof poReceived.payload>;
export type PromotionScheduledPayload = z.infer<typeof promotionScheduled.payload>;
