import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { insertOutboxRows } from '../../src/store/repos/outbox.js';
import { until } from '../support/until.js';

const T0 = Date.parse('2026-12-01T10:00:00Z');
const DAY = 86_400_000;

for (const factory of storeFactories()) {
  describe(`outbox retention: ${factory.name}`, () => {
    let t: TestApp;
    afterEach(async () => t?.close());

    it('settled rows older than keepSettledDays are deleted, oldest first, a batch a tick; waiting rows and recent ones stay', async () => {
      let now = T0;
      t = await startTestApp(factory, { clock: () => now, config: { delivery: { keepSettledDays: 7, pruneBatch: 2 } } });
      await t.app.delivery.stop(); // the rows' statuses are set here, not by a worker
      // The app's own first tick (every job at start) must be done before the rows exist.
      await until('first retention tick', async () => (await t.app.store.read.get<{ n: number }>(
        `SELECT COUNT(*) AS n FROM events WHERE type = 'schedule.tick' AND status = 'processed' AND payload LIKE '%outbox-retention%'`))?.n == 1);
      const rows: Array<[string, string, number]> = [
        ['delivered-old', 'delivered', 9], ['expired-old', 'expired', 8.5], ['superseded-old', 'superseded', 8],
        ['pending-old', 'pending', 30], ['dead-old', 'dead', 30], ['unrouted-old', 'unrouted', 30], ['delivered-recent', 'delivered', 6],
      ];
      await t.app.store.transaction(async (tx) => {
        for (const [id, , ageDays] of rows) {
          await insertOutboxRows(tx, [{ id, seq: 1, eventId: `ev-${id}`, destination: 'channel:web', kind: 'availability.changed', subject: `s-${id}`, payload: {}, createdAt: new Date(now - ageDays * DAY).toISOString() }]);
        }
        for (const [id, status] of rows) await tx.run('UPDATE outbox SET status = ? WHERE id = ?', [status, id]);
      });
      const left = async () => (await t.app.store.read.all<{ id: string }>(`SELECT id FROM outbox WHERE id LIKE '%-old' OR id LIKE '%-recent' ORDER BY id`)).map((r) => r.id);
      const pruned = async () => (await t.app.store.read.all<{ detail: string }>(`SELECT detail FROM audit WHERE action = 'outbox.pruned' ORDER BY seq`)).map((a) => JSON.parse(a.detail).rows as number);

      now += 61_000; // the app's own first tick took the current minute
      await t.app.scheduler.tick();
      await t.drained();
      expect(await left()).toEqual(['dead-old', 'delivered-recent', 'pending-old', 'superseded-old', 'unrouted-old']);
      now += 61_000;
      await t.app.scheduler.tick();
      await t.drained();
      expect(await left()).toEqual(['dead-old', 'delivered-recent', 'pending-old', 'unrouted-old']);
      expect(await pruned()).toEqual([2, 1]);
      now += 61_000;
      await t.app.scheduler.tick();
      await t.drained();
      expect(await pruned()).toEqual([2, 1]); // nothing left to prune: no audit note
      now += 1.5 * DAY; // the recent one is now 7.5 days old
      await t.app.scheduler.tick();
      await t.drained();
      expect(await left()).toEqual(['dead-old', 'pending-old', 'unrouted-old']);
    });
  });
}
