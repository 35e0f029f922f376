import { describe, expect, it } from 'vitest';
import { decideWithoutSource } from '../../../src/domain/sourcing/index.js';
import { policy } from './fixtures.js';

const lines = [
  { lineId: 'l1', sku: 'SKU1', qty: 5 },
  { lineId: 'l2', sku: 'SKU2', qty: 1 },
];

describe('decideWithoutSource', () => {
  it('waits for the receipts that cover the shortage, summing purchase orders earliest first', () => {
    const inbound = [
      { poId: 'po-3', sku: 'SKU1', qty: 10, expectedAt: 3000 },
      { poId: 'po-1', sku: 'SKU1', qty: 2, expectedAt: 1000 },
      { poId: 'po-2', sku: 'SKU1', qty: 2, expectedAt: 2000 },
      { poId: 'po-9', sku: 'SKU2', qty: 1, expectedAt: 500 },
    ];
    // 1 unit of SKU1 on hand: 4 short → po-1 + po-2; SKU2 fully on hand is not short.
    const d = decideWithoutSource(lines, new Map([['SKU1', 1], ['SKU2', 1]]), inbound, policy());
    expect(d.outcome).toBe('backorder');
    if (d.outcome !== 'backorder') return;
    expect(d.expectedAt).toBe(2000);
    expect(d.shortSkus).toEqual([{ sku: 'SKU1', shortQty: 4, coveredBy: [inbound[1], inbound[2]], expectedAt: 2000 }]);
  });

  it('cancels when the shortage has no inbound supply, unless the policy waits open-ended', () => {
    const inbound = [{ poId: 'po-1', sku: 'SKU1', qty: 5, expectedAt: 1000 }];
    expect(decideWithoutSource(lines, new Map(), inbound, policy())).toMatchObject({ outcome: 'cancel', reason: 'no_inbound_supply' });
    const open = decideWithoutSource(lines, new Map(), inbound, policy({ backorderWithoutInbound: 'backorder' }));
    expect(open).toMatchObject({ outcome: 'backorder', expectedAt: null });
  });
});
