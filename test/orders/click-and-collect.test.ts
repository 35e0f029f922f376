import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { envelope, type TestApp } from '../support/app.js';
import { DC_TILBURG, STORE_AMSTERDAM, startShop } from '../support/shop.js';
import { orderIdFor } from '../../src/engine/orders/identity.js';

// 2026-11-30 09:00 UTC = 10:00 local (+60): before every cut-off.
const T0 = Date.parse('2026-11-30T09:00:00Z');
const LOCATIONS = [DC_TILBURG, STORE_AMSTERDAM];

function order(ext: string, method: 'pickup' | 'standard') {
  return envelope({
    type: 'order.placed',
    payload: {
      externalOrderId: ext, customer: { id: `c-${ext}`, email: 'kim@example.com' }, lines: [{ lineId: '1', sku: 'TENT', qty: 2, unitPrice: 120 }], currency: 'EUR',
      shipping: { method, address: { country: 'NL', postcode: '1011AB', lat: 52.37, lon: 4.9 }, ...(method === 'pickup' ? { pickupLocationId: 'store-ams' } : {}) },
      payment: { status: 'authorized', amount: 240 },
    },
  });
}

for (const factory of storeFactories()) {
  describe(`click and collect: ${factory.name}`, () => {
    let t: TestApp;
    let now = T0;
    afterEach(async () => t?.close());

    async function setup() {
      now = T0;
      t = await startShop(factory, () => now, LOCATIONS, { 'store-ams': [{ sku: 'TENT', onHand: 5 }] });
    }
    const getOrder = async (ext: string) => (await t.api('GET', `/v1/orders/${orderIdFor('web', ext)}`, t.adminKey)).body;
    const stockAt = async (locationId: string) =>
      t.app.store.read.get<{ on_hand: number; reserved: number }>(`SELECT on_hand, reserved FROM stock WHERE sku = 'TENT' AND location_id = ?`, [locationId]);
    const messages = async (ext: string) => (await t.app.store.read.all<{ payload: string }>(
      `SELECT payload FROM outbox WHERE destination = 'notify:email' AND payload LIKE ? ORDER BY seq`, [`%${orderIdFor('web', ext)}%`],
    )).map((r) => JSON.parse(r.payload) as { templateId: string; facts: Record<string, unknown> });
    async function staff(fulfilmentId: string, action: string) {
      const r = await t.api('POST', `/v1/fulfilments/${fulfilmentId}/${action}`, await t.keyFor('store_manager'), {});
      await t.drained();
      return r;
    }

    it('picked at the store, the customer is told it is ready; collected, it is delivered, the units leave the shelf, and a return is taken in', async () => {
      await setup();
      await t.send(order('C-1', 'pickup'));
      const f = (await getOrder('C-1')).fulfilments[0];
      expect([f.locationId, await stockAt('store-ams')]).toEqual(['store-ams', { on_hand: 5, reserved: 2 }]);
      expect((await staff(f.id, 'accept')).status).toBe(200);
      expect((await staff(f.id, 'pick')).status).toBe(200);
      const ready = (await messages('C-1')).filter((m) => m.templateId === 'order_ready_for_pickup');
      expect(ready).toEqual([expect.objectContaining({ facts: expect.objectContaining({ pickupLocationId: 'store-ams', state: 'ready_for_pickup' }) })]);

      const collected = await staff(f.id, 'collect');
      expect([collected.status, collected.body.state]).toEqual([200, 'delivered']);
      const o = await getOrder('C-1');
      expect(o.state).toBe('delivered');
      expect(o.history.map((x: { to: string }) => x.to).slice(-2)).toEqual(['in_fulfilment', 'delivered']);
      expect(await stockAt('store-ams')).toEqual({ on_hand: 3, reserved: 0 });
      expect((await messages('C-1')).map((m) => m.templateId)).toEqual(['order_confirmed', 'order_ready_for_pickup', 'order_delivered']);
      // Collected twice (the desk clicks again): refused, nothing taken twice.
      expect((await staff(f.id, 'collect')).body.code).toBe('E_INVALID_STATE');

      await t.send(envelope({ type: 'return.requested', payload: { externalOrderId: 'C-1', externalReturnId: 'RC-1', lines: [{ lineId: '1', qty: 1 }], reason: 'too small' } }));
      const cases = (await t.api('GET', `/v1/returns?orderId=${o.id}`, t.adminKey)).body.items;
      expect(cases.map((c: { state: string }) => c.state)).not.toContain('rejected');
      expect(await stockAt('store-ams')).toEqual({ on_hand: 3, reserved: 0 });
    });

    it('collected before anyone accepted it (the customer is at the desk): delivered at once, the units taken once, a late carrier report changes nothing', async () => {
      await setup();
      await t.send(order('C-2', 'pickup'));
      const f = (await getOrder('C-2')).fulfilments[0];
      expect((await staff(f.id, 'collect')).body.state).toBe('delivered');
      expect((await getOrder('C-2')).state).toBe('delivered');
      expect(await stockAt('store-ams')).toEqual({ on_hand: 3, reserved: 0 });
      await t.send(envelope({ type: 'shipment.delivered', payload: { fulfilmentId: f.id } }));
      await t.send(envelope({ type: 'fulfilment.collected', payload: { fulfilmentId: f.id } }));
      expect(await stockAt('store-ams')).toEqual({ on_hand: 3, reserved: 0 });
    });

    it('not collected within the window the orders policy sets: cancelled, the units back on the shelf, the customer told; one collected in time is left alone', async () => {
      await setup();
      await t.send(order('C-3', 'pickup'));
      await t.send(order('C-4', 'pickup'));
      const [f3, f4] = [(await getOrder('C-3')).fulfilments[0], (await getOrder('C-4')).fulfilments[0]];
      for (const f of [f3, f4]) for (const step of ['accept', 'pick']) await staff(f.id, step);
      const ready = (await messages('C-3')).find((m) => m.templateId === 'order_ready_for_pickup');
      expect(ready?.facts.collectBy).toBe(new Date(T0 + 7 * 86_400_000).toISOString()); // default holdDays 7
      expect(await stockAt('store-ams')).toEqual({ on_hand: 5, reserved: 4 });

      now += 6 * 86_400_000; // a day left: nothing happens yet
      await t.app.scheduler.tick();
      await t.drained();
      expect((await getOrder('C-3')).state).toBe('in_fulfilment');
      await staff(f4.id, 'collect');

      now += 86_400_000 + 60_000;
      await t.app.scheduler.tick();
      await t.drained();
      const o = await getOrder('C-3');
      expect([o.state, o.fulfilments[0].state]).toEqual(['cancelled', 'cancelled']);
      expect(o.history.at(-1).note).toMatch(/^not collected at store-ams by /);
      expect((await getOrder('C-4')).state).toBe('delivered');
      expect(await stockAt('store-ams')).toEqual({ on_hand: 3, reserved: 0 }); // C-4's two left, C-3's two back on the shelf
      expect((await messages('C-3')).map((m) => m.templateId)).toEqual(['order_confirmed', 'order_ready_for_pickup', 'order_cancelled']);
      const audit = await t.app.store.read.all<{ action: string }>(`SELECT action FROM audit WHERE action = 'order.uncollected'`);
      expect(audit).toHaveLength(1);
    });

    it('an order that ships is not collected: the staff are refused and a channel report is only noted', async () => {
      await setup();
      await t.send(order('S-1', 'standard'));
      const f = (await getOrder('S-1')).fulfilments[0];
      const r = await staff(f.id, 'collect');
      expect([r.status, r.body.code]).toEqual([409, 'E_INVALID_STATE']);
      await t.send(envelope({ type: 'fulfilment.collected', payload: { fulfilmentId: f.id } }));
      const o = await getOrder('S-1');
      expect([o.state, o.fulfilments[0].state]).toEqual(['allocated', 'assigned']);
      expect(o.history.at(-1).note).toMatch(/fulfilment.collected ignored: order ships/);
      expect(await stockAt('store-ams')).toEqual({ on_hand: 5, reserved: 2 });
    });

    it('orders placed in the same millisecond are all listed, page by page (the cursor is time and id)', async () => {
      await setup();
      // The clock stands still: every order is placed at the same millisecond, as a dispatch batch's are.
      for (let i = 1; i <= 5; i++) await t.send(order(`P-${i}`, 'pickup'));
      const seen: string[] = [];
      let before: string | null = null;
      for (let page = 0; page < 5; page++) {
        const r = await t.api('GET', `/v1/orders?limit=2${before ? `&before=${encodeURIComponent(before)}` : ''}`, t.adminKey);
        expect(r.status, JSON.stringify(r.body)).toBe(200);
        seen.push(...r.body.items.map((o: { externalOrderId: string }) => o.externalOrderId));
        before = r.body.next;
        if (!before) break;
      }
      expect(seen.sort()).toEqual(['P-1', 'P-2', 'P-3', 'P-4', 'P-5']);
      // A time alone still pages (rows strictly older); anything else is refused.
      expect((await t.api('GET', `/v1/orders?before=${T0 + 1}`, t.adminKey)).body.items).toHaveLength(5);
      const bad = await t.api('GET', '/v1/orders?before=yesterday', t.adminKey);
      expect([bad.status, bad.body.code]).toEqual([422, 'E_SCHEMA']);
    });

    it('a carrier delivery reported without the shipment before it still takes the units off the shelf, once', async () => {
      await setup();
      await t.send(order('S-2', 'standard'));
      const f = (await getOrder('S-2')).fulfilments[0];
      await staff(f.id, 'accept');
      await t.send(envelope({ type: 'shipment.delivered', payload: { fulfilmentId: f.id } }));
      expect((await getOrder('S-2')).state).toBe('delivered');
      expect(await stockAt('store-ams')).toEqual({ on_hand: 3, reserved: 0 });
      await t.send(envelope({ type: 'fulfilment.shipped', payload: { fulfilmentId: f.id, carrier: 'postnl' } })); // late
      expect(await stockAt('store-ams')).toEqual({ on_hand: 3, reserved: 0 });
    });
  });
}
