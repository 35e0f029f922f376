import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { envelope, type TestApp } from '../support/app.js';
import { DC_TILBURG, STORE_AMSTERDAM, startShop } from '../support/shop.js';
import { orderIdFor } from '../../src/engine/orders/identity.js';

// 2026-11-30 09:00 UTC = 10:00 local (+60): before every cut-off.
const T0 = Date.parse('2026-11-30T09:00:00Z');

const placed = (ext: string) => envelope({
  type: 'order.placed',
  payload: {
    externalOrderId: ext, customer: { id: `c-${ext}`, email: 'kim@example.com' }, currency: 'EUR',
    lines: [{ lineId: '1', sku: 'TENT', qty: 1, unitPrice: 120 }, { lineId: '2', sku: 'MUG', qty: 1, unitPrice: 10 }],
    shipping: { method: 'standard', address: { country: 'NL', postcode: '1011AB', lat: 52.37, lon: 4.9 } },
    payment: { status: 'authorized', amount: 130 },
  },
});
const captured = (externalOrderId: string, payload: Record<string, unknown>) => envelope({ type: 'payment.captured', payload: { externalOrderId, ...payload } });

for (const factory of storeFactories()) {
  describe(`GET /v1/orders/{id} shows what was captured: ${factory.name}`, () => {
    let t: TestApp;
    afterEach(async () => t?.close());
    const order = async (ext: string) => (await t.api('GET', `/v1/orders/${orderIdFor('web', ext)}`, await t.keyFor('finance'))).body;

    it('each capture of a split order with its id and time, the total they add up to; a replay once', async () => {
      const now = T0;
      // Tents at the DC, mugs at the store: two parcels.
      t = await startShop(factory, () => now, [DC_TILBURG, STORE_AMSTERDAM], { dc: [{ sku: 'TENT', onHand: 5 }], 'store-ams': [{ sku: 'MUG', onHand: 5 }] });
      await t.send(placed('C-1'));
      await t.drained();
      expect((await order('C-1')).captured).toBeNull();
      expect((await order('C-1')).fulfilments).toHaveLength(2);

      const tent = await t.send(captured('C-1', { amount: 120, captureId: 'tx-1' }));
      const mug = await t.send(captured('C-1', { amount: 10, captureId: 'tx-2' }));
      await t.send(captured('C-1', { amount: 10, captureId: 'tx-2' })); // resent under another event id
      const o = await order('C-1');
      expect(o.paymentStatus).toBe('captured');
      expect(o.captured).toEqual({
        amount: 130,
        captures: [
          { captureId: 'tx-1', amount: 120, at: new Date(T0).toISOString(), eventId: tent },
          { captureId: 'tx-2', amount: 10, at: new Date(T0).toISOString(), eventId: mug },
        ],
      });
      // The list shows it too (the same view).
      const list = (await t.api('GET', '/v1/orders?externalId=C-1', t.adminKey)).body;
      expect(list.items[0].captured.amount).toBe(130);
    });

    it('a running total (no captureId) shows as such; a capture id without its amount is refused at the door', async () => {
      const now = T0;
      t = await startShop(factory, () => now, [DC_TILBURG], { dc: [{ sku: 'TENT', onHand: 5 }, { sku: 'MUG', onHand: 5 }] });
      await t.send(placed('C-2'));
      await t.send(captured('C-2', { amount: 125 }));
      expect((await order('C-2')).captured).toEqual({ amount: 125, runningTotal: 125, captures: [] });

      const refused = await t.postEvents(captured('C-2', { captureId: 'tx-9' }));
      expect(refused.status).toBe(422);
      expect(refused.body.code).toBe('E_SCHEMA');
      expect(refused.body.errors).toEqual([expect.objectContaining({ path: 'payload.amount' })]);
    });

    it('the event catalog in the API document names captureId for payment.captured', async () => {
      t = await startShop(factory, () => T0, []);
      const doc = (await t.api('GET', '/openapi.json', null)).body;
      expect(doc['x-event-types']['payment.captured'].payload.properties.captureId).toMatchObject({ type: 'string' });
      expect(doc['x-event-types']['payment.authorized'].payload.properties.captureId).toBeUndefined();
    });
  });
}
