import { describe, expect, it } from 'vitest';
import { evaluateReplenishment, riskWatchOf, stockoutPreventionRate, type StockLevelRecord } from '../../../src/domain/replenishment/index.js';
import { ctx, day, input, policy, position } from './fixtures.js';

const level = (locationId: string, offset: number, onHand: number): StockLevelRecord => ({ sku: 'SKU-1', locationId, date: day(offset), onHand });

describe('stockout prevention rate', () => {
  const watches = [
    { sku: 'SKU-1', locationId: 'A', from: day(0), to: day(10) },
    { sku: 'SKU-1', locationId: 'B', from: day(0), to: day(10) },
  ];

  it('is the share of detected risks that never reached zero stock while watched', () => {
    const stock = [level('A', 3, 4), level('A', 5, 0), level('B', 3, 2), level('B', 12, 0)];
    const kpi = stockoutPreventionRate(watches, stock);
    expect(kpi).toMatchObject({ detected: 2, prevented: 1, rate: 0.5 });
    expect(kpi.reachedZero.map((w) => w.locationId)).toEqual(['A']);
  });

  it('counts repeated daily detections of one shortfall once', () => {
    const again = [...watches, { sku: 'SKU-1', locationId: 'A', from: day(1), to: day(11) }];
    expect(stockoutPreventionRate(again, []).detected).toBe(2);
    expect(stockoutPreventionRate(again, [level('A', 11, 0)]).prevented).toBe(1);
  });

  it('has no rate when nothing was detected', () => {
    expect(stockoutPreventionRate([], [level('A', 1, 0)])).toMatchObject({ detected: 0, rate: null });
  });

  it('watches a risk record from detection to the end of its projection', () => {
    const risk = evaluateReplenishment(input({ positions: [position('A', 30)] }), policy(), ctx()).risks[0]!;
    expect(riskWatchOf(risk)).toEqual({ sku: 'SKU-1', locationId: 'A', from: day(0), to: day(11) });
  });
});
