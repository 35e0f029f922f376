import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { envelope, type TestApp } from '../support/app.js';
import { DAY, HOUR, T0, seedOrderHistory, startWithSchedulerStopped } from './scheduled-reads-support.js';
import { Scheduler } from '../../src/engine/scheduler/scheduler.js';
import { ScheduledReadFailed, slotEventId, type OffLockJob } from '../../src/engine/scheduler/off-lock.js';
import { booksCheckOffLock } from '../../src/engine/checks/scheduled.js';
import { ANOMALY_SCAN_DEFAULTS, anomalyScanOffLock, readAnomalyScan } from '../../src/engine/anomaly/scan.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import type { Store } from '../../src/store/port.js';

/**
 * Scheduled reads off the write lock (src/engine/scheduler/off-lock.ts): the books check and the
 * anomaly scan read a snapshot beside the engine and submit the result as an event under the slot's
 * lease (`<job>@<slot>`); the event's handler only writes. Each test drives a Scheduler of its own
 * on a controlled clock (the app's own is stopped), on both stores.
 */

const withTimeout = <T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> =>
  Promise.race([p, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), ms))]);

for (const factory of storeFactories()) {
  describe(`scheduled reads off the write lock: ${factory.name}`, { timeout: 120_000 }, () => {
    let t: TestApp;
    let now = T0;
    const errors: unknown[] = [];
    beforeEach(async () => {
      now = T0;
      errors.length = 0;
      // The app's own scheduler fired T0's slots at start; from here on the tests' schedulers fire.
      t = await startWithSchedulerStopped(factory, () => now, { dispatch: { batchSize: 256, maxAttempts: 5, backoffBaseMs: 5, backoffMaxMs: 20, idlePollMs: 10 } });
    });
    afterEach(async () => t?.close());

    const schedulerWith = (jobs: Record<string, OffLockJob>, store: Store = t.app.store) =>
      new Scheduler(t.app.intake, Object.keys(jobs).map((name) => ({ name, everyMs: HOUR })), () => now, (e) => errors.push(e), undefined, { store, jobs });
    /** Another process's connection(s) to the same database. */
    const secondStore = (): Store => {
      const s = t.app.store as unknown as { file?: string; schema?: string };
      return t.app.store instanceof SqliteStore ? new SqliteStore({ file: s.file! }) : new PostgresStore({ url: process.env.OMNIOPS_TEST_PG_URL!, schema: s.schema! });
    };
    const internal = (e: Record<string, unknown>) => t.app.intake.submit(e, { internal: true, actor: 'scheduler', actorRole: 'system' });
    const slotEvents = (job: string, slotMs: number) =>
      t.app.store.read.all<{ id: string; type: string; status: string; payload: string }>(
        `SELECT id, type, status, payload FROM events WHERE source = 'scheduler' AND source_event_id = ?`, [slotEventId(job, slotMs)]);
    const booksChecked = async () =>
      (await t.app.store.read.all<{ detail: string }>(`SELECT detail FROM audit WHERE subject = 'books' AND action = 'books.checked' ORDER BY seq`)).map((r) => JSON.parse(r.detail));
    const bookItems = () => t.app.store.read.all<{ id: string; detail: string }>(`SELECT id, detail FROM exceptions WHERE subject LIKE 'books:%' ORDER BY id`);
    const bumpReserved = (n: number) => t.app.store.transaction((tx) => tx.run('UPDATE stock SET reserved = reserved + ? WHERE sku = ? AND location_id = ?', [n, 'MAT', 'dc']));
    const eventCount = async (db: { get<T>(sql: string): Promise<T | undefined> }) => Number((await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM events'))!.n);

    it('an intake commit completes while the read is in progress, and the read does not see it (one snapshot)', async () => {
      now = T0 + HOUR;
      let during: { seen: number; after: number; committed: string } | undefined;
      // The books check's read, with an intake commit in the middle of it: were the read still in a
      // write transaction (the tick's, on SQLite's single writer), the commit would wait for the lock
      // that transaction holds while it waits for the commit: it would never complete.
      const job: OffLockJob = {
        read: async (db, slot) => {
          const seen = await eventCount(db);
          const committed = await withTimeout(t.take(envelope({ type: 'inventory.snapshot', payload: { locationId: 'dc', counts: [{ sku: 'TENT', onHand: 3 }] } })), 10_000);
          expect(committed).not.toBe('timeout');
          const result = await booksCheckOffLock.read(db, slot);
          during = { seen, after: await eventCount(db), committed: committed as string };
          return result;
        },
      };
      const [offered] = await schedulerWith({ 'books-check': job }).tick();
      expect(offered).toMatchObject({ job: 'books-check', status: 'accepted' });
      expect(during!.after).toBe(during!.seen); // the snapshot: the event committed meanwhile is not in it
      expect(await eventCount(t.app.store.read)).toBeGreaterThan(during!.seen);
      await t.drained();
      const [result] = await slotEvents('books-check', now);
      expect(result).toMatchObject({ type: 'books.check_read', status: 'processed' });
      expect((await booksChecked()).at(-1)).toMatchObject({ ok: true, checkedAt: new Date(now).toISOString() });
    });

    if (factory.name === 'sqlite') {
      it('(the premise) the same commit, from inside a write transaction, waits for it to end', async () => {
        let inside: unknown;
        let take: Promise<string> | undefined;
        await t.app.store.transaction(async () => {
          take = t.take(envelope({ type: 'inventory.snapshot', payload: { locationId: 'dc', counts: [{ sku: 'TENT', onHand: 4 }] } }));
          inside = await withTimeout(take, 500);
        });
        expect(inside).toBe('timeout');
        expect(typeof (await take)).toBe('string'); // and completes once the transaction ended
      });
    }

    it('the slot is a lease: several processes may read, exactly one result lands and is written once', async () => {
      await bumpReserved(2);
      now = T0 + HOUR;
      // Each "process" reads (none sees the other's result yet): both submit, one lands.
      let reads = 0;
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const job: OffLockJob = {
        read: async (db, slot) => {
          reads++;
          if (reads === 2) release();
          await gate;
          return booksCheckOffLock.read(db, slot);
        },
      };
      const other = secondStore();
      let statuses: string[];
      try {
        statuses = (await Promise.all([schedulerWith({ 'books-check': job }).tick(), schedulerWith({ 'books-check': job }, other).tick()])).flat().map((o) => o.status);
      } finally {
        await other.close();
      }
      expect(reads).toBe(2);
      expect(statuses.sort()).toEqual(['accepted', 'duplicate']);
      // A third, later, finds the slot landed and does not read at all.
      expect((await schedulerWith({ 'books-check': job }).tick()).map((o) => o.status)).toEqual(['landed']);
      expect(reads).toBe(2);
      await t.drained();
      expect(await slotEvents('books-check', now)).toHaveLength(1);
      expect((await booksChecked()).filter((d) => d.checkedAt === new Date(now).toISOString())).toHaveLength(1);
      const items = await bookItems();
      expect(items).toHaveLength(1);
      expect(JSON.parse(items[0]!.detail)).toMatchObject({ check: 'reserved_matches_reservations', occurrences: 1 });
    });

    it('the handler decides from the event alone: the same result applied to a store fixed meanwhile decides the same', async () => {
      await bumpReserved(2);
      now = T0 + HOUR;
      await schedulerWith({ 'books-check': booksCheckOffLock }).tick();
      await t.drained();
      const [first] = await slotEvents('books-check', now);
      const payload = JSON.parse(first!.payload);
      const [item] = await bookItems();
      const firstDetail = JSON.parse(item!.detail);
      await bumpReserved(-2); // the books agree again: a read now would find nothing
      now += HOUR;
      // The logged result, run again (as a replay runs it): it opens / counts on what it says, not what the store now says.
      expect(await internal({ source: 'scheduler', sourceEventId: 'books-check@replayed', type: 'books.check_read', occurredAt: new Date(now).toISOString(), payload })).toMatchObject({ ok: true, status: 'accepted' });
      await t.drained();
      const items = await bookItems();
      expect(items.map((i) => i.id)).toEqual([item!.id]);
      const again = JSON.parse(items[0]!.detail);
      expect(again).toMatchObject({ occurrences: 2, last: { found: firstDetail.found, checkedAt: firstDetail.checkedAt, findings: firstDetail.findings } });
      const audits = await booksChecked();
      // The same audit detail, but for the event it came from (the dispatcher adds its id).
      expect({ ...audits.at(-1), eventId: undefined }).toEqual({ ...audits.at(-2), eventId: undefined });
      expect(audits.at(-1)).toMatchObject({ ok: false, errors: 1, checkedAt: new Date(T0 + HOUR).toISOString() });
    });

    it('a read that fails leaves nothing: no event, no item, no audit entry; the slot is not retried, the next one runs', async () => {
      await bumpReserved(2);
      now = T0 + HOUR;
      const failing: OffLockJob = {
        read: async (db, slot) => {
          await booksCheckOffLock.read(db, slot); // the whole read, then a statement that fails
          await db.get('SELECT no_such_column FROM stock');
          throw new Error('unreachable');
        },
      };
      const scheduler = schedulerWith({ 'books-check': failing });
      const auditsBefore = (await booksChecked()).length;
      expect((await scheduler.tick()).map((o) => o.status)).toEqual(['E_SCHEDULED_READ']);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toBeInstanceOf(ScheduledReadFailed);
      expect(errors[0]).toMatchObject({ code: 'E_SCHEDULED_READ', job: 'books-check', slotMs: now });
      expect(await scheduler.tick()).toEqual([]); // the same slot: not read again
      await t.drained();
      expect(await slotEvents('books-check', now)).toEqual([]);
      expect(await bookItems()).toEqual([]);
      expect((await booksChecked()).length).toBe(auditsBefore);
      // The snapshot's connection is usable again: the next slot reads and lands.
      now += HOUR;
      expect((await schedulerWith({ 'books-check': booksCheckOffLock }).tick()).map((o) => o.status)).toEqual(['accepted']);
      await t.drained();
      expect(await bookItems()).toHaveLength(1);
    });

    it('a schedule.tick of either job (an old log, or one sent by hand) still reads and writes in its transaction', async () => {
      await bumpReserved(2);
      now = T0 + HOUR;
      for (const job of ['books-check', 'anomaly-scan']) {
        expect(await internal({ source: 'scheduler', sourceEventId: `${job}@legacy`, type: 'schedule.tick', occurredAt: new Date(now).toISOString(), payload: { job, slotMs: now } })).toMatchObject({ ok: true, status: 'accepted' });
      }
      await t.drained();
      const ticks = await t.app.store.read.all<{ status: string }>(`SELECT status FROM events WHERE type = 'schedule.tick' AND source_event_id LIKE '%@legacy'`);
      expect(ticks.map((e) => e.status)).toEqual(['processed', 'processed']);
      expect((await booksChecked()).at(-1)).toMatchObject({ ok: false, errors: 1, checkedAt: new Date(now).toISOString() });
      expect(await bookItems()).toHaveLength(1);
    });

    it('the anomaly scan: findings carried up to the cap, the rest counted and carried by the next run; anomaly.detected as before', async () => {
      const today = await seedOrderHistory(t);
      const job = anomalyScanOffLock(t.app.policies, { ...ANOMALY_SCAN_DEFAULTS, maxFindings: 1 });
      const runs: Array<{ findings: Array<{ kind: string; key: string; day: string }>; omitted: number }> = [];
      for (let i = 1; ; i++) {
        now = T0 + i * HOUR;
        expect((await schedulerWith({ 'anomaly-scan': job }).tick()).map((o) => o.status)).toEqual(['accepted']);
        await t.drained();
        const [e] = await slotEvents('anomaly-scan', now);
        expect(e).toMatchObject({ type: 'anomaly.scan_read', status: 'processed' });
        runs.push(JSON.parse(e!.payload));
        if (runs.at(-1)!.findings.length === 0 || i > 20) break;
      }
      const carried = runs.flatMap((r) => r.findings);
      expect(runs[0]!.findings).toHaveLength(1);
      expect(runs[0]!.omitted).toBe(carried.length - 1); // each run's rest came with the next ones
      expect(runs.at(-1)).toMatchObject({ findings: [], omitted: 0 });
      const yesterday = new Date(today - DAY).toISOString().slice(0, 10);
      expect(carried).toEqual(expect.arrayContaining([
        expect.objectContaining({ kind: 'demand', key: 'KETTLE', day: yesterday }),
        expect.objectContaining({ kind: 'customer_velocity', day: yesterday }),
      ]));
      const recorded = await t.app.store.read.all<{ kind: string; anomaly_key: string; day: string }>('SELECT kind, anomaly_key, day FROM anomalies');
      expect(recorded).toHaveLength(carried.length);
      const detected = await t.app.store.read.all<{ payload: string }>(`SELECT payload FROM events WHERE type = 'anomaly.detected'`);
      expect(detected).toHaveLength(carried.length);
      for (const d of detected) expect(Object.keys(JSON.parse(d.payload)).sort()).toEqual(['anomalyId', 'day', 'detail', 'explanation', 'key', 'kind', 'policyVersion', 'score']);
      const capped = await t.app.store.read.all(`SELECT seq FROM audit WHERE action = 'anomaly.scan_capped'`);
      expect(capped.length).toBe(runs.filter((r) => r.omitted > 0).length);
    });

    it('the anomaly scan reads its orders in pages on one snapshot: the same orders and findings as one read', async () => {
      await seedOrderHistory(t);
      const slot = { job: 'anomaly-scan', slotMs: T0 + HOUR, now: T0 + HOUR };
      const whole = await t.app.store.snapshot((db) => readAnomalyScan(db, t.app.policies, slot));
      const paged = await t.app.store.snapshot((db) => readAnomalyScan(db, t.app.policies, slot, { ...ANOMALY_SCAN_DEFAULTS, readPage: 7 }));
      expect(whole.ordersRead).toBe(75); // the 74 seeded and the beforeEach's order
      expect(paged).toEqual(whole);
      expect(whole.findings.length).toBeGreaterThan(0);
      const capped = await t.app.store.snapshot((db) => readAnomalyScan(db, t.app.policies, slot, { ...ANOMALY_SCAN_DEFAULTS, readPage: 7, maxOrders: 30 }));
      expect(capped.ordersRead).toBe(30);
    });
  });
}
