import { describe, expect, it } from 'vitest';
import { daysOfCover, firstBreach, orderUpToQuantity, projectStock, roundToSupplierTerms, safetyStock } from '../../../src/domain/replenishment/index.js';

const f64 = (xs: number[]) => Float64Array.from(xs);

describe('projection', () => {
  it('takes receipts before the day’s demand and loses (does not backlog) unmet demand', () => {
    const p = projectStock(5, f64([4, 4, 4, 4]), f64([0, 0, 10, 0]));
    expect([...p.closing]).toEqual([1, 0, 6, 2]);
    expect([...p.unmet]).toEqual([0, 3, 0, 0]);
    expect(daysOfCover(p)).toBe(1);
    expect(firstBreach(p, 'zero', 0, 4)).toBe(1);
    expect(firstBreach(p, 'zero', 0, 1)).toBe(-1);
    expect(firstBreach(p, 'safety_stock', 2, 4)).toBe(0);
  });

  it('orders up to demand until the cover end plus safety, net of stock on arrival and later receipts', () => {
    const p = projectStock(30, f64([10, 10, 10, 10, 10, 10]), f64([0, 0, 0, 0, 15, 0]));
    // Arrival day 2 with 10 left; days 2..5 need 40, safety 5, a receipt of 15 on day 4.
    expect(orderUpToQuantity(p, 2, 6, 5)).toBe(40 + 5 - 10 - 15);
    expect(orderUpToQuantity(p, 0, 1, 0)).toBe(0);
  });

  it('rounds to MOQ and pack size, and never orders for no need', () => {
    expect(roundToSupplierTerms(0, 10, 6)).toBe(0);
    expect(roundToSupplierTerms(0.2, 1, 1)).toBe(1);
    expect(roundToSupplierTerms(13, 1, 6)).toBe(18);
    expect(roundToSupplierTerms(3, 10, 4)).toBe(12);
  });
});

describe('safety stock', () => {
  it('grows with the square root of cover days at a service level', () => {
    expect(safetyStock({ method: 'service_level', z: 2 }, 3, [], 9)).toBeCloseTo(18, 10);
  });

  it('is days of mean forecast demand over the cover, promotions included', () => {
    expect(safetyStock({ method: 'days', days: 2 }, 99, [10, 10, 20, 20], 4)).toBe(30);
  });
});
