import { describe, expect, it } from 'vitest';
import { inboundSupply, receiptRecordsOf, supplierReliability, type PurchaseOrder, type ReliabilityRules } from '../../../src/domain/procurement/index.js';
import { dayNumber } from '../../../src/domain/replenishment/index.js';

const rules: ReliabilityRules = { minReceipts: 4, lateToleranceDays: 0, unreliableLateShare: 0.25, adjustExpectedDates: true };
const rec = (supplierId: string, late: number, i: number) => ({
  supplierId,
  promisedDate: `2025-05-${String(10 + i).padStart(2, '0')}`,
  receivedDate: `2025-05-${String(10 + i + late).padStart(2, '0')}`,
});

describe('supplier reliability', () => {
  it('measures the share of late receipts and how late they were', () => {
    const r = supplierReliability([1, 0, 4, 0].map((late, i) => rec('S', late, i)), rules).get('S')!;
    expect(r).toMatchObject({ receipts: 4, lateReceipts: 2, lateShare: 0.5, meanDelayDays: 2.5, reliable: false, adjustmentDays: 3 });
  });

  it('calls a supplier reliable at or below the late share, or with too little history', () => {
    expect(supplierReliability([1, 0, 0, 0].map((late, i) => rec('S', late, i)), rules).get('S')!.reliable).toBe(true);
    expect(supplierReliability([5, 5, 5].map((late, i) => rec('S', late, i)), rules).get('S')).toMatchObject({ reliable: true, adjustmentDays: 0 });
  });

  it('forgives lateness within the tolerance', () => {
    const r = supplierReliability([1, 1, 1, 1].map((late, i) => rec('S', late, i)), { ...rules, lateToleranceDays: 1 }).get('S')!;
    expect(r).toMatchObject({ lateReceipts: 0, reliable: true });
  });

  it('moves an unreliable supplier’s open POs by its mean delay', () => {
    const reliability = supplierReliability([3, 3, 0, 0].map((late, i) => rec('S', late, i)), rules);
    const po: PurchaseOrder = {
      id: 'po-9', supplierId: 'S', locationId: 'L', state: 'confirmed', lines: [{ sku: 'A', qty: 5, receivedQty: 0 }],
      expectedDate: '2025-06-10', plannedDate: '2025-06-10', promisedDate: '2025-06-10', receivedDate: null, expedite: false,
    };
    expect(inboundSupply([po], reliability)[0]).toMatchObject({ plannedDay: dayNumber('2025-06-13'), adjustmentDays: 3, expectedDate: '2025-06-10' });
    expect(inboundSupply([po], supplierReliability([], rules))[0]!.plannedDay).toBe(dayNumber('2025-06-10'));
  });

  it('reads receipts from received POs against the first promise', () => {
    const po: PurchaseOrder = {
      id: 'po-1', supplierId: 'S', locationId: 'L', state: 'received', lines: [],
      expectedDate: '2025-06-12', plannedDate: '2025-06-08', promisedDate: '2025-06-09', receivedDate: '2025-06-12', expedite: false,
    };
    expect(receiptRecordsOf([po, { ...po, state: 'delayed', receivedDate: null }])).toEqual([{ supplierId: 'S', promisedDate: '2025-06-09', receivedDate: '2025-06-12' }]);
    expect(receiptRecordsOf([{ ...po, promisedDate: null }])[0]!.promisedDate).toBe('2025-06-08');
  });
});
