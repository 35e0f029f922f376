import { z } from 'zod';
import { defineEvent } from '../events/catalog.js';
import { locationIdSchema } from '../masterdata/location.js';
import { PURCHASE_ORDER_STATES } from '../procurement/purchase-order.js';

/**
 * Events of the replenishment check and of what people do with its recommendations. Decided ones
 * are appended by omniops only; the `*_requested` commands come from the API (accept / dismiss, a
 * transfer's cancel), `transfer.shipped` from the giving location and `transfer.received` from the
 * receiving one. A recommendation's events share the subject
 * `recommendation:<id>`, a purchase order's `po:<id>`, a transfer's `transfer:<id>`.
 */
const decided = { schemaVersion: 1, origin: 'decided' } as const;
const inbound = { schemaVersion: 1, origin: 'inbound' } as const;
const id = z.string().min(1).max(100);
const date = z.iso.date();

const projectionDay = z.object({ date: z.string(), opening: z.number(), receipts: z.number(), demand: z.number(), closing: z.number(), unmet: z.number() }).passthrough();

export const replenishmentRiskDetected = defineEvent({
  ...decided,
  type: 'replenishment.risk_detected',
  subject: (p) => `position:${p.locationId}:${p.sku}`,
  description: 'A sku at a location is projected to run out (or below safety stock) before the next possible receipt.',
  payload: z.object({
    riskId: id,
    /** 1 when first detected; each later check that moves the breach or the cover adds one. */
    revision: z.number().int().min(1),
    sku: z.string(),
    locationId: z.string(),
    level: z.enum(['zero', 'safety_stock']),
    breachDate: date,
    daysOfCover: z.number(),
    nextPossibleReceiptDate: date,
    safetyStock: z.number(),
    demandClass: z.string(),
    forecastMethod: z.string(),
    projection: z.array(projectionDay),
    policyVersion: z.string(),
  }),
});

export const replenishmentRiskResolved = defineEvent({
  ...decided,
  type: 'replenishment.risk_resolved',
  subject: (p) => `position:${p.locationId}:${p.sku}`,
  description: 'A check no longer projects the stockout an open risk warned about (stock, a PO or a transfer covers it).',
  payload: z.object({ riskId: id, sku: z.string(), locationId: z.string(), policyVersion: z.string() }),
});

export const replenishmentRecommended = defineEvent({
  ...decided,
  type: 'replenishment.recommended',
  subject: (p) => `recommendation:${p.recommendationId}`,
  description: 'The check recommends a purchase, a transfer or both for a sku at a location.',
  payload: z.object({
    recommendationId: id,
    sku: z.string(),
    locationId: z.string(),
    riskId: z.string().nullable(),
    neededQuantity: z.number(),
    purchase: z.record(z.string(), z.unknown()).nullable(),
    transfer: z.record(z.string(), z.unknown()).nullable(),
    expedite: z.boolean(),
    alternatives: z.array(z.record(z.string(), z.unknown())),
    policyVersion: z.string(),
  }),
});

export const replenishmentAcceptRequested = defineEvent({
  ...inbound,
  type: 'replenishment.accept_requested',
  subject: (p) => `recommendation:${p.recommendationId}`,
  description: 'A buyer accepts a recommendation: its purchase becomes a PO draft (through approval where policy says), its transfer a transfer order.',
  payload: z.object({ recommendationId: id, note: z.string().max(1000).optional() }).strict(),
});

export const replenishmentDismissRequested = defineEvent({
  ...inbound,
  type: 'replenishment.dismiss_requested',
  subject: (p) => `recommendation:${p.recommendationId}`,
  description: 'A buyer dismisses a recommendation; the next check may recommend for the position again.',
  payload: z.object({ recommendationId: id, reason: z.string().max(1000).optional() }).strict(),
});

export const purchaseOrderCancelRequested = defineEvent({
  ...inbound,
  type: 'purchase_order.cancel_requested',
  subject: (p) => `po:${p.poId}`,
  description: 'A buyer cancels a purchase order (a draft held for approval, or one the supplier cannot deliver): what has not arrived is no longer inbound.',
  payload: z.object({ poId: id, reason: z.string().max(1000).optional() }).strict(),
});

export const replenishmentRecommendationDecided = defineEvent({
  ...decided,
  type: 'replenishment.recommendation_decided',
  subject: (p) => `recommendation:${p.recommendationId}`,
  description: 'A recommendation was accepted (with the PO and transfer it became) or dismissed.',
  payload: z.object({
    recommendationId: id,
    outcome: z.enum(['accepted', 'dismissed']),
    by: z.string(),
    poId: z.string().nullable(),
    transferId: z.string().nullable(),
    reason: z.string().nullable(),
  }),
});

