import { describe, expect, it } from 'vitest';
import { countedLevels } from '../../../src/domain/inventory/stock.js';

const held = new Map([
  ['A', { onHand: 5, protected: 2, safetyStock: 1 }],
  ['B', { onHand: 0, protected: 0, safetyStock: 0 }],
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
    // A later line equal to what was held writes nothing, so the earlier change stands (as when each
    // changed line was written in turn).
    expect(countedLevels(held, [{ sku: 'A', onHand: 9 }, { sku: 'A', onHand: 5 }])).toEqual([{ sku: 'A', onHand: 9, protected: 2, safetyStock: 1 }]);
  });

  it('skus come out in the order they first changed', () => {
    expect(countedLevels(held, [{ sku: 'Z', onHand: 1 }, { sku: 'B', onHand: 2 }, { sku: 'Z', onHand: 3 }]).map((l) => l.sku)).toEqual(['Z', 'B']);
  });
});
