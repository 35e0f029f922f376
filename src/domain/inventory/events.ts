import { z } from 'zod';
import { defineEvent } from '../events/catalog.js';
import { skuSchema } from '../masterdata/product.js';
import { locationIdSchema } from '../masterdata/location.js';

const qty = z.number().int().min(0).max(10_000_000);

export const ADJUSTMENT_REASONS = ['receipt', 'count', 'shrink', 'damage', 'return', 'correction'] as const;

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
    .strict(),
  subject: (p) => `location:${p.locationId}`,
  description: 'A receipt, count correction, shrink or damage changed on-hand at a location.',
});

export type InventorySnapshotPayload = z.infer<typeof inventorySnapshot.payload>;
export type InventoryAdjustedPayload = z.infer<typeof inventoryAdjusted.payload>;
