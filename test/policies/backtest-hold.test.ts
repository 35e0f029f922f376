import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { startTestApp, envelope, type TestApp } from '../support/app.js';
import { orderIdFor } from '../../src/engine/orders/identity.js';

// A hand hold and its release in the replayed window (docs/policies.md, "Backtest").
const T0 = Date.parse('2026-11-30T09:00:00Z');
const LOCATIONS = [
  { id: 'dc', name: 'DC Tilburg', kind: 'dc', lat: 51.55, lon: 5.09, capabilities: ['ship'], dailyCapacity: 1000, cutoff: '22:00', utcOffsetMinutes: 60, acceptSlaMinutes: 60, shipSlaMinutes: 1440 },
  { id: 'store-ams', name: 'Store Amsterdam', kind: 'store', lat: 52.37, lon: 4.9, capabilities: ['ship', 'same_day', 'pickup'], dailyCapacity: 100, cutoff: '16:00', utcOffsetMinutes: 60, acceptSlaMinutes: 30, shipSlaMinutes: 480 },
];

function order(ext: string, lines: Array<{ lineId: string; sku: string; qty: number }>) {
  return envelope({
    type: 'order.placed',
    payload: {
      externalOrderId: ext, customer: { id: `c-${ext}`, email: 'kim@example.com' }, lines: lines.map((l) => ({ ...l, unitPrice: 40 })), currency: 'EUR',
      shipping: { method: 'standard', address: { country: 'NL', postcode: '1011AB', lat: 52.37, lon: 4.9 } }, payment: { status: 'authorized', amount: 40 * lines.length },
    },
  });
}

