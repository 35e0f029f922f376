import { describe, expect, it } from 'vitest';
import { applyAdjustment, countedLevels, countedShort } from '../../../src/domain/inventory/stock.js';

const held = new Map([
  ['A', { onHand: 5, reserved: 0, protected: 2, safetyStock: 1 }],
  ['B', { onHand: 0, reserved: 0, protected: 0, safetyStock: 0 }],
]);

describe('a snapshot\'s counted levels', () => {
  it('writes only lines that differ from what is held, keeping what a line leaves out', () => {
    expect(countedLevels(held, [
      { sku: 'A', onHand: 5 }, // as held: nothing to write
      { sku: 'B', onHand: 0, protected: 0 }, // as held
      { sku: 'A', onHand: 5, safetyStock: 3 }, // safety stock changes; on-hand and protected kept
    ])).toEqual([{ sku: 'A', onHand: 5, protected: 2, safetyStock: 3 }]);
  });

  it('a new sku starts from nothing: what a line leaves out is 0', () => {
    expect(countedLevels(held, [{ sku: 'N', onHand: 4, protected: 1 }])).toEqual([{ sku: 'N', onHand: 4, protected: 1, safetyStock: 0 }]);
  });

  it('a sku counted twice ends as written in turn: the later line wins, carrying what it leaves out from the earlier one', () => {
    expect(countedLevels(held, [
      { sku: 'A', onHand: 9, protected: 4 },
      { sku: 'A', onHand: 7 },
    ])).toEqual([{ sku: 'A', onHand: 7, protected: 4, safetyStock: 1 }]);
    // A later line equal to what was held still wins: the count ends at what was held, so nothing is
    // written. (It used to be skipped, and the earlier line's 9 was written though the count said 5.)
    expect(countedLevels(held, [{ sku: 'A', onHand: 9 }, { sku: 'A', onHand: 5 }])).toEqual([]);
    expect(countedLevels(held, [{ sku: 'A', onHand: 9, protected: 4 }, { sku: 'A', onHand: 5 }])).toEqual([{ sku: 'A', onHand: 5, protected: 4, safetyStock: 1 }]);
  });

  it('skus come out in the order they first changed', () => {
    expect(countedLevels(held, [{ sku: 'Z', onHand: 1 }, { sku: 'B', onHand: 2 }, { sku: 'Z', onHand: 3 }]).map((l) => l.sku)).toEqual(['Z', 'B']);
  });
});

describe('protected stock and reservations under a count', () => {
  const reservedHeld = new Map([['T', { onHand: 10, reserved: 4, protected: 3, safetyStock: 0 }]]);

  it('protected stock is held within what no order has reserved: never above on-hand, never taking reserved units', () => {
    // Counted 6 with 4 reserved: 2 unreserved, so at most 2 stay protected (the line keeps 3).
    expect(countedLevels(reservedHeld, [{ sku: 'T', onHand: 6 }])).toEqual([{ sku: 'T', onHand: 6, protected: 2, safetyStock: 0 }]);
    // A protected quantity above on-hand, given by the count itself.
    expect(countedLevels(new Map(), [{ sku: 'N', onHand: 2, protected: 5 }])).toEqual([{ sku: 'N', onHand: 2, protected: 2, safetyStock: 0 }]);
    // Safety stock is a target, not units: it may stand above on-hand.
    expect(countedLevels(new Map(), [{ sku: 'N', onHand: 2, safetyStock: 5 }])).toEqual([{ sku: 'N', onHand: 2, protected: 0, safetyStock: 5 }]);
  });

  it('names the skus counted below what orders have reserved, by how much', () => {
    const counted = countedLevels(reservedHeld, [{ sku: 'T', onHand: 1 }]);
    expect(counted).toEqual([{ sku: 'T', onHand: 1, protected: 0, safetyStock: 0 }]);
    expect(countedShort(reservedHeld, counted)).toEqual([{ sku: 'T', onHand: 1, reserved: 4, short: 3 }]);
    expect(countedShort(reservedHeld, countedLevels(reservedHeld, [{ sku: 'T', onHand: 4 }]))).toEqual([]);
  });
});

describe('an adjustment', () => {
  it('a shrink takes protected stock down with the shelf, never below what orders reserved', () => {
    expect(applyAdjustment({ onHand: 5, reserved: 0, protected: 3 }, -4)).toEqual({ kind: 'adjusted', before: 5, after: 1, protected: 1, short: 0 });
    expect(applyAdjustment({ onHand: 5, reserved: 2, protected: 3 }, -1)).toEqual({ kind: 'adjusted', before: 5, after: 4, protected: 2, short: 0 });
    expect(applyAdjustment({ onHand: 5, reserved: 0, protected: 3 }, 4)).toEqual({ kind: 'adjusted', before: 5, after: 9, protected: 3, short: 0 });
  });

  it('keeps reservations and says how many reserved units are not there', () => {
    expect(applyAdjustment({ onHand: 5, reserved: 4, protected: 1 }, -3)).toEqual({ kind: 'adjusted', before: 5, after: 2, protected: 0, short: 2 });
    expect(applyAdjustment({ onHand: 2, reserved: 1, protected: 0 }, -5)).toEqual({ kind: 'clamped', before: 2, after: 0, protected: 0, short: 1, requested: -5 });
  });
});
