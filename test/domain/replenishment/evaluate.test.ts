import { describe, expect, it } from 'vitest';
import { transitionPurchaseOrder } from '../../../src/domain/procurement/index.js';
import { evaluateReplenishment } from '../../../src/domain/replenishment/index.js';
import { ctx, day, input, openPo, policy, position, supplier, NOW } from './fixtures.js';

// Every scenario sells a steady 10 a day (zero forecast error, so service-level safety stock is 0),
// the primary supplier quotes 5 days and the review period is 7: the projection spans 12 days.
const run = (i = input(), p = policy()) => evaluateReplenishment(i, p, ctx());

describe('stockout risk', () => {
  it('is raised when stock runs out before the next possible receipt, with the projection behind it', () => {
    const r = run(input({ positions: [position('A', 30)] }));
    expect(r.risks).toHaveLength(1);
    const risk = r.risks[0]!;
    expect(risk).toMatchObject({ sku: 'SKU-1', locationId: 'A', breachDate: day(3), daysOfCover: 3, nextPossibleReceiptDate: day(5), detectedAt: NOW });
    expect(risk.projection).toHaveLength(12);
    expect(risk.projection.slice(0, 4)).toEqual([
      { date: day(0), opening: 30, receipts: 0, demand: 10, closing: 20, unmet: 0 },
      { date: day(1), opening: 20, receipts: 0, demand: 10, closing: 10, unmet: 0 },
      { date: day(2), opening: 10, receipts: 0, demand: 10, closing: 0, unmet: 0 },
      { date: day(3), opening: 0, receipts: 0, demand: 10, closing: 0, unmet: 10 },
    ]);
  });

  it('is not raised when stock lasts until an order placed today arrives: that is a routine reorder', () => {
    const r = run(input({ positions: [position('A', 60)] }));
    expect(r.risks).toEqual([]);
    expect(r.recommendations).toHaveLength(1);
    expect(r.recommendations[0]).toMatchObject({ riskId: null, expedite: false });
  });

  it('is not raised when an inbound PO arrives before stock runs out', () => {
    const r = run(input({ positions: [position('A', 30)], purchaseOrders: [openPo('po-1', 'SUP-P', 200, 2)] }));
    expect(r.risks).toEqual([]);
  });

  it('recommends nothing when stock covers lead time + review period', () => {
    expect(run(input({ positions: [position('A', 200)] }))).toMatchObject({ risks: [], recommendations: [] });
  });

  it('can be raised at the safety level instead of zero, by policy', () => {
    const p = policy({ riskLevel: 'safety_stock', safetyStock: { method: 'days', days: 2 } });
    // Safety 20 units: 60 on hand falls below it on day 4, before the receipt on day 5.
    const r = run(input({ positions: [position('A', 60)] }), p);
    expect(r.risks).toHaveLength(1);
    expect(r.risks[0]).toMatchObject({ breachDate: day(4), level: 'safety_stock', safetyStock: 20 });
    expect(run(input({ positions: [position('A', 60)] })).risks).toEqual([]);
  });
});

