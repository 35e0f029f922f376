import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { envelope, startTestApp, type TestApp } from '../support/app.js';
import { DC_TILBURG, STORE_AMSTERDAM, webOrder } from '../support/shop.js';
import { orderIdFor } from '../../src/engine/orders/identity.js';
import { acceptTransfer, transferProposed } from '../replenishment/support.js';

// The backtest books a transfer received without a reported shipment as live does (transfers.ts):
// leaving its source at the receipt's `shippedAt` (docs/replenishment.md, "Transfers"). Here the last
// order's routing depends on it: the DC keeps the count's three tents only if the shipment is booked
// before that count; booked at the receipt, the replay would take the transfer off the DC again.
const at = (hhmm: string) => Date.parse(`2026-11-30T${hhmm}:00Z`);
const iso = (ms: number) => new Date(ms).toISOString();
const countAt = (locationId: string, takenMs: number, onHand: number) =>
  envelope({ type: 'inventory.snapshot', occurredAt: iso(takenMs), payload: { locationId, counts: [{ sku: 'TENT', onHand }] } });

for (const factory of storeFactories()) {
  describe(`backtest replays a transfer received with when it left: ${factory.name}`, () => {
    let t: TestApp;
    let now = at('07:00');
    afterEach(async () => t?.close());

    it('received with shippedAt before a count at its source: it leaves the source once, live and replayed', async () => {
      t = await startTestApp(factory, { clock: () => now, config: { dispatch: { batchSize: 256, maxAttempts: 3, backoffBaseMs: 5, backoffMaxMs: 20, idlePollMs: 10 }, availabilityIntervalMs: 60_000 } });
      for (const l of [DC_TILBURG, STORE_AMSTERDAM]) await t.send(envelope({ type: 'location.upserted', payload: l }));
      await t.send(countAt('store-ams', at('07:00'), 5));
      await t.send(countAt('dc', at('07:00'), 500));
      const { transferId, qty: q } = await acceptTransfer(t, await transferProposed(t, now, at('07:15'), (ms) => { now = ms; }));
      // Left the DC at 08:00, never reported; the DC's floor counted at 09:00: three tents.
      now = at('09:00');
      await t.send(countAt('dc', at('09:00'), 3));
      now = at('10:00');
      await t.send(envelope({ type: 'transfer.received', occurredAt: iso(at('10:00')), payload: { transferId, locationId: 'store-ams', shippedAt: iso(at('08:00')) } }));
      // The store's tents and two of the DC's three: taken off the DC twice, the DC would have none.
      now = at('10:30');
      await t.send(webOrder('W-1', [{ sku: 'TENT', qty: 5 + q + 2, unitPrice: 40 }]));
      const order = (await t.api('GET', `/v1/orders/${orderIdFor('web', 'W-1')}`, t.adminKey)).body;
      expect((order.fulfilments as Array<{ locationId: string }>).map((f) => f.locationId).sort()).toEqual(['dc', 'store-ams']);
      await t.drained();
      const r = await t.api('POST', '/v1/policies/sourcing/versions/1/simulate', await t.keyFor('operations_manager'), { from: iso(at('07:00')), to: iso(now) });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.reproduced).toEqual({ matched: 1, total: 1, mismatches: [] });
      expect(r.body.differences.decisions).toBe(0);
    }, 60_000);
  });
}
