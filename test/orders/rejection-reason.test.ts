import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { envelope, type TestApp } from '../support/app.js';
import { STORE_AMSTERDAM, startShop, webOrder } from '../support/shop.js';
import { orderIdFor } from '../../src/engine/orders/identity.js';

// 2026-11-30 09:00 UTC = 10:00 local (+60): before the store's cut-off.
const T0 = Date.parse('2026-11-30T09:00:00Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

for (const factory of storeFactories()) {
  describe(`a rejection's reason code decides when the store is asked again: ${factory.name}`, () => {
    let t: TestApp;
    let now = T0;
    afterEach(async () => t?.close());

    const getOrder = async (ext: string) => (await t.api('GET', `/v1/orders/${orderIdFor('web', ext)}`, t.adminKey)).body;
    const locationsOf = async (ext: string) => (await getOrder(ext)).fulfilments.map((f: { locationId: string; state: string }) => `${f.locationId}:${f.state}`);
    /** The backorder retry's tick at `at` (the scheduler runs every job due then). */
    async function retryAt(at: number) {
      now = at;
      await t.app.scheduler.tick();
      await t.drained();
    }
    const rejectedEvents = async () =>
      Number((await t.app.store.read.get<{ n: number | string }>(`SELECT COUNT(*) AS n FROM events WHERE type = 'fulfilment.rejected'`))?.n);

    /** The only store that stocks TENT rejects R-1 at T0 + 1 min with this body: backordered. */
    async function rejectedAtTheOnlyStore(body: Record<string, unknown>) {
      now = T0;
      t = await startShop(factory, () => now, [STORE_AMSTERDAM], { 'store-ams': [{ sku: 'TENT', onHand: 5 }] });
      await t.send(webOrder('R-1', [{ sku: 'TENT', qty: 2, unitPrice: 120 }]));
      now = T0 + MINUTE;
      const r = await t.api('POST', `/v1/fulfilments/${(await getOrder('R-1')).fulfilments[0].id}/reject`, await t.keyFor('store_manager'), body);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      await t.drained();
      const o = await getOrder('R-1');
      expect(o.state).toBe('backordered');
      expect(o.excludedLocations).toEqual(['store-ams']);
      return T0 + MINUTE;
    }

    it('no_staff: left out until the sourcing policy\'s hours (default 24), then the backorder retry places the order back there, saying why', async () => {
      const rejectedAt = await rejectedAtTheOnlyStore({ reasonCode: 'no_staff', reason: 'two off sick' });
      const backFrom = rejectedAt + 24 * HOUR;
      expect((await getOrder('R-1')).failedLocations).toEqual([{
        locationId: 'store-ams', failure: 'rejected', reasonCode: 'no_staff', failedAt: new Date(rejectedAt).toISOString(), skus: ['TENT'], back: false,
        why: `the rejection (no_staff) was not about its stock: asked again from ${new Date(backFrom).toISOString()}, 24 h after it (reroute.retryNonStockRejectionAfterHours)`,
      }]);

      // A minute before the hours are up: still left out, never counted or received meanwhile.
      await retryAt(backFrom - MINUTE);
      expect((await getOrder('R-1')).state).toBe('backordered');

      await retryAt(backFrom);
      const back = await getOrder('R-1');
      expect(back.state).toBe('allocated');
      expect(await locationsOf('R-1')).toEqual(['store-ams:rejected', 'store-ams:assigned']);
      const why = '24 h since the rejection (no_staff), not about its stock (reroute.retryNonStockRejectionAfterHours)';
      expect(back.routing.candidates).toEqual([expect.objectContaining({
        locationId: 'store-ams', failed: { failure: 'rejected', reasonCode: 'no_staff', failedAt: rejectedAt, back: true, why },
      })]);
      expect(back.excludedLocations).toEqual([]);
      expect(back.failedLocations).toEqual([expect.objectContaining({ reasonCode: 'no_staff', back: true, why })]);
    });

    it('out_of_stock (and a rejection without a code) waits for its stock to be known again, however long', async () => {
      const rejectedAt = await rejectedAtTheOnlyStore({ reasonCode: 'out_of_stock' });
      await retryAt(rejectedAt + 72 * HOUR);
      const waiting = await getOrder('R-1');
      expect(waiting.state).toBe('backordered');
      expect(waiting.failedLocations).toEqual([expect.objectContaining({ reasonCode: 'out_of_stock', back: false, why: 'TENT not counted or received since the rejection (out_of_stock)' })]);
      await t.close();

      await rejectedAtTheOnlyStore({ reason: 'not on the shelf' });
      await retryAt(rejectedAt + 72 * HOUR);
      const noCode = await getOrder('R-1');
      expect(noCode.state).toBe('backordered');
      expect(noCode.failedLocations).toEqual([{
        locationId: 'store-ams', failure: 'rejected', failedAt: new Date(rejectedAt).toISOString(), skus: ['TENT'], back: false, why: 'TENT not counted or received since the rejection',
      }]);
    });

    it('an unknown code is 422 E_SCHEMA naming reasonCode, at the worklist and at intake; a code on another action too; nothing changes', async () => {
      now = T0;
      t = await startShop(factory, () => now, [STORE_AMSTERDAM], { 'store-ams': [{ sku: 'TENT', onHand: 5 }] });
      await t.send(webOrder('R-1', [{ sku: 'TENT', qty: 2, unitPrice: 120 }]));
      const fulfilmentId = (await getOrder('R-1')).fulfilments[0].id;
      const staff = await t.keyFor('store_manager');

      const unknown = await t.api('POST', `/v1/fulfilments/${fulfilmentId}/reject`, staff, { reasonCode: 'sick', reason: 'flu' });
      expect(unknown.status).toBe(422);
      expect(unknown.body).toMatchObject({ code: 'E_SCHEMA', errors: [expect.objectContaining({ path: 'reasonCode' })] });
      const onAccept = await t.api('POST', `/v1/fulfilments/${fulfilmentId}/accept`, staff, { reasonCode: 'no_staff' });
      expect(onAccept.status).toBe(422);
      expect(onAccept.body).toMatchObject({ code: 'E_SCHEMA', errors: [{ path: 'reasonCode', message: 'only with reject' }] });
      const sent = await t.postEvents(envelope({ type: 'fulfilment.rejected', payload: { fulfilmentId, reasonCode: 'sick' } }));
      expect(sent.status).toBe(422);
      expect(sent.body).toMatchObject({ code: 'E_SCHEMA', errors: [expect.objectContaining({ path: 'payload.reasonCode' })] });

      await t.drained();
      expect(await rejectedEvents()).toBe(0);
      expect(await locationsOf('R-1')).toEqual(['store-ams:assigned']);
      expect((await getOrder('R-1')).state).toBe('allocated');
    });

    it('a code sent by a channel (fulfilment.rejected through intake) is kept on the order as from the worklist', async () => {
      now = T0;
      t = await startShop(factory, () => now, [STORE_AMSTERDAM], { 'store-ams': [{ sku: 'TENT', onHand: 5 }] });
      await t.send(webOrder('R-1', [{ sku: 'TENT', qty: 2, unitPrice: 120 }]));
      now = T0 + MINUTE;
      await t.send(envelope({ type: 'fulfilment.rejected', payload: { fulfilmentId: (await getOrder('R-1')).fulfilments[0].id, reasonCode: 'closed', reason: 'power cut' } }));
      await t.drained();
      expect((await getOrder('R-1')).failedLocations).toEqual([expect.objectContaining({ reasonCode: 'closed', back: false })]);
      await retryAt(T0 + MINUTE + 24 * HOUR);
      expect((await getOrder('R-1')).state).toBe('allocated');
    });
  });

  describe(`units put on the shelf (a positive inventory.adjusted) bring a store that failed an order back; a loss does not: ${factory.name}`, () => {
    let t: TestApp;
    let now = T0;
    afterEach(async () => t?.close());

    const getOrder = async (ext: string) => (await t.api('GET', `/v1/orders/${orderIdFor('web', ext)}`, t.adminKey)).body;
    const adjust = (delta: number, reason: string, occurredAt: number) =>
      envelope({ type: 'inventory.adjusted', occurredAt: new Date(occurredAt).toISOString(), payload: { locationId: 'store-ams', sku: 'TENT', delta, reason } });
    async function retry() {
      now += MINUTE;
      await t.app.scheduler.tick();
      await t.drained();
    }

    it('a shrink, and units added before the rejection but booked after it, leave it out; units added after it bring the backorder back', async () => {
      now = T0;
      t = await startShop(factory, () => now, [STORE_AMSTERDAM], { 'store-ams': [{ sku: 'TENT', onHand: 5 }] });
      await t.send(webOrder('R-1', [{ sku: 'TENT', qty: 2, unitPrice: 120 }]));
      now = T0 + MINUTE;
      const r = await t.api('POST', `/v1/fulfilments/${(await getOrder('R-1')).fulfilments[0].id}/reject`, await t.keyFor('store_manager'), {});
      expect(r.status).toBe(200);
      await t.drained();
      const rejectedAt = now;
      expect((await getOrder('R-1')).state).toBe('backordered');

      // A loss found after the rejection: the record was too high, nothing more is known of the shelf.
      now += MINUTE;
      await t.send(adjust(-1, 'shrink', now));
      await retry();
      expect((await getOrder('R-1')).state).toBe('backordered');
      // Units put back half a minute before the rejection, booked only now: the store rejected after them.
      now += MINUTE;
      await t.send(adjust(2, 'correction', rejectedAt - 30_000));
      await retry();
      expect((await getOrder('R-1')).failedLocations).toEqual([expect.objectContaining({ back: false, why: 'TENT not counted or received since the rejection' })]);

      // Units found and put on the shelf after the rejection: someone had them in hand there.
      now += MINUTE;
      await t.send(adjust(3, 'correction', now));
      await retry();
      const back = await getOrder('R-1');
      expect(back.state).toBe('allocated');
      expect(back.fulfilments.map((f: { locationId: string; state: string }) => `${f.locationId}:${f.state}`)).toEqual(['store-ams:rejected', 'store-ams:assigned']);
      expect(back.failedLocations).toEqual([expect.objectContaining({ back: true, why: 'received since the rejection' })]);
    });
  });
}
