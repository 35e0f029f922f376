import { z } from 'zod';
import { defineEvent } from '../events/catalog.js';
import { skuSchema } from '../masterdata/product.js';
import type { SkuSupply, SupplyOption } from '../replenishment/types.js';

/**
 * A supplier as master data: its default lead time and, per sku it delivers, its terms (lead time,
 * unit cost, minimum order quantity, pack size) and whether it is the sku's usual (primary) source.
 * Reliability is not master data: it is measured from receipts (reliability.ts).
 */
export const supplierIdSchema = z.string().min(1).max(64).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/);

export const supplierTermsSchema = z
  .object({
    sku: skuSchema,
    /** Absent: the supplier's default lead time. */
    leadTimeDays: z.number().int().min(0).max(365).optional(),
    unitCost: z.number().nonnegative().max(10_000_000),
    moq: z.number().int().min(1).max(10_000_000).default(1),
    packSize: z.number().int().min(1).max(10_000_000).default(1),
    primary: z.boolean().default(false),
  })
  .strict();

export const supplierSchema = z
  .object({
    id: supplierIdSchema,
    name: z.string().min(1).max(200),
    email: z.email().max(200).optional(),
    leadTimeDays: z.number().int().min(0).max(365),
    /** The supplier's partner in Odoo: its credit for an accepted warranty claim is booked on it (docs/odoo.md). */
    odooPartnerId: z.number().int().positive().optional(),
    skus: z.array(supplierTermsSchema).max(100_000).default([]),
  })
  .strict()
  .refine((s) => new Set(s.skus.map((t) => t.sku)).size === s.skus.length, { message: 'each sku once', path: ['skus'] });

export type Supplier = z.infer<typeof supplierSchema>;
export type SupplierTerms = z.infer<typeof supplierTermsSchema>;

export const supplierUpserted = defineEvent({
  type: 'supplier.upserted',
  schemaVersion: 1,
  origin: 'inbound',
  payload: supplierSchema,
  subject: (p) => `supplier:${p.id}`,
  description: 'A supplier and its terms per sku were created or replaced (master data).',
});

/** One supplier-sku term row as the replenishment check reads it. */
export interface SupplierTermRow {
  supplierId: string;
  sku: string;
  leadTimeDays: number;
  unitCost: number;
  moq: number;
  packSize: number;
  primary: boolean;
}

export function termRowsOf(s: Supplier): SupplierTermRow[] {
  return s.skus.map((t) => ({ supplierId: s.id, sku: t.sku, leadTimeDays: t.leadTimeDays ?? s.leadTimeDays, unitCost: t.unitCost, moq: t.moq, packSize: t.packSize, primary: t.primary }));
}

/** Terms grouped per sku in a stable order (primary first, then supplier id), the shape the evaluation takes. */
export function skuSupplyOf(rows: readonly SupplierTermRow[]): SkuSupply[] {
  const bySku = new Map<string, SupplyOption[]>();
  const sorted = [...rows].sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : Number(b.primary) - Number(a.primary) || (a.supplierId < b.supplierId ? -1 : a.supplierId > b.supplierId ? 1 : 0)));
  for (const r of sorted) {
    const option: SupplyOption = { supplierId: r.supplierId, leadTimeDays: r.leadTimeDays, unitCost: r.unitCost, moq: r.moq, packSize: r.packSize, ...(r.primary ? { primary: true } : {}) };
    const list = bySku.get(r.sku);
    if (list) list.push(option);
    else bySku.set(r.sku, [option]);
  }
  return [...bySku].map(([sku, suppliers]) => ({ sku, suppliers }));
}
