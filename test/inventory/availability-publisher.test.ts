import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { envelope, type TestApp } from '../support/app.js';
import { DC_TILBURG, STORE_AMSTERDAM, startShop } from '../support/shop.js';
import { addSource } from '../../src/engine/identity/sources.js';

const T0 = Date.parse('2026-11-30T09:00:00Z');
const DC = DC_TILBURG;
const STORE = STORE_AMSTERDAM;

for (const factory of storeFactories()) {
  describe(`channel availability when no stock moved: ${factory.name}`, () => {
    let t: TestApp;
    let now = T0;
    afterEach(async () => t?.close());

    async function setup() {
      now = T0;
      // The tests publish availability themselves.
      t = await startShop(factory, () => now, [DC, STORE], { dc: [{ sku: 'TENT', onHand: 10 }, { sku: 'MAT', onHand: 4 }], 'store-ams': [{ sku: 'TENT', onHand: 5 }] });
      await t.drained();
      await t.app.availability.publishOnce();
    }
    const figure = async (channel: string, sku: string) =>
      (await t.api('GET', `/v1/availability?channel=${channel}&sku=${sku}`, t.adminKey)).body.items[0]?.quantity;

    it('a store that closes stops counting for its channels at the next round', async () => {
      await setup();
      expect(await figure('web', 'TENT')).toBe(15);
      await t.send(envelope({ type: 'location.upserted', payload: { ...STORE, active: false } }));
      await t.drained();
      now += 1000;
      expect(await t.app.availability.publishOnce()).toBe(1);
      expect(await figure('web', 'TENT')).toBe(10);
      now += 1000;
      expect(await t.app.availability.publishOnce()).toBe(0); // worked out once, not every round
    });

    it('a new channel is told what it may sell without waiting for each sku to move', async () => {
      await setup();
      await addSource(t.app.store, t.app.box, { id: 'test', role: 'admin' }, 'mkt-b', { kind: 'marketplace' });
      now += 1000;
      // floor(10 × 0.8) − 1 = 7 and floor(4 × 0.8) − 1 = 2, DC stock only.
      expect(await t.app.availability.publishOnce()).toBe(2);
      expect([await figure('mkt-b', 'TENT'), await figure('mkt-b', 'MAT')]).toEqual([7, 2]);
    });

    it('a round works out marked skus first and the rest of a sweep in the room left', async () => {
      await setup();
      await t.send(envelope({ type: 'location.upserted', payload: { ...DC, active: false } }));
      await t.send(envelope({ type: 'inventory.adjusted', payload: { locationId: 'store-ams', sku: 'TENT', delta: 1, reason: 'receipt' } }));
      await t.drained();
      now += 1000;
      expect(await t.app.availability.publishOnce(1)).toBe(1); // TENT, marked: 6 in the store
      expect([await figure('web', 'TENT'), await figure('web', 'MAT')]).toEqual([6, 4]);
      now += 1000;
      await t.app.availability.publishOnce(1);
      now += 1000;
      await t.app.availability.publishOnce(1);
      expect(await figure('web', 'MAT')).toBe(0);
    });
  });
}