describe('inbound supply', () => {
  it('moves the projection when a PO is delayed', () => {
    const po = openPo('po-1', 'SUP-P', 200, 2);
    const delayed = transitionPurchaseOrder(po, { kind: 'delayed', payload: { poId: 'po-1', newExpectedDate: day(4) } });
    if (!delayed.ok) throw new Error('delay refused');
    const before = run(input({ positions: [position('A', 30)], purchaseOrders: [po] }));
    const after = run(input({ positions: [position('A', 30)], purchaseOrders: [delayed.po] }));
    expect(before.risks).toEqual([]);
    expect(after.risks).toHaveLength(1);
    expect(after.risks[0]!.breachDate).toBe(day(3));
    expect(after.risks[0]!.projection.find((d) => d.receipts > 0)?.date).toBe(day(4));
  });

  it('plans an unreliable supplier by its mean delay: open POs and new orders alike', () => {
    // 3 of 5 receipts late by 2, 3 and 4 days → late share 0.6 > 0.2, mean delay 3 days.
    const receiptHistory = [2, 3, 4, 0, 0].map((late, i) => ({ supplierId: 'SUP-P', promisedDate: day(-30 - i), receivedDate: day(-30 - i + late) }));
    const i = input({ positions: [position('A', 30)], purchaseOrders: [openPo('po-1', 'SUP-P', 200, 2)], receiptHistory });
    const r = run(i);
    expect(r.risks).toHaveLength(1);
    expect(r.risks[0]).toMatchObject({ breachDate: day(3), nextPossibleReceiptDate: day(8) });
    expect(r.risks[0]!.projection.find((d) => d.receipts > 0)?.date).toBe(day(5));
    // The same history with the adjustment switched off takes the supplier at its word.
    expect(run(i, policy({ reliability: { adjustExpectedDates: false } })).risks).toEqual([]);
  });

  it('counts neither drafts nor received POs as inbound', () => {
    const draft = openPo('po-1', 'SUP-P', 200, 2, { state: 'awaiting_approval' });
    const done = openPo('po-2', 'SUP-P', 200, 2, { state: 'received', receivedDate: day(-1), lines: [{ sku: 'SKU-1', qty: 200, receivedQty: 200 }] });
    expect(run(input({ positions: [position('A', 30)], purchaseOrders: [draft, done] })).risks).toHaveLength(1);
  });
});

describe('order-up-to quantity', () => {
  // 100 on hand: 50 left when the order arrives on day 5, which must last until day 12 (70 demand).
  it('covers lead time + review period', () => {
    const r = run();
    expect(r.recommendations[0]!.purchase).toMatchObject({ supplierId: 'SUP-P', quantity: 20, expectedDate: day(5), value: 200, reason: 'primary' });
  });

  it('adds safety stock', () => {
    const r = run(input(), policy({ safetyStock: { method: 'days', days: 2 } }));
    expect(r.recommendations[0]!.purchase!.quantity).toBe(40);
  });

  it('rounds up to the minimum order quantity and whole packs', () => {
    const withTerms = (moq: number, packSize: number) =>
      run(input({ supply: [{ sku: 'SKU-1', suppliers: [supplier('SUP-P', 5, { moq, packSize })] }] })).recommendations[0]!.purchase!.quantity;
    expect(withTerms(48, 1)).toBe(48);
    expect(withTerms(1, 12)).toBe(24);
    expect(withTerms(30, 12)).toBe(36);
  });
});

describe('alternate sources when the primary is too late', () => {
  it('transfers from a location with excess, leaving it its own lead time + review + safety', () => {
    // A runs out on day 2. B has 150: it needs 120 for its own 12 days, so 30 can go.
    const r = run(input({ positions: [position('A', 20), position('B', 150)] }));
    const rec = r.recommendations.find((x) => x.locationId === 'A')!;
    expect(rec.transfer).toEqual({ fromLocationId: 'B', quantity: 30, expectedDate: day(2) });
    // After the transfer A holds 30 − 30 = 0 on day 5 and needs 70 until day 12.
    expect(rec.purchase).toMatchObject({ supplierId: 'SUP-P', quantity: 70 });
    expect(rec.riskId).toBe(r.risks[0]!.id);
  });

  it('covers the whole need by transfer when the source has enough, and needs no purchase', () => {
    const r = run(input({ positions: [position('A', 20), position('B', 500)] }));
    const rec = r.recommendations.find((x) => x.locationId === 'A')!;
    expect(rec.transfer).toMatchObject({ fromLocationId: 'B', quantity: 100 });
    expect(rec.purchase).toBeNull();
    expect(rec.expedite).toBe(false);
  });

  it('never transfers from a location that is itself short', () => {
    const r = run(input({ positions: [position('A', 20), position('B', 100)] }));
    expect(r.recommendations.find((x) => x.locationId === 'A')!.transfer).toBeNull();
  });

  it('buys from an alternate supplier that arrives before the breach, as a substitution', () => {
    const supply = [{ sku: 'SKU-1', suppliers: [supplier('SUP-P', 10, { primary: true }), supplier('SUP-FAST', 3, { unitCost: 12 }), supplier('SUP-SLOW', 4)] }];
    const r = run(input({ positions: [position('A', 50)], supply }));
    expect(r.risks).toHaveLength(1);
    const rec = r.recommendations[0]!;
    // On day 3 A holds 20 and needs 70 until day 10.
    expect(rec.purchase).toMatchObject({ supplierId: 'SUP-FAST', quantity: 50, reason: 'primary_too_late', substitution: true, value: 600 });
    expect(rec.purchase!.approvals.map((a) => a.reason)).toEqual(['supplier_substitution']);
    expect(rec.expedite).toBe(false);
    expect(rec.alternatives.map((a) => (a.kind === 'supplier' ? a.supplierId : a.fromLocationId))).toEqual(['SUP-P', 'SUP-SLOW']);
  });

  it('keeps the primary when policy forbids switching', () => {
    const supply = [{ sku: 'SKU-1', suppliers: [supplier('SUP-P', 10, { primary: true }), supplier('SUP-FAST', 3)] }];
    const r = run(input({ positions: [position('A', 50)], supply }), policy({ alternateSupplier: { whenPrimaryTooLate: false } }));
    expect(r.recommendations[0]!.purchase!.supplierId).toBe('SUP-P');
  });

  it('switches away from an unreliable primary even without a risk', () => {
    const receiptHistory = [1, 1, 1, 1, 1].map((late, i) => ({ supplierId: 'SUP-P', promisedDate: day(-30 - i), receivedDate: day(-30 - i + late) }));
    const supply = [{ sku: 'SKU-1', suppliers: [supplier('SUP-P', 5, { primary: true }), supplier('SUP-B', 5)] }];
    const r = run(input({ supply, receiptHistory }));
    expect(r.risks).toEqual([]);
    expect(r.recommendations[0]!.purchase).toMatchObject({ supplierId: 'SUP-B', reason: 'primary_unreliable' });
  });
});

