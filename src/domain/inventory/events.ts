import { z } from 'zod';
import { defineEvent } from '../events/catalog.js';
import { skuSchema } from '../masterdata/product.js';
import { locationIdSchema } from '../masterdata/location.js';

const qty = z.number().int().min(0).max(10_000_000);

export const ADJUSTMENT_REASONS = ['receipt', 'count', 'shrink', 'damage', 'return', 'correction'] as const;

/** Reasons that can only take units off the shelf. */
const UNITS_LOST: ReadonlySet<string> = new Set(['shrink', 'damage']);

export const inventorySnapshot = defineEvent({
  type: 'inventory.snapshot',
  schemaVersion: 1,
  origin: 'inbound',
  payload: z
    .object({
      locationId: locationIdSchema,
      counts: z
        .array(z.object({ sku: skuSchema, onHand: qty, protected: qty.optional(), safetyStock: qty.optional() }).strict())
        .min(1)
        .max(20_000),
    })
    .strict(),
  // Snapshots and adjustments of one location share a subject so they apply in the order sent.
  subject: (p) => `location:${p.locationId}`,
  description: 'A full count of a location: on-hand per sku replaces what omniops had.',
});

export const inventoryAdjusted = defineEvent({
  type: 'inventory.adjusted',
  schemaVersion: 1,
  origin: 'inbound',
  payload: z
    .object({
      locationId: locationIdSchema,
      sku: skuSchema,
      delta: z.number().int().min(-10_000_000).max(10_000_000).refine((d) => d !== 0, 'must not be 0'),
      reason: z.enum(ADJUSTMENT_REASONS),
      note: z.string().max(500).optional(),
    })
    .strict()
    // A shrink or damage loses units. Senders that report the loss as a positive number ("shrink 3")
    // added those units to the shelf; refused at intake instead.
    .refine((p) => !(UNITS_LOST.has(p.reason) && p.delta > 0), { path: ['delta'], message: 'a shrink or damage loses units: delta must be negative' }),
  subject: (p) => `location:${p.locationId}`,
  description: 'A receipt, count correction, shrink or damage changed on-hand at a location.',
});

export type InventorySnapshotPayload = z.infer<typeof inventorySnapshot.payload>;
export type InventoryAdjustedPayload = z.infer<typeof inventoryAdjusted.payload>;
