import { describe, expect, it } from 'vitest';
import { decideWithoutSource, inboundWithRoom, promisedUnits } from '../../../src/domain/sourcing/index.js';
import type { OpenBackorder } from '../../../src/domain/sourcing/index.js';
import { keptOnTheShelf, promisesNotOnTheShelf } from '../../../src/domain/sourcing/inbound-promises.js';
import { policy } from './fixtures.js';

const inbound = [
  { poId: 'po-early', sku: 'TENT', qty: 5, expectedAt: 1000 },
  { poId: 'po-late', sku: 'TENT', qty: 5, expectedAt: 2000 },
];
const open = (orderId: string, qty: number) => {
  const d = decideWithoutSource([{ lineId: '1', sku: 'TENT', qty }], new Map(), inboundWithRoom(inbound, backorders, orderId), policy({ backorderWithoutInbound: 'backorder' }));
  if (d.outcome !== 'backorder') throw new Error(d.outcome);
  backorders.push({ orderId, shortSkus: d.shortSkus });
  return d;
};
let backorders: OpenBackorder[] = [];

describe('inbound promised to backorders', () => {
  it('promises each receipt once, first come first served, and gives no date once no receipt has room', () => {
    backorders = [];
    expect(open('o-1', 4)).toMatchObject({ expectedAt: 1000, shortSkus: [{ coveredBy: [{ poId: 'po-early', qty: 4 }] }] });
    expect(open('o-2', 4)).toMatchObject({ expectedAt: 2000, shortSkus: [{ coveredBy: [{ poId: 'po-early', qty: 1 }, { poId: 'po-late', qty: 3 }] }] });
    expect(open('o-3', 4).expectedAt).toBeNull();
    // The undated order holds nothing: a small later order still gets the 2 units left.
    expect(open('o-4', 2)).toMatchObject({ expectedAt: 2000, shortSkus: [{ coveredBy: [{ poId: 'po-late', qty: 2 }] }] });
    expect(inboundWithRoom(inbound, backorders, 'o-new')).toEqual([]);
  });

  it("does not count an order's own earlier promise against it", () => {
    backorders = [];
    open('o-1', 5);
    expect(inboundWithRoom(inbound, backorders, 'o-1')).toEqual(inbound);
  });

  it('with policy cancel, an order no receipt with room can serve is cancelled as when nothing is inbound', () => {
    backorders = [];
    open('o-1', 10);
    const d = decideWithoutSource([{ lineId: '1', sku: 'TENT', qty: 1 }], new Map(), inboundWithRoom(inbound, backorders, 'o-2'), policy({ backorderWithoutInbound: 'cancel' }));
    expect(d).toMatchObject({ outcome: 'cancel', reason: 'no_inbound_supply' });
  });

  it("reads a record that carried each PO's whole quantity as the promise it was: at most the shortage", () => {
    const legacy = { orderId: 'o-old', shortSkus: [{ sku: 'TENT', shortQty: 3, expectedAt: 1000, coveredBy: [inbound[0]] }] };
    expect(promisedUnits([legacy])).toEqual(new Map([['po-early\u0000TENT', 3]]));
    expect(inboundWithRoom(inbound, [legacy], 'o-new')).toEqual([{ ...inbound[0], qty: 2 }, inbound[1]]);
  });
});

describe('a purchase order closed by a receipt', () => {
  const dated = (orderId: string, shortSkus: Array<[sku: string, shortQty: number, coveredBy: Array<[poId: string, qty: number]>]>): OpenBackorder => ({
    orderId,
    shortSkus: shortSkus.map(([sku, shortQty, coveredBy]) => ({ sku, shortQty, expectedAt: 1000, coveredBy: coveredBy.map(([poId, qty]) => ({ poId, sku, qty, expectedAt: 1000 })) })),
  });

  it('keeps, oldest first, the promises whose units of the PO are still free, and breaks the rest', () => {
    const promised = [dated('o-1', [['TENT', 4, [['po-early', 4]]]]), dated('o-2', [['TENT', 3, [['po-early', 3]]]]), dated('o-3', [['TENT', 2, [['po-early', 2]]]])];
    // 5 free: o-1 keeps 4, o-2's 3 do not fit in the 1 left, o-3's 2 do not either.
    expect(promisesNotOnTheShelf(promised, 'po-early', new Map([['TENT', 5]])).map((b) => b.orderId)).toEqual(['o-2', 'o-3']);
    // A broken promise takes nothing of what is free: the younger o-3 fits in what o-2 could not use.
    expect(promisesNotOnTheShelf(promised, 'po-early', new Map([['TENT', 6]])).map((b) => b.orderId)).toEqual(['o-2']);
  });

  it("counts only the units promised from this PO, at most the shortage; an undated order's mention is broken", () => {
    const split = dated('o-1', [['TENT', 4, [['po-early', 1], ['po-late', 3]]], ['MAT', 1, [['po-mat', 1]]]]);
    // A record that carried the PO's whole quantity holds no more than its shortage of it.
    const legacy = dated('o-2', [['TENT', 2, [['po-early', 5]]]]);
    const undated: OpenBackorder = { orderId: 'o-3', shortSkus: [{ sku: 'TENT', shortQty: 9, expectedAt: null, coveredBy: [{ poId: 'po-early', sku: 'TENT', qty: 4, expectedAt: 1000 }] }] };
    expect(promisesNotOnTheShelf([split, legacy, undated], 'po-early', new Map([['TENT', 3]]))).toEqual([undated]);
  });
});

describe('a promise kept on the shelf', () => {
  // Tents of po-tent (due 1000) and a mat of po-mat (due 3000): promised at 3000.
  const k1: OpenBackorder = {
    orderId: 'k-1',
    shortSkus: [
      { sku: 'MAT', shortQty: 1, expectedAt: 3000, coveredBy: [{ poId: 'po-mat', sku: 'MAT', qty: 1, expectedAt: 3000 }] },
      { sku: 'TENT', shortQty: 2, expectedAt: 1000, coveredBy: [{ poId: 'po-tent', sku: 'TENT', qty: 2, expectedAt: 1000 }] },
    ],
  };

  it('stands on the shelf when its PO closed or is due after the promise, not while the PO keeps the date', () => {
    expect(keptOnTheShelf(k1, { poId: 'po-tent', inbound: false, expectedAt: 1000 })).toBe(true);
    // Delayed past the promise (kept through the delay): only the shelf keeps the date.
    expect(keptOnTheShelf(k1, { poId: 'po-tent', inbound: true, expectedAt: 4000 })).toBe(true);
    // Delayed, but still by the promise: the PO keeps it.
    expect(keptOnTheShelf(k1, { poId: 'po-tent', inbound: true, expectedAt: 3000 })).toBe(false);
  });

  it('is no question for a PO the promise does not name, nor for an order promised no date', () => {
    expect(keptOnTheShelf(k1, { poId: 'po-other', inbound: false, expectedAt: 1000 })).toBe(false);
    const undated: OpenBackorder = { orderId: 'u-1', shortSkus: [{ ...k1.shortSkus[1], expectedAt: null }] };
    expect(keptOnTheShelf(undated, { poId: 'po-tent', inbound: false, expectedAt: 1000 })).toBe(false);
  });
});
