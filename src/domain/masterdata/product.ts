import { z } from 'zod';
import { defineEvent } from '../events/catalog.js';

const money = z.number().finite().min(0).max(1e9);

export const productSchema = z
  .object({
    name: z.string().min(1).max(300),
    category: z.string().min(1).max(100),
    price: money,
    cost: money,
    weightKg: z.number().finite().min(0).max(10_000).optional(),
    returnable: z.boolean().default(true),
    supplierIds: z.array(z.string().min(1).max(64)).max(20).default([]),
    barcode: z.string().max(64).optional(),
  })
  .strict();

export type ProductAttributes = z.infer<typeof productSchema>;
export interface Product extends ProductAttributes {
  sku: string;
}

export const skuSchema = z.string().min(1).max(64).regex(/^[A-Za-z0-9][A-Za-z0-9._\-/]*$/, 'letters, digits and . _ - / only');

export const productUpserted = defineEvent({
  type: 'product.upserted',
  schemaVersion: 1,
  origin: 'inbound',
  payload: productSchema.extend({ sku: skuSchema }).strict(),
  subject: (p) => `product:${p.sku}`,
  description: 'A product was created or its attributes changed.',
});
