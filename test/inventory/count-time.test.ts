import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { envelope, startTestApp, type TestApp } from '../support/app.js';
import { at, iso, order } from './stock-times.js';
import { stockJournalRetention } from '../../src/engine/handlers/stock-journal.js';
import { startShop, STORE_AMSTERDAM } from '../support/shop.js';

// A store's handheld counts at 09:00 and syncs late: the count is applied by when it was taken, not
// by when it arrived. Times are the envelope's occurredAt (when counted) and the app clock (arrival).
const countAt = (takenMs: number, counts: unknown[]) => envelope({ type: 'inventory.snapshot', occurredAt: iso(takenMs), payload: { locationId: 'store-ams', counts } });
const adjustAt = (occurredMs: number, delta: number, reason: string) =>
  envelope({ type: 'inventory.adjusted', occurredAt: iso(occurredMs), payload: { locationId: 'store-ams', sku: 'TENT', delta, reason } });

for (const factory of storeFactories()) {
  describe(`stock counts by the time they were taken: ${factory.name}`, () => {
    let t: TestApp;
    let now = at('08:00');
    afterEach(async () => t?.close());

    async function setup(onHand: number) {
      now = at('08:00');
      t = await startShop(factory, () => now, [STORE_AMSTERDAM]);
      await t.send(countAt(at('08:00'), [{ sku: 'TENT', onHand }]));
    }
    const stock = async () => t.app.store.read.get<{ on_hand: number; reserved: number }>(
      `SELECT on_hand, reserved FROM stock WHERE sku = 'TENT' AND location_id = 'store-ams'`);
    const discrepancies = async () => (await t.app.store.read.all<{ subject: string; detail: string }>(
      `SELECT subject, detail FROM exceptions WHERE queue = 'reconciliation_discrepancy' AND state = 'open'`)).map((r) => ({ subject: r.subject, detail: JSON.parse(r.detail) }));
    const audited = async (action: string) => (await t.app.store.read.all<{ detail: string }>('SELECT detail FROM audit WHERE action = ?', [action])).map((r) => JSON.parse(r.detail));
    async function shipAt(hhmm: string, ext: string, qty: number) {
      now = at(hhmm);
      await t.send(order(ext, qty));
      const f = (await t.app.store.read.get<{ id: string }>(`SELECT id FROM fulfilments WHERE state NOT IN ('shipped', 'delivered') ORDER BY id DESC LIMIT 1`))!;
      await t.send(envelope({ type: 'fulfilment.accepted', payload: { fulfilmentId: f.id } }));
      await t.send(envelope({ type: 'fulfilment.shipped', payload: { fulfilmentId: f.id, carrier: 'postnl' } }));
    }

    it('a count taken before a shipment but arriving after it does not bring the shipped units back', async () => {
      await setup(10);
      await shipAt('10:00', 'S-1', 3);
      expect(await stock()).toEqual({ on_hand: 7, reserved: 0 });
      // Counted at 09:00 (9 on the shelf: one missing), synced at 15:00: the 3 shipped at 10:00 left since.
      now = at('15:00');
      await t.send(countAt(at('09:00'), [{ sku: 'TENT', onHand: 9 }]));
      expect(await stock()).toEqual({ on_hand: 6, reserved: 0 });
      expect(await discrepancies()).toEqual([]);
    });

    it('an older count arriving after a newer one is stale for that sku and changes nothing', async () => {
      await setup(10);
      now = at('12:00');
      await t.send(countAt(at('11:00'), [{ sku: 'TENT', onHand: 8 }]));
      await t.send(countAt(at('09:00'), [{ sku: 'TENT', onHand: 10 }]));
      expect((await stock())?.on_hand).toBe(8);
      expect(await audited('stock.counted')).toContainEqual(expect.objectContaining({ stale: [expect.objectContaining({ sku: 'TENT', countedMs: at('11:00') })] }));
    });

    it('a late count adds the movements booked after it was taken, not those before it', async () => {
      await setup(10);
      await shipAt('09:30', 'S-1', 2); // before the count: the count saw it gone
      await shipAt('11:00', 'S-2', 1); // after the count
      now = at('11:30');
      await t.send(adjustAt(at('11:30'), -1, 'damage')); // after the count
      expect((await stock())?.on_hand).toBe(6);
      now = at('16:00');
      await t.send(countAt(at('10:00'), [{ sku: 'TENT', onHand: 7 }]));
      expect((await stock())?.on_hand).toBe(5); // 7 counted − 1 shipped − 1 damaged since
    });

    it('a count from a sender whose clock runs ahead is taken as of its arrival, never after', async () => {
      await setup(10);
      now = at('10:00');
      await t.send(countAt(at('23:00'), [{ sku: 'TENT', onHand: 8 }]));
      await shipAt('11:00', 'S-1', 1);
      now = at('12:00');
      await t.send(countAt(at('11:30'), [{ sku: 'TENT', onHand: 6 }]));
      expect((await stock())?.on_hand).toBe(6);
    });

    it('an adjustment that happened before the last applied count is already in that count: not applied again', async () => {
      await setup(10);
      now = at('10:00');
      await t.send(countAt(at('10:00'), [{ sku: 'TENT', onHand: 8 }]));
      now = at('11:00');
      await t.send(adjustAt(at('09:00'), -2, 'shrink'));
      expect((await stock())?.on_hand).toBe(8);
      expect(await audited('stock.adjustment_superseded')).toEqual([expect.objectContaining({ delta: -2, countedMs: at('10:00') })]);
      await t.send(adjustAt(at('11:00'), -1, 'shrink'));
      expect((await stock())?.on_hand).toBe(7);
    });

    it('a first count of a row that moved after the count was taken, with no journal to add, goes to a person', async () => {
      now = at('08:00');
      t = await startShop(factory, () => now, [STORE_AMSTERDAM]);
      now = at('10:00');
      await t.send(adjustAt(at('10:00'), 5, 'receipt')); // the row exists, never counted
      now = at('12:00');
      await t.send(countAt(at('09:00'), [{ sku: 'TENT', onHand: 3 }]));
      expect((await stock())?.on_hand).toBe(5);
      expect(await discrepancies()).toEqual([
        { subject: 'stock:TENT@store-ams', detail: expect.objectContaining({ kind: 'count_before_movements', counted: 3, onHand: 5, takenMs: at('09:00'), movedMs: at('10:00') }) },
      ]);
    });
    it('a count older than the journal keeps is not rolled forward: the retention job prunes what it covered, and inventory control decides', async () => {
      now = at('08:00');
      t = await startTestApp(factory, { clock: () => now, config: { dispatch: { batchSize: 256, maxAttempts: 3, backoffBaseMs: 5, backoffMaxMs: 20, idlePollMs: 10 }, availabilityIntervalMs: 60_000, stock: { journalDays: 1, pruneBatch: 100 } } });
      await t.send(envelope({ type: 'location.upserted', payload: STORE_AMSTERDAM }));
      await t.send(countAt(at('08:00'), [{ sku: 'TENT', onHand: 10 }]));
      await shipAt('10:00', 'S-1', 3);
      expect(await t.app.store.read.get<{ n: number }>('SELECT COUNT(*) AS n FROM stock_moves')).toEqual({ n: 1 });
      // Two days later the journal keeps one day: the shipment's entry goes.
      now = at('10:00') + 2 * 86_400_000;
      await t.app.store.transaction(async (tx) => {
        const h = { tx, decision: { now, newId: () => 'x' }, audit: () => undefined } as unknown as Parameters<ReturnType<typeof stockJournalRetention>>[0];
        await stockJournalRetention({ journalDays: 1, pruneBatch: 100 })(h);
      });
      expect(await t.app.store.read.get<{ n: number }>('SELECT COUNT(*) AS n FROM stock_moves')).toEqual({ n: 0 });
      // The 09:00 count of two days ago syncs only now: not applied, a person decides.
      await t.send(countAt(at('09:00'), [{ sku: 'TENT', onHand: 9 }]));
      expect(await stock()).toEqual({ on_hand: 7, reserved: 0 });
      expect(await discrepancies()).toEqual([
        { subject: 'stock:TENT@store-ams', detail: expect.objectContaining({ kind: 'count_before_movements', counted: 9, onHand: 7 }) },
      ]);
    });
  });
}
