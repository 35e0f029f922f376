import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { envelope, type TestApp } from '../support/app.js';
import { DC_TILBURG, STORE_AMSTERDAM, startShop } from '../support/shop.js';
import { orderIdFor } from '../../src/engine/orders/identity.js';

// 2026-11-30 09:00 UTC = 10:00 local (+60): before every cut-off.
const T0 = Date.parse('2026-11-30T09:00:00Z');

const order = (ext: string, qty: number) => envelope({
  type: 'order.placed',
  payload: {
    externalOrderId: ext, customer: { id: `c-${ext}`, email: 'kim@example.com' }, lines: [{ lineId: '1', sku: 'TENT', qty, unitPrice: 120 }], currency: 'EUR',
    shipping: { method: 'standard', address: { country: 'NL', postcode: '1011AB', lat: 52.37, lon: 4.9 } }, payment: { status: 'authorized', amount: 120 * qty },
  },
});
const countAtStore = (onHand: number) => envelope({ type: 'inventory.snapshot', payload: { locationId: 'store-ams', counts: [{ sku: 'TENT', onHand }] } });

for (const factory of storeFactories()) {
  describe(`a count or shrink finds the shelf short of what orders hold: ${factory.name}`, () => {
    let t: TestApp;
    let now = T0;
    afterEach(async () => t?.close());

    async function setup() {
      now = T0;
      t = await startShop(factory, () => now, [DC_TILBURG, STORE_AMSTERDAM], { dc: [{ sku: 'TENT', onHand: 20 }], 'store-ams': [{ sku: 'TENT', onHand: 5 }] });
    }
    const getOrder = async (ext: string) => (await t.api('GET', `/v1/orders/${orderIdFor('web', ext)}`, t.adminKey)).body;
    const locationsOf = async (ext: string) => (await getOrder(ext)).fulfilments.map((f: { locationId: string; state: string }) => `${f.locationId}:${f.state}`);
    const stockAt = async (locationId: string) =>
      t.app.store.read.get<{ on_hand: number; reserved: number }>(`SELECT on_hand, reserved FROM stock WHERE sku = 'TENT' AND location_id = ?`, [locationId]);
    const discrepancies = async () => (await t.app.store.read.all<{ subject: string; detail: string }>(
      `SELECT subject, detail FROM exceptions WHERE queue = 'reconciliation_discrepancy' AND state = 'open'`)).map((r) => ({ subject: r.subject, detail: JSON.parse(r.detail) }));
    const storeTold = async () => (await t.app.store.read.all<{ kind: string; payload: string }>(
      `SELECT kind, payload FROM outbox WHERE destination = 'location:store-ams' AND kind = 'fulfilment.cancelled' ORDER BY seq`)).map((r) => JSON.parse(r.payload).orderId);
    async function staff(fulfilmentId: string, action: string) {
      const r = await t.api('POST', `/v1/fulfilments/${fulfilmentId}/${action}`, await t.keyFor('store_manager'), {});
      await t.drained();
      return r;
    }

    it('the newest waiting order gives up the missing units and ships from elsewhere; the older one keeps its claim and nobody is asked', async () => {
      await setup();
      await t.send(order('S-1', 2));
      now = T0 + 60_000;
      await t.send(order('S-2', 2));
      expect([await locationsOf('S-1'), await locationsOf('S-2')]).toEqual([['store-ams:assigned'], ['store-ams:assigned']]);
      expect(await stockAt('store-ams')).toEqual({ on_hand: 5, reserved: 4 });

      now = T0 + 120_000;
      await t.send(countAtStore(2));
      await t.drained();
      expect(await locationsOf('S-1')).toEqual(['store-ams:assigned']);
      expect(await locationsOf('S-2')).toEqual(['store-ams:cancelled', 'dc:assigned']);
      const s2 = await getOrder('S-2');
      expect(s2.state).toBe('allocated');
      // Explained as any reroute: why, and the store left out for lack of stock (not as having failed the order).
      expect(s2.routing).toMatchObject({ why: 'reroute after store-ams stock_short', excluded: [{ locationId: 'store-ams', reasons: ['insufficient_stock'] }] });
      expect(await stockAt('store-ams')).toEqual({ on_hand: 2, reserved: 2 });
      expect(await stockAt('dc')).toEqual({ on_hand: 20, reserved: 2 });
      expect(await storeTold()).toEqual([orderIdFor('web', 'S-2')]);
      // Every missing unit found a home: nothing is left for inventory control to chase.
      expect(await discrepancies()).toEqual([]);
    });

    it('a picked order keeps its units; what no waiting order can give back stays with inventory control', async () => {
      await setup();
      await t.send(order('S-1', 2));
      now = T0 + 60_000;
      await t.send(order('S-2', 2));
      const picked = (await getOrder('S-1')).fulfilments[0].id;
      expect((await staff(picked, 'accept')).status).toBe(200);
      expect((await staff(picked, 'pick')).status).toBe(200);

      now = T0 + 120_000;
      await t.send(envelope({ type: 'inventory.adjusted', payload: { locationId: 'store-ams', sku: 'TENT', delta: -4, reason: 'shrink' } }));
      await t.drained();
      expect(await locationsOf('S-1')).toEqual(['store-ams:picked']);
      expect(await locationsOf('S-2')).toEqual(['store-ams:cancelled', 'dc:assigned']);
      expect(await stockAt('store-ams')).toEqual({ on_hand: 1, reserved: 2 });
      expect(await discrepancies()).toEqual([
        { subject: 'stock:TENT@store-ams', detail: expect.objectContaining({ kind: 'reserved_short', onHand: 1, reservedForOrders: 2, short: 1 }) },
      ]);
    });

    it('a click-and-collect order keeps its claim (it can only be collected there): its part goes to inventory control', async () => {
      await setup();
      await t.send(envelope({
        type: 'order.placed',
        payload: {
          externalOrderId: 'P-1', customer: { id: 'c-P-1', email: 'kim@example.com' }, lines: [{ lineId: '1', sku: 'TENT', qty: 2, unitPrice: 120 }], currency: 'EUR',
          shipping: { method: 'pickup', address: { country: 'NL' }, pickupLocationId: 'store-ams' }, payment: { status: 'authorized', amount: 240 },
        },
      }));
      now = T0 + 60_000;
      await t.send(order('S-2', 2));
      expect([await locationsOf('P-1'), await locationsOf('S-2')]).toEqual([['store-ams:assigned'], ['store-ams:assigned']]);
      now = T0 + 120_000;
      await t.send(countAtStore(1));
      await t.drained();
      expect(await locationsOf('P-1')).toEqual(['store-ams:assigned']);
      expect(await locationsOf('S-2')).toEqual(['store-ams:cancelled', 'dc:assigned']);
      expect(await discrepancies()).toEqual([
        { subject: 'stock:TENT@store-ams', detail: expect.objectContaining({ kind: 'reserved_short', onHand: 1, reservedForOrders: 2, short: 1 }) },
      ]);
    });

    it('a withdrawn order nobody else can serve waits as a backorder, and a late store report of its old fulfilment changes nothing', async () => {
      now = T0;
      t = await startShop(factory, () => now, [STORE_AMSTERDAM], { 'store-ams': [{ sku: 'TENT', onHand: 2 }] });
      await t.send(order('S-9', 2));
      const old = (await getOrder('S-9')).fulfilments[0].id;
      await t.send(countAtStore(0));
      await t.drained();
      expect((await getOrder('S-9')).state).toBe('backordered');
      expect(await stockAt('store-ams')).toEqual({ on_hand: 0, reserved: 0 });
      // The store had not seen the cancel yet and accepts: refused, nothing reserved again.
      expect((await staff(old, 'accept')).body.code).toBe('E_INVALID_STATE');
      expect(await stockAt('store-ams')).toEqual({ on_hand: 0, reserved: 0 });
      // The units turn up (counted again): the store was short, it did not fail the order, so the
      // backorder retry places the order there again.
      now = T0 + 120_000;
      await t.send(countAtStore(2));
      now = T0 + 200_000;
      await t.app.scheduler.tick();
      await t.drained();
      expect((await getOrder('S-9')).state).toBe('allocated');
      expect(await locationsOf('S-9')).toEqual(['store-ams:cancelled', 'store-ams:assigned']);
    });
  });
}
