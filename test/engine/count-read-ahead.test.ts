import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { startTestApp, envelope, type TestApp } from '../support/app.js';
import { getStock } from '../../src/store/repos/stock.js';

/**
 * A batch's stock counts read what they hold ahead, in one statement (PostgreSQL; on SQLite each
 * reads its own). A count must still see what the events before it in the same batch wrote — another
 * count of the same location, an adjustment — or it would take a changed line for unchanged and skip
 * it. Runs on both stores: the answers must be the same.
 */
const T0 = Date.parse('2026-11-30T09:00:00Z');
const place = (id: string, kind: string) => ({
  id, name: id, kind, lat: 51.55, lon: 5.09, capabilities: ['ship'], dailyCapacity: 1000, cutoff: '22:00', utcOffsetMinutes: 60, acceptSlaMinutes: 60, shipSlaMinutes: 1440,
});
const count = (locationId: string, counts: Array<{ sku: string; onHand: number }>) => envelope({ type: 'inventory.snapshot', payload: { locationId, counts } });
const adjust = (locationId: string, sku: string, delta: number) => envelope({ type: 'inventory.adjusted', payload: { locationId, sku, delta, reason: 'correction' } });

for (const factory of storeFactories()) {
  describe(`stock counts read ahead in a batch: ${factory.name}`, () => {
    let t: TestApp;
    afterEach(async () => t?.close());

    const onHand = async (sku: string, locationId: string) => (await getStock(t.app.store.read, sku, locationId))?.onHand;

    it('each count in a batch reads what the events before it wrote', async () => {
      t = await startTestApp(factory, { dispatcher: false, clock: () => T0, config: { dispatch: { batchSize: 256, batchBudgetMs: 10_000 } } }); // one batch for all
      await t.take(envelope({ type: 'location.upserted', payload: place('dc', 'dc') }));
      await t.take(envelope({ type: 'location.upserted', payload: place('store', 'store') }));
      await t.take(count('dc', [{ sku: 'TENT', onHand: 10 }, { sku: 'MAT', onHand: 4 }]));
      while ((await t.app.dispatcher.runOnce()) > 0);

      await t.take(count('dc', [{ sku: 'TENT', onHand: 7 }]));
      await t.take(count('dc', [{ sku: 'TENT', onHand: 10 }])); // back to what the batch read ahead
      await t.take(adjust('dc', 'MAT', 5));
      await t.take(count('dc', [{ sku: 'MAT', onHand: 4 }])); // what the batch read ahead, but not what the adjustment left
      await t.take(count('store', [{ sku: 'TENT', onHand: 3 }, { sku: 'MAT', onHand: 0 }])); // another location, rows still to create
      await t.take(count('nowhere', [{ sku: 'TENT', onHand: 1 }])); // an unknown location: refused by its own read
      expect(await t.app.dispatcher.runOnce()).toBe(6);

      expect(await onHand('TENT', 'dc')).toBe(10);
      expect(await onHand('MAT', 'dc')).toBe(4);
      expect(await onHand('TENT', 'store')).toBe(3);
      expect(await onHand('MAT', 'store')).toBe(0);
      const counted = await t.app.store.read.all<{ subject: string; detail: string }>(`SELECT subject, detail FROM audit WHERE action = 'stock.counted' ORDER BY seq`);
      expect(counted.slice(1).map((r) => [r.subject, (JSON.parse(r.detail) as { changed: number }).changed])).toEqual([
        ['location:dc', 1], ['location:dc', 1], ['location:dc', 1], ['location:store', 2],
      ]);
      const refused = await t.app.store.read.get<{ status: string; last_error: string }>(`SELECT status, last_error FROM events WHERE type = 'inventory.snapshot' AND subject = 'location:nowhere'`);
      expect(refused?.status).not.toBe('processed');
      expect(refused?.last_error).toContain('unknown location nowhere');
    });

    it('adjustments in a batch each start from what the one before left, and a count after them compares with it', async () => {
      t = await startTestApp(factory, { dispatcher: false, clock: () => T0, config: { dispatch: { batchSize: 256, batchBudgetMs: 10_000 } } });
      await t.take(envelope({ type: 'location.upserted', payload: place('dc', 'dc') }));
      await t.take(count('dc', [{ sku: 'TENT', onHand: 10 }, { sku: 'MAT', onHand: 4 }]));
      while ((await t.app.dispatcher.runOnce()) > 0);

      await t.take(adjust('dc', 'MAT', 5)); // 9
      await t.take(adjust('dc', 'MAT', -7)); // 2 (from what was read ahead, 4, it would clamp at 0)
      await t.take(adjust('dc', 'MAT', 1)); // 3
      await t.take(adjust('dc', 'TENT', -1)); // 9
      await t.take(count('dc', [{ sku: 'TENT', onHand: 9 }])); // no change
      await t.take(adjust('dc', 'TENT', 1)); // 10
      await t.take(adjust('dc', 'ROPE', 2)); // a new row
      await t.take(adjust('nowhere', 'TENT', 1)); // refused by its own read
      expect(await t.app.dispatcher.runOnce()).toBe(8);

      expect(await onHand('MAT', 'dc')).toBe(3);
      expect(await onHand('TENT', 'dc')).toBe(10);
      expect(await onHand('ROPE', 'dc')).toBe(2);
      const actions = await t.app.store.read.all<{ action: string; subject: string; detail: string }>(`SELECT action, subject, detail FROM audit WHERE action LIKE 'stock.%' ORDER BY seq`);
      expect(actions.slice(1).map((a) => (a.action === 'stock.counted' ? `counted ${(JSON.parse(a.detail) as { changed: number }).changed}` : `${a.action} ${a.subject}`))).toEqual([
        'stock.adjusted stock:dc:MAT', 'stock.adjusted stock:dc:MAT', 'stock.adjusted stock:dc:MAT', 'stock.adjusted stock:dc:TENT', 'counted 0',
        'stock.adjusted stock:dc:TENT', 'stock.adjusted stock:dc:ROPE',
      ]);
      const dirty = await t.app.store.read.all<{ sku: string }>('SELECT sku FROM availability_dirty ORDER BY sku');
      expect(dirty.map((d) => d.sku)).toEqual(expect.arrayContaining(['MAT', 'ROPE', 'TENT']));
      const refused = await t.app.store.read.get<{ status: string; last_error: string }>(`SELECT status, last_error FROM events WHERE type = 'inventory.adjusted' AND subject = 'location:nowhere'`);
      expect(refused?.status).not.toBe('processed');
      expect(refused?.last_error).toContain('unknown location nowhere');
    });
  });
}