export const poStateChanged = defineEvent({
  ...decided,
  type: 'po.state_changed',
  subject: (p) => `po:${p.poId}`,
  description: 'A purchase order moved in its lifecycle (recommended → awaiting_approval → placed → confirmed → delayed → received; cancelled).',
  payload: z.object({
    poId: id,
    from: z.enum([...PURCHASE_ORDER_STATES, 'none']),
    to: z.enum(PURCHASE_ORDER_STATES),
    supplierId: z.string(),
    locationId: z.string(),
    expectedDate: date,
    note: z.string().nullable(),
  }),
});

export const transferCreated = defineEvent({
  ...decided,
  type: 'transfer.created',
  subject: (p) => `transfer:${p.transferId}`,
  description: 'A transfer order between two locations, with its quantity reserved at the source.',
  payload: z.object({ transferId: id, recommendationId: z.string().nullable(), sku: z.string(), fromLocationId: z.string(), toLocationId: z.string(), qty: z.number().int(), expectedDate: date }),
});

export const transferShipped = defineEvent({
  ...inbound,
  type: 'transfer.shipped',
  subject: (p) => `transfer:${p.transferId}`,
  description: 'The source sent a transfer on its way (occurredAt: when it left): its units leave the source’s on-hand then; a short shipment frees the rest of the reservation.',
  payload: z.object({
    transferId: id,
    locationId: locationIdSchema,
    /** Units that left; absent: all the transfer asked for. */
    qty: z.number().int().positive().max(10_000_000).optional(),
    carrier: z.string().min(1).max(100).optional(),
    tracking: z.string().min(1).max(200).optional(),
  }).strict(),
});

export const transferReceived = defineEvent({
  ...inbound,
  type: 'transfer.received',
  subject: (p) => `transfer:${p.transferId}`,
  description: 'The destination received a transfer: its on-hand rises (and, when the source never reported the shipment, the source’s reserved units leave it at `shippedAt`, else at the receipt).',
  payload: z.object({
    transferId: id,
    locationId: locationIdSchema,
    qty: z.number().int().positive().max(10_000_000).optional(),
    /**
     * When the goods left the source (delivery note, carrier), used only when no shipment was reported:
     * booked within a reported shipment's bounds (not after the receipt, not before the transfer existed).
     */
    shippedAt: z.iso.datetime({ offset: true }).optional(),
  }).strict(),
});

export const transferCancelRequested = defineEvent({
  ...inbound,
  type: 'transfer.cancel_requested',
  subject: (p) => `transfer:${p.transferId}`,
  description: 'A buyer cancels a transfer the source has not shipped: the source’s reserved units are free again.',
  payload: z.object({ transferId: id, reason: z.string().max(1000).optional() }).strict(),
});

export const transferCancelled = defineEvent({
  ...decided,
  type: 'transfer.cancelled',
  subject: (p) => `transfer:${p.transferId}`,
  description: 'A transfer was cancelled before it left its source; the units it held there are released.',
  payload: z.object({ transferId: id, sku: z.string(), fromLocationId: z.string(), toLocationId: z.string(), qty: z.number().int(), by: z.string(), reason: z.string().nullable() }),
});

export const demandHistoryImported = defineEvent({
  ...inbound,
  type: 'demand.history_imported',
  subject: (p) => `position:${p.locationId}:${p.sku}`,
  description: 'Daily sales of a sku at a location from before omniops recorded orders (e.g. from the ERP), so forecasts start with history.',
  payload: z
    .object({
      sku: z.string().min(1).max(64),
      locationId: locationIdSchema,
      days: z.array(z.object({ date, quantity: z.number().int().min(0).max(10_000_000) }).strict()).min(1).max(3660),
    })
    .strict()
    .refine((p) => new Set(p.days.map((d) => d.date)).size === p.days.length, { message: 'each date once', path: ['days'] }),
});

export const replenishmentEventDefinitions = [
  demandHistoryImported,
  replenishmentRiskDetected,
  replenishmentRiskResolved,
  replenishmentRecommended,
  replenishmentAcceptRequested,
  replenishmentDismissRequested,
  purchaseOrderCancelRequested,
  replenishmentRecommendationDecided,
  poStateChanged,
  transferCreated,
  transferShipped,
  transferReceived,
  transferCancelRequested,
  transferCancelled,
];
