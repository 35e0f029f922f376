import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { startTestApp, envelope, type TestApp } from '../support/app.js';
import { orderIdFor } from '../../src/engine/orders/identity.js';

const T0 = Date.parse('2026-11-30T09:00:00Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const STORE = { id: 'store-ams', name: 'Store Amsterdam', kind: 'store', lat: 52.37, lon: 4.9, capabilities: ['ship', 'same_day', 'pickup'], dailyCapacity: 100, cutoff: '16:00', utcOffsetMinutes: 60, acceptSlaMinutes: 30, shipSlaMinutes: 480 };

const order = (ext: string) => envelope({
  type: 'order.placed',
  payload: {
    externalOrderId: ext, customer: { id: `c-${ext}`, email: 'kim@example.com' }, lines: [{ lineId: '1', sku: 'TENT', qty: 1, unitPrice: 40 }], currency: 'EUR',
    shipping: { method: 'standard', address: { country: 'NL', postcode: '1011AB', lat: 52.37, lon: 4.9 } }, payment: { status: 'authorized', amount: 40 },
  },
});

for (const factory of storeFactories()) {
  describe(`backtest: a store that rejected with a reason code, or had units put on its shelf, comes back in the replay as it did live: ${factory.name}`, () => {
    let t: TestApp;
    let now = T0;
    afterEach(async () => t?.close());

    async function send(e: Record<string, unknown>) {
      const r = await t.postEvents(e);
      expect([200, 202], JSON.stringify(r.body)).toContain(r.status);
      await t.drained();
    }

    /**
     * The only store with the tent rejects r1 (`rejection` payload), its payment fails, `between` is
     * sent, and a capture routes the order again at `capturedAt`: back at the store, live. The replay
     * with the live version must decide the same three decisions (placed, failed, captured).
     */
    async function replayed(rejection: Record<string, unknown>, between: Array<Record<string, unknown>>, capturedAt: (rejectedAt: number) => number) {
      now = T0;
      t = await startTestApp(factory, { clock: () => now, config: { dispatch: { batchSize: 256, maxAttempts: 5, backoffBaseMs: 5, backoffMaxMs: 20, idlePollMs: 10 } } });
      await send(envelope({ type: 'location.upserted', payload: STORE }));
      await send(envelope({ type: 'inventory.snapshot', payload: { locationId: 'store-ams', counts: [{ sku: 'TENT', onHand: 1 }] } }));
      const from = now;
      now += MINUTE;
      await send(order('r1'));
      const id = orderIdFor('web', 'r1');
      const routed = (await t.api('GET', `/v1/orders/${id}`, t.adminKey)).body;
      now += MINUTE;
      const rejectedAt = now;
      await send(envelope({ type: 'fulfilment.rejected', payload: { fulfilmentId: routed.fulfilments[0].id, ...rejection } }));
      now += MINUTE;
      await send(envelope({ type: 'payment.failed', payload: { externalOrderId: 'r1' } }));
      for (const e of between) {
        now += MINUTE;
        await send(e);
      }
      now = capturedAt(rejectedAt);
      await send(envelope({ type: 'payment.captured', payload: { externalOrderId: 'r1', amount: 40 } }));
      const live = (await t.api('GET', `/v1/orders/${id}`, t.adminKey)).body;
      expect(live.state).toBe('allocated');
      expect(live.fulfilments.filter((f: { state: string }) => f.state === 'assigned').map((f: { locationId: string }) => f.locationId)).toEqual(['store-ams']);

      const manager = await t.keyFor('operations_manager');
      const same = await t.api('POST', '/v1/policies/sourcing/versions/1/simulate', manager, { from, to: new Date(now).toISOString() });
      expect(same.status, JSON.stringify(same.body)).toBe(200);
      return same.body;
    }

    it('no_staff: the capture 24 h after the rejection routes the order back to the store, live and in the replay', async () => {
      const report = await replayed({ reasonCode: 'no_staff' }, [], (rejectedAt) => rejectedAt + 24 * HOUR);
      expect(report.reproduced.mismatches).toEqual([]);
      expect(report.reproduced).toMatchObject({ matched: 3, total: 3 });
    }, 60_000);

    it('units put on the shelf after the rejection (inventory.adjusted +1): the capture routes the order back, live and in the replay', async () => {
      const adjusted = envelope({ type: 'inventory.adjusted', payload: { locationId: 'store-ams', sku: 'TENT', delta: 1, reason: 'correction' } });
      const report = await replayed({ reason: 'not found' }, [adjusted], () => now + MINUTE);
      expect(report.reproduced.mismatches).toEqual([]);
      expect(report.reproduced).toMatchObject({ matched: 3, total: 3 });
    }, 60_000);
  });
}