describe('expedite', () => {
  it('is flagged when even the best source arrives after the breach, and needs procurement approval', () => {
    const supply = [{ sku: 'SKU-1', suppliers: [supplier('SUP-P', 10, { primary: true })] }];
    const rec = run(input({ positions: [position('A', 30)], supply })).recommendations[0]!;
    expect(rec.expedite).toBe(true);
    expect(rec.purchase!.approvals).toContainEqual({ reason: 'expedited', role: 'procurement', approvalSubject: 'emergency_purchase' });
  });

  it('is not flagged when the normal lead time arrives in time', () => {
    const rec = run(input({ positions: [position('A', 60)] })).recommendations[0]!;
    expect(rec.expedite).toBe(false);
    expect(rec.purchase!.approvals).toEqual([]);
  });
});

describe('determinism', () => {
  const network = input({
    positions: [position('A', 20), position('B', 150), position('C', 30), { ...position('A', 5), sku: 'SKU-2' }],
    supply: [
      { sku: 'SKU-1', suppliers: [supplier('SUP-P', 5, { primary: true }), supplier('SUP-B', 3)] },
      { sku: 'SKU-2', suppliers: [supplier('SUP-P', 5)] },
    ],
  });

  it('gives the same risks and recommendations, ids included, for the same input and context', () => {
    const a = run(network);
    const b = run(network);
    expect(a).toEqual(b);
    expect(a.recommendations.map((r) => r.id)).toEqual(a.recommendations.map((_, i) => expect.stringMatching(/^id-replenishment_recommendation-\d+$/)));
    expect(new Set([...a.risks.map((r) => r.id), ...a.recommendations.map((r) => r.id)]).size).toBe(a.risks.length + a.recommendations.length);
  });

  it('does not depend on the order positions are given in, and handles the nearest stockout first', () => {
    const a = run(network);
    const b = run({ ...network, positions: [...network.positions].reverse() });
    expect(b).toEqual(a);
    expect(a.risks.map((r) => `${r.sku}@${r.locationId}`)).toEqual(['SKU-2@A', 'SKU-1@A', 'SKU-1@C']);
  });

  it('skips skus without a supplier and says so', () => {
    const r = run(input({ supply: [] }));
    expect(r.skipped).toEqual([{ sku: 'SKU-1', locationId: 'A', reason: 'no_supplier' }]);
  });
});
