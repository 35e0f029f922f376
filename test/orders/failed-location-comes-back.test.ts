import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { envelope, type TestApp } from '../support/app.js';
import { DC_TILBURG, STORE_AMSTERDAM, startShop, webOrder } from '../support/shop.js';
import { orderIdFor } from '../../src/engine/orders/identity.js';

// 2026-11-30 09:00 UTC = 10:00 local (+60): before the store's cut-off.
const T0 = Date.parse('2026-11-30T09:00:00Z');
const MINUTE = 60_000;


/** A count at the store, taken at `takenMs` (the handheld's time). */
const countAtStore = (onHand: number, takenMs: number) =>
  envelope({ type: 'inventory.snapshot', occurredAt: new Date(takenMs).toISOString(), payload: { locationId: 'store-ams', counts: [{ sku: 'TENT', onHand }] } });

for (const factory of storeFactories()) {
  describe(`a store that rejected an order is asked again once its stock is counted or received: ${factory.name}`, () => {
    let t: TestApp;
    let now = T0;
    afterEach(async () => t?.close());

    const getOrder = async (ext: string) => (await t.api('GET', `/v1/orders/${orderIdFor('web', ext)}`, t.adminKey)).body;
    const locationsOf = async (ext: string) => (await getOrder(ext)).fulfilments.map((f: { locationId: string; state: string }) => `${f.locationId}:${f.state}`);
    async function staff(fulfilmentId: string, action: string) {
      const r = await t.api('POST', `/v1/fulfilments/${fulfilmentId}/${action}`, await t.keyFor('store_manager'), {});
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      await t.drained();
    }
    /** The backorder retry's next tick, a minute on. */
    async function retry() {
      now += MINUTE;
      await t.app.scheduler.tick();
      await t.drained();
    }

    /** The only store that stocks TENT (its record says 5) rejects the order at T0 + 1 min: backordered. */
    async function rejectedAtTheOnlyStore() {
      now = T0;
      t = await startShop(factory, () => now, [STORE_AMSTERDAM], { 'store-ams': [{ sku: 'TENT', onHand: 5 }] });
      await t.send(webOrder('R-1', [{ sku: 'TENT', qty: 2, unitPrice: 120 }]));
      expect(await locationsOf('R-1')).toEqual(['store-ams:assigned']);
      now = T0 + MINUTE;
      await staff((await getOrder('R-1')).fulfilments[0].id, 'reject');
      const o = await getOrder('R-1');
      expect(o.state).toBe('backordered');
      expect(o.excludedLocations).toEqual(['store-ams']);
      return T0 + MINUTE;
    }

    it('without a count it stays excluded, also while other orders ship from there; a count after the rejection brings the backorder back', async () => {
      const rejectedAt = await rejectedAtTheOnlyStore();
      await retry();
      expect((await getOrder('R-1')).state).toBe('backordered');

      // The store's stock moves (another order ships from its record): that is no look at the shelf.
      await t.send(webOrder('R-2', [{ sku: 'TENT', qty: 1, unitPrice: 120 }]));
      const other = (await getOrder('R-2')).fulfilments[0].id;
      for (const step of ['accept', 'pick', 'ship']) await staff(other, step);
      await retry();
      const waiting = await getOrder('R-1');
      expect(waiting.state).toBe('backordered');
      expect(waiting.excludedLocations).toEqual(['store-ams']);
      expect(waiting.failedLocations).toEqual([{
        locationId: 'store-ams', failure: 'rejected', failedAt: new Date(rejectedAt).toISOString(), skus: ['TENT'], back: false,
        why: 'TENT not counted or received since the rejection',
      }]);

      // Counted after the rejection: the next retry routes the order back to the store.
      now += MINUTE;
      await t.send(countAtStore(4, now));
      await retry();
      const back = await getOrder('R-1');
      expect(back.state).toBe('allocated');
      expect(await locationsOf('R-1')).toEqual(['store-ams:rejected', 'store-ams:assigned']);
      expect(back.routing.why).toBe('stock is back');
      expect(back.routing.candidates).toEqual([expect.objectContaining({
        locationId: 'store-ams', failed: { failure: 'rejected', failedAt: rejectedAt, back: true, why: 'counted since the rejection' },
      })]);
      expect(back.excludedLocations).toEqual([]);
      expect(back.failedLocations).toEqual([expect.objectContaining({ locationId: 'store-ams', back: true, why: 'counted since the rejection' })]);
    });

    it('only what the order still waits for must be counted: a cycle count of the tent brings the store back, though it also failed the mat, placed since', async () => {
      now = T0;
      const utrecht = { ...STORE_AMSTERDAM, id: 'store-utr', name: 'Store Utrecht', lat: 52.09, lon: 5.12 };
      t = await startShop(factory, () => now, [STORE_AMSTERDAM, utrecht, DC_TILBURG], {
        'store-ams': [{ sku: 'TENT', onHand: 5 }, { sku: 'MAT', onHand: 5 }], 'store-utr': [{ sku: 'TENT', onHand: 5 }], dc: [{ sku: 'MAT', onHand: 5 }],
      });
      await t.send(webOrder('S-1', [{ sku: 'TENT', qty: 1, unitPrice: 120 }, { sku: 'MAT', qty: 1, unitPrice: 20 }]));
      expect(await locationsOf('S-1')).toEqual(['store-ams:assigned']);
      // Amsterdam rejects both lines: split between Utrecht (the tent) and the DC (the mat).
      now = T0 + MINUTE;
      await staff((await getOrder('S-1')).fulfilments[0].id, 'reject');
      const split = (await getOrder('S-1')).fulfilments.map((f: { id: string; locationId: string; state: string }) => f);
      expect(split.map((f: { locationId: string; state: string }) => `${f.locationId}:${f.state}`).sort()).toEqual(['dc:assigned', 'store-ams:rejected', 'store-utr:assigned']);
      // Utrecht rejects the tent: nowhere left for it; the mat goes on from the DC.
      now += MINUTE;
      await staff(split.find((f: { locationId: string }) => f.locationId === 'store-utr').id, 'reject');
      const waiting = await getOrder('S-1');
      expect(waiting.failedLocations.find((f: { locationId: string }) => f.locationId === 'store-ams')).toMatchObject({ skus: ['MAT', 'TENT'], back: false, why: 'TENT not counted or received since the rejection' });

      // Amsterdam counts the tent alone (a cycle count), never the mat: the tent goes back there.
      now += MINUTE;
      await t.send(envelope({ type: 'inventory.snapshot', occurredAt: new Date(now).toISOString(), payload: { locationId: 'store-ams', counts: [{ sku: 'TENT', onHand: 4 }] } }));
      await retry();
      const back = await getOrder('S-1');
      expect(back.fulfilments.filter((f: { state: string }) => f.state === 'assigned').map((f: { locationId: string }) => f.locationId).sort()).toEqual(['dc', 'store-ams']);
      // Routing judged it on the tent alone, the one line it was placing.
      expect(back.routing.candidates.find((c: { locationId: string }) => c.locationId === 'store-ams').failed).toMatchObject({ back: true, why: 'counted since the rejection' });
    });

    it('a count taken before the rejection that arrives after it brings nothing back', async () => {
      const rejectedAt = await rejectedAtTheOnlyStore();
      now += 10 * MINUTE;
      await t.send(countAtStore(5, rejectedAt - 1));
      await retry();
      expect((await getOrder('R-1')).state).toBe('backordered');
      expect((await getOrder('R-1')).excludedLocations).toEqual(['store-ams']);
    });

    it('goods received at the store after the rejection bring the backorder back', async () => {
      await rejectedAtTheOnlyStore();
      now += MINUTE;
      await t.send(envelope({ type: 'po.confirmed', payload: { poId: 'PO-1', supplierId: 'S1', locationId: 'store-ams', lines: [{ sku: 'TENT', qty: 10 }], expectedDate: '2026-12-03' } }));
      await retry();
      expect((await getOrder('R-1')).state).toBe('backordered');
      now += MINUTE;
      await t.send(envelope({ type: 'po.received', payload: { poId: 'PO-1', locationId: 'store-ams', receivedDate: '2026-11-30', lines: [{ sku: 'TENT', qty: 10 }] } }));
      await retry();
      const back = await getOrder('R-1');
      expect(back.state).toBe('allocated');
      expect(await locationsOf('R-1')).toEqual(['store-ams:rejected', 'store-ams:assigned']);
      expect(back.failedLocations).toEqual([expect.objectContaining({ back: true, why: 'received since the rejection' })]);
    });
  });
}
