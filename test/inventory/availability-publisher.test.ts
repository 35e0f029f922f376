import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { startTestApp, envelope, type TestApp } from '../support/app.js';
import { addSource } from '../../src/engine/identity/sources.js';

const T0 = Date.parse('2026-11-30T09:00:00Z');
const DC = { id: 'dc', name: 'DC Tilburg', kind: 'dc', lat: 51.55, lon: 5.09, capabilities: ['ship'], dailyCapacity: 1000, cutoff: '22:00', utcOffsetMinutes: 60, acceptSlaMinutes: 60, shipSlaMinutes: 1440 };
const STORE = { id: 'store-ams', name: 'Store Amsterdam', kind: 'store', lat: 52.37, lon: 4.9, capabilities: ['ship', 'pickup'], dailyCapacity: 100, cutoff: '16:00', utcOffsetMinutes: 60, acceptSlaMinutes: 30, shipSlaMinutes: 480 };

for (const factory of storeFactories()) {
  describe(`channel availability when no stock moved: ${factory.name}`, () => {
    let t: TestApp;
    let now = T0;
    afterEach(async () => t?.close());

    async function setup() {
      now = T0;
      // The tests publish availability themselves.
      t = await startTestApp(factory, { clock: () => now, config: { dispatch: { batchSize: 256, maxAttempts: 3, backoffBaseMs: 5, backoffMaxMs: 20, idlePollMs: 10 }, availabilityIntervalMs: 60_000 } });
      for (const l of [DC, STORE]) await t.send(envelope({ type: 'location.upserted', payload: l }));
      await t.send(envelope({ type: 'inventory.snapshot', payload: { locationId: 'dc', counts: [{ sku: 'TENT', onHand: 10 }, { sku: 'MAT', onHand: 4 }] } }));
      await t.send(envelope({ type: 'inventory.snapshot', payload: { locationId: 'store-ams', counts: [{ sku: 'TENT', onHand: 5 }] } }));
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