for (const factory of storeFactories()) {
  describe(`backtest of held and released orders: ${factory.name}`, () => {
    let t: TestApp;
    let now = T0;
    afterEach(async () => t?.close());

    async function setup() {
      now = T0;
      t = await startTestApp(factory, { clock: () => now, config: { dispatch: { batchSize: 256, maxAttempts: 5, backoffBaseMs: 5, backoffMaxMs: 20, idlePollMs: 10 } } });
      for (const l of LOCATIONS) await t.send(envelope({ type: 'location.upserted', payload: l }));
    }
    const get = async (ext: string) => (await t.api('GET', `/v1/orders/${orderIdFor('web', ext)}`, t.adminKey)).body;
    const at = (ms: number) => new Date(ms).toISOString();

    it("a held order's units are free for a later order in the replay; its release is re-decided and reproduced with the active policy", async () => {
      await setup();
      await t.send(envelope({ type: 'inventory.snapshot', payload: { locationId: 'dc', counts: [{ sku: 'TENT', onHand: 1 }] } }));
      const from = now;
      now += 60_000;
      await t.send(order('h1', [{ lineId: '1', sku: 'TENT', qty: 1 }]));
      expect((await get('h1')).state).toBe('allocated');
      now += 60_000;
      expect((await t.api('POST', `/v1/orders/${orderIdFor('web', 'h1')}/hold`, t.adminKey, { reason: 'customer changes the address' })).status).toBe(200);
      // The hold gave the tent back: the next order takes it live, and must in the replay.
      now += 60_000;
      await t.send(order('h2', [{ lineId: '1', sku: 'TENT', qty: 1 }]));
      expect((await get('h2')).fulfilments.map((f: { locationId: string }) => f.locationId)).toEqual(['dc']);
      now += 60_000;
      await t.send(envelope({ type: 'inventory.snapshot', payload: { locationId: 'dc', counts: [{ sku: 'TENT', onHand: 2 }] } }));
      now += 60_000;
      expect((await t.api('POST', `/v1/orders/${orderIdFor('web', 'h1')}/release`, t.adminKey, { note: 'fixed' })).status).toBe(200);
      expect((await get('h1')).state).toBe('allocated');
      const to = now;

      // What the commands caused (decided events) processed too: the replay reads only processed events.
      await t.drained();
      const manager = await t.keyFor('operations_manager');
      const same = await t.api('POST', '/v1/policies/sourcing/versions/1/simulate', manager, { from: at(from), to: at(to) });
      expect(same.status, JSON.stringify(same.body)).toBe(200);
      expect(same.body.reproduced.mismatches).toEqual([]);
      expect(same.body.reproduced).toMatchObject({ matched: 3, total: 3 }); // h1 placed, h2 placed, h1 released
      expect(same.body.decisionsCompared).toBe(3);
      expect(same.body.differences.decisions).toBe(0);

      // Only captured payments accepted: the release would have held h1 for payment, not routed it.
      const v1 = (await t.api('GET', '/v1/policies/orders/versions/1', manager)).body.body;
      const draft = await t.api('POST', '/v1/policies/orders/versions', manager, { body: { ...v1, payment: { ...v1.payment, acceptedStatuses: ['captured'] } } });
      expect(draft.status, JSON.stringify(draft.body)).toBe(201);
      const changed = await t.api('POST', `/v1/policies/orders/versions/${draft.body.version}/simulate`, manager, { from: at(from), to: at(to) });
      expect(changed.body.reproduced.matched).toBe(3);
      const release = changed.body.orders.find((o: { eventType: string }) => o.eventType === 'order.release_requested');
      expect(release).toMatchObject({ orderId: orderIdFor('web', 'h1'), recorded: { validation: 'validated', routing: { outcome: 'allocated', locations: ['dc'] } }, candidate: { validation: 'held:payment', routing: null } });
    }, 60_000);

    it('a release routes only what did not go out before the hold: the shipped line is not placed again in the replay', async () => {
      await setup();
      await t.send(envelope({ type: 'inventory.snapshot', payload: { locationId: 'dc', counts: [{ sku: 'TENT', onHand: 1 }, { sku: 'MAT', onHand: 0 }] } }));
      await t.send(envelope({ type: 'inventory.snapshot', payload: { locationId: 'store-ams', counts: [{ sku: 'MAT', onHand: 1 }] } }));
      const from = now;
      now += 60_000;
      await t.send(order('s1', [{ lineId: '1', sku: 'TENT', qty: 1 }, { lineId: '2', sku: 'MAT', qty: 1 }]));
      const split = (await get('s1')).fulfilments as Array<{ id: string; locationId: string }>;
      expect(split.map((f) => f.locationId).sort()).toEqual(['dc', 'store-ams']);
      now += 60_000;
      await t.send(envelope({ type: 'fulfilment.shipped', payload: { fulfilmentId: split.find((f) => f.locationId === 'dc')!.id } }));
      now += 60_000;
      expect((await t.api('POST', `/v1/orders/${orderIdFor('web', 's1')}/hold`, t.adminKey, { reason: 'look' })).status).toBe(200);
      now += 60_000;
      expect((await t.api('POST', `/v1/orders/${orderIdFor('web', 's1')}/release`, t.adminKey, {})).status).toBe(200);
      // Live: only the mat is routed again, back to the store (the dc has no tent left either way).
      const routed = (await get('s1')).routingHistory.at(-1);
      expect(routed.why).toMatch(/hold released/);

      await t.drained();
      const same = await t.api('POST', '/v1/policies/sourcing/versions/1/simulate', await t.keyFor('operations_manager'), { from: at(from), to: at(now) });
      expect(same.status, JSON.stringify(same.body)).toBe(200);
      expect(same.body.reproduced.mismatches).toEqual([]);
      expect(same.body.reproduced).toMatchObject({ matched: 2, total: 2 });
    }, 60_000);

    it("a hold gives its fulfilment's place of the day's capacity back in the replay, as live", async () => {
      await setup();
      // A DC that ships one parcel a day: the hold frees today's place for the next order.
      await t.send(envelope({ type: 'location.upserted', payload: { ...LOCATIONS[0], dailyCapacity: 1 } }));
      await t.send(envelope({ type: 'inventory.snapshot', payload: { locationId: 'dc', counts: [{ sku: 'TENT', onHand: 2 }] } }));
      const from = now;
      now += 60_000;
      await t.send(order('c1', [{ lineId: '1', sku: 'TENT', qty: 1 }]));
      now += 60_000;
      expect((await t.api('POST', `/v1/orders/${orderIdFor('web', 'c1')}/hold`, t.adminKey, { reason: 'look' })).status).toBe(200);
      now += 60_000;
      await t.send(order('c2', [{ lineId: '1', sku: 'TENT', qty: 1 }]));
      expect([(await get('c2')).state, (await get('c2')).fulfilments.map((f: { locationId: string }) => f.locationId)]).toEqual(['allocated', ['dc']]);

      await t.drained();
      const same = await t.api('POST', '/v1/policies/sourcing/versions/1/simulate', await t.keyFor('operations_manager'), { from: at(from), to: at(now) });
      expect(same.status, JSON.stringify(same.body)).toBe(200);
      expect(same.body.reproduced.mismatches).toEqual([]);
      expect(same.body.reproduced).toMatchObject({ matched: 2, total: 2 });
    }, 60_000);
  });
}
