import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { startTestApp, envelope, type TestApp } from '../support/app.js';
import { DC_TILBURG, STORE_AMSTERDAM } from '../support/shop.js';
import { getStock } from '../../src/store/repos/stock.js';
import { overDeliveries } from '../../src/domain/procurement/over-delivery.js';

// A goods receipt above what the purchase order asked for (policy replenishment.receiving): the
// units are booked — stock is what is on the shelf — and procurement gets an item to answer for them.
const received = (poId: string, receiptId: string, lines: Array<{ sku: string; qty: number }>) =>
  envelope({ type: 'po.received', payload: { poId, locationId: 'store-ams', receivedDate: '2026-12-01', receiptId, lines } });

describe('overDeliveries (pure)', () => {
  const line = (qty: number, receivedQty: number, sku = 'TENT') => ({ sku, qty, receivedQty });
  it('up to the tolerance is not asked; one unit above it is', () => {
    expect(overDeliveries([line(100, 105)], new Set(['TENT']), 5)).toEqual([]);
    expect(overDeliveries([line(100, 106)], new Set(['TENT']), 5)).toEqual([{ sku: 'TENT', ordered: 100, received: 106, allowed: 105, over: 6 }]);
    // The allowance rounds down: 5 % of 10 lets in 10, not 10.5.
    expect(overDeliveries([line(10, 11)], new Set(['TENT']), 5)).toEqual([{ sku: 'TENT', ordered: 10, received: 11, allowed: 10, over: 1 }]);
    expect(overDeliveries([line(100, 100)], new Set(['TENT']), 0)).toEqual([]);
  });
  it('a sku not ordered is always over; lines this receipt did not bring are not looked at', () => {
    expect(overDeliveries([line(0, 1, 'MUG'), line(100, 200)], new Set(['MUG']), 50)).toEqual([{ sku: 'MUG', ordered: 0, received: 1, allowed: 0, over: 1 }]);
  });
});

for (const factory of storeFactories()) {
  describe(`over-delivery on a goods receipt: ${factory.name}`, { timeout: 120_000 }, () => {
    let t: TestApp;
    afterEach(async () => t?.close());

    async function start() {
      t = await startTestApp(factory, { config: { dispatch: { batchSize: 256, maxAttempts: 2, backoffBaseMs: 5, backoffMaxMs: 20, idlePollMs: 10 } } });
      for (const l of [DC_TILBURG, STORE_AMSTERDAM]) await t.send(envelope({ type: 'location.upserted', payload: l }));
      await t.send(envelope({ type: 'inventory.snapshot', payload: { locationId: 'store-ams', counts: [{ sku: 'TENT', onHand: 0 }] } }));
      const buyer = await t.keyFor('procurement');
      expect((await t.api('PUT', '/v1/suppliers/S1', buyer, { id: 'S1', name: 'Tents & Co', leadTimeDays: 10, skus: [{ sku: 'TENT', unitCost: 50, primary: true }] })).status).toBe(200);
    }
    const ordered = (poId: string, qty: number) =>
      t.send(envelope({ type: 'po.confirmed', payload: { poId, supplierId: 'S1', locationId: 'store-ams', lines: [{ sku: 'TENT', qty }], expectedDate: '2026-12-01' } }));
    const items = async () => (await t.api('GET', '/v1/exceptions?queue=reconciliation_discrepancy', await t.keyFor('procurement'))).body.items as Array<Record<string, any>>;
    const onHand = async (sku: string) => (await getStock(t.app.store.read, sku, 'store-ams'))?.onHand;

    it('within the tolerance nothing is asked; above it procurement gets one item per order, a later one counted on it; the goods are booked', async () => {
      await start();
      await ordered('PO-1', 100);
      await t.send(received('PO-1', 'GR-1', [{ sku: 'TENT', qty: 105 }])); // within 5 %
      expect(await items()).toEqual([]);
      expect(await onHand('TENT')).toBe(105);

      // PO-2: sixty tents and three mugs nobody ordered, then 47 more tents (107 of 100).
      await ordered('PO-2', 100);
      await t.send(received('PO-2', 'GR-2', [{ sku: 'TENT', qty: 60 }, { sku: 'MUG', qty: 3 }]));
      const [item] = await items();
      expect(item).toMatchObject({ ownerRole: 'procurement', subjectRef: 'po:PO-2', state: 'open' });
      expect(item!.summary).toContain('3 MUG not ordered');
      expect(item!.detail).toMatchObject({ kind: 'over_delivery', poId: 'PO-2', supplierId: 'S1', receiptId: 'GR-2', tolerancePercent: 5, lines: [{ sku: 'MUG', ordered: 0, received: 3, allowed: 0, over: 3 }] });
      expect(await onHand('MUG')).toBe(3);

      await t.send(received('PO-2', 'GR-3', [{ sku: 'TENT', qty: 47 }]));
      const after = await items();
      expect(after).toHaveLength(1);
      expect(after[0]!.detail).toMatchObject({ occurrences: 2, last: { receiptId: 'GR-3', lines: [{ sku: 'TENT', ordered: 100, received: 107, allowed: 105, over: 7 }] } });
      expect(await onHand('TENT')).toBe(105 + 107);
    });

    it('goods after the order closed (short or cancelled) are booked, and procurement is asked about them; a resent receipt counts once', async () => {
      await start();
      await ordered('PO-1', 100);
      await t.send(received('PO-1', 'GR-1', [{ sku: 'TENT', qty: 100 }])); // closes it in full
      expect(await items()).toEqual([]);
      // Three stragglers the supplier sent after all: on the shelf, so in the book (they were dead-lettered).
      await t.send(received('PO-1', 'GR-2', [{ sku: 'TENT', qty: 3 }]));
      expect(await onHand('TENT')).toBe(103);
      const [item] = await items();
      expect(item).toMatchObject({ ownerRole: 'procurement', subjectRef: 'po:PO-1' });
      expect(item!.summary).toContain('received 3 TENT after it was closed');
      expect(item!.detail).toMatchObject({ kind: 'received_after_close', closedAs: 'received', receiptId: 'GR-2', received: [{ sku: 'TENT', qty: 3 }], lines: [] });
      const po = (await t.api('GET', '/v1/purchase-orders/PO-1', await t.keyFor('procurement'))).body;
      expect(po).toMatchObject({ state: 'received', lines: [{ sku: 'TENT', qty: 100, receivedQty: 103 }] });
      await t.send(received('PO-1', 'GR-2', [{ sku: 'TENT', qty: 3 }]));
      expect(await onHand('TENT')).toBe(103);

      // A cancelled order delivered anyway.
      await ordered('PO-2', 10);
      expect((await t.api('POST', '/v1/purchase-orders/PO-2/cancel', await t.keyFor('procurement'), { reason: 'not needed' })).status).toBe(200);
      await t.send(received('PO-2', 'GR-3', [{ sku: 'TENT', qty: 10 }]));
      expect(await onHand('TENT')).toBe(113);
      const after = (await items()).find((x) => x.subjectRef === 'po:PO-2');
      expect(after!.detail).toMatchObject({ kind: 'received_after_close', closedAs: 'cancelled' });
      expect((await t.api('GET', '/v1/purchase-orders/PO-2', t.adminKey)).body.state).toBe('cancelled');
      const books = await t.api('GET', '/v1/checks', t.adminKey);
      expect(books.body.findings).toEqual([]);
    });
  });
}
