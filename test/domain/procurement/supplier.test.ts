import { describe, expect, it } from 'vitest';
import { skuSupplyOf, supplierSchema, supplierUpserted, termRowsOf } from '../../../src/domain/procurement/supplier.js';

describe('supplier master data', () => {
  const supplier = supplierSchema.parse({
    id: 'S1', name: 'Tents & Co', leadTimeDays: 10,
    skus: [{ sku: 'TENT', unitCost: 50, primary: true }, { sku: 'PEG', unitCost: 0.5, leadTimeDays: 3, moq: 100, packSize: 50 }],
  });

  it('fills terms with the supplier lead time and defaults for MOQ, pack and primary', () => {
    expect(termRowsOf(supplier)).toEqual([
      { supplierId: 'S1', sku: 'TENT', leadTimeDays: 10, unitCost: 50, moq: 1, packSize: 1, primary: true },
      { supplierId: 'S1', sku: 'PEG', leadTimeDays: 3, unitCost: 0.5, moq: 100, packSize: 50, primary: false },
    ]);
  });

  it('refuses a sku listed twice, a negative cost and a zero pack size', () => {
    expect(supplierSchema.safeParse({ ...supplier, skus: [...supplier.skus, supplier.skus[0]] }).success).toBe(false);
    expect(supplierSchema.safeParse({ ...supplier, skus: [{ sku: 'X', unitCost: -1 }] }).success).toBe(false);
    expect(supplierSchema.safeParse({ ...supplier, skus: [{ sku: 'X', unitCost: 1, packSize: 0 }] }).success).toBe(false);
    expect(supplierUpserted.subject(supplier, { source: 'api' })).toBe('supplier:S1');
  });

  it('groups terms per sku with the primary supplier first, whatever the row order', () => {
    const rows = [
      { supplierId: 'A', sku: 'TENT', leadTimeDays: 2, unitCost: 60, moq: 1, packSize: 1, primary: false },
      { supplierId: 'B', sku: 'TENT', leadTimeDays: 9, unitCost: 50, moq: 1, packSize: 1, primary: true },
      { supplierId: 'A', sku: 'MAT', leadTimeDays: 4, unitCost: 9, moq: 6, packSize: 6, primary: false },
    ];
    expect(skuSupplyOf(rows)).toEqual([
      { sku: 'MAT', suppliers: [{ supplierId: 'A', leadTimeDays: 4, unitCost: 9, moq: 6, packSize: 6 }] },
      { sku: 'TENT', suppliers: [{ supplierId: 'B', leadTimeDays: 9, unitCost: 50, moq: 1, packSize: 1, primary: true }, { supplierId: 'A', leadTimeDays: 2, unitCost: 60, moq: 1, packSize: 1 }] },
    ]);
  });
});
