import { describe, expect, it } from 'vitest';
import { heldByCase, paidForUnits, refundAmount } from '../../../src/domain/returns/case-state.js';

const none = { units: 0, cents: 0 };

describe('what a returned unit is worth', () => {
  // 3 × 10 with 10 off the line: 20.00 paid, 6.666… a unit.
  const line = { qty: 3, unitPrice: 10, discount: 10 };

  it('the whole line refunds exactly what was paid for it, not 3 × 6.67', () => {
    expect(paidForUnits(line, none, 3)).toBe(20);
  });

  it('a unit at a time, over several cases, adds up to what was paid, never a cent more', () => {
    const first = paidForUnits(line, none, 1);
    const second = paidForUnits(line, { units: 1, cents: 667 }, 1);
    const third = paidForUnits(line, { units: 2, cents: 1333 }, 1);
    expect([first, second, third]).toEqual([6.67, 6.66, 6.67]);
    expect(Math.round((first + second + third) * 100)).toBe(2000);
    expect(paidForUnits(line, { units: 1, cents: 667 }, 2)).toBe(13.33);
  });

  it('what other cases already refund is taken off, whatever they were refunded at (older cases: 2 × 6.67)', () => {
    expect(paidForUnits(line, { units: 2, cents: 1334 }, 1)).toBe(6.66);
    // A case rejected in between leaves its units free, not its cents: the third unit is what is left.
    expect(paidForUnits(line, { units: 2, cents: 1334 }, 1) + 13.34).toBeCloseTo(20, 10);
  });

  it('never more than the line, never below zero: a discount above the price refunds nothing', () => {
    expect(paidForUnits(line, { units: 2, cents: 1333 }, 5)).toBe(6.67);
    expect(paidForUnits({ qty: 1, unitPrice: 10, discount: 50 }, none, 1)).toBe(0);
    expect(paidForUnits(line, { units: 2, cents: 2500 }, 1)).toBe(0);
  });

  it('prices with cents stay exact (no float drift)', () => {
    expect(paidForUnits({ qty: 3, unitPrice: 19.99 }, none, 3)).toBe(59.97);
    expect(refundAmount([{ qty: 3, unitPrice: 19.99, amount: 59.97 }, { qty: 1, unitPrice: 0.1, amount: 0.1 }, { qty: 2, unitPrice: 0.1 }])).toBe(60.27);
  });
});

describe('what a return case holds of each order line', () => {
  const lines = [{ lineId: '1', qty: 2, unitPrice: 10, amount: 20 }, { lineId: '2', qty: 1, unitPrice: 5 }];

  it('all its lines until a receipt; then what arrived', () => {
    const all = new Map([['1', { units: 2, cents: 2000 }], ['2', { units: 1, cents: 500 }]]);
    expect(heldByCase({ state: 'awaiting_item', lines })).toEqual(all);
    expect(heldByCase({ state: 'refunded', lines })).toEqual(all);
    expect(heldByCase({ state: 'received', lines: [{ ...lines[0]!, receivedAt: 1 }, lines[1]!] })).toEqual(new Map([['1', { units: 2, cents: 2000 }]]));
  });

  it('a rejected case holds only the goods that came back', () => {
    expect(heldByCase({ state: 'rejected', lines })).toEqual(new Map());
    expect(heldByCase({ state: 'rejected', lines: [lines[0]!, { ...lines[1]!, receivedAt: 1 }] })).toEqual(new Map([['2', { units: 1, cents: 500 }]]));
  });
});
