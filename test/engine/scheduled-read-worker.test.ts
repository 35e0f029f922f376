import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { threadId } from 'node:worker_threads';
import { storeFactories, PG_URL } from '../support/stores.js';
import type { TestApp } from '../support/app.js';
import { HOUR, T0, seedOrderHistory, startWithSchedulerStopped } from './scheduled-reads-support.js';
import { Scheduler } from '../../src/engine/scheduler/scheduler.js';
import { ScheduledReadFailed, slotEventId, type OffLockJob } from '../../src/engine/scheduler/off-lock.js';
import { ReadAbandoned, ScheduledReadWorkers, type ReadWorkerData } from '../../src/engine/scheduler/read-worker.js';
import { readScheduledOffThread } from '../../src/engine/host/scheduled-reads.js';
import { offLockJobs } from '../../src/engine/handlers/all.js';
import { booksCheckOffLock } from '../../src/engine/checks/scheduled.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { App } from '../../src/app.js';

/**
 * Scheduled reads in a child process or on a worker thread (src/engine/scheduler/read-worker.ts): the
 * books check's and the anomaly scan's read and computation run in a process (or thread) of their own, reading the same store
 * through connections of their own, and answer what the in-thread read would; failures and
 * shutdown behave as for an in-thread read. Both stores.
 */

for (const factory of storeFactories()) {
  describe(`scheduled reads off the engine thread: ${factory.name}`, { timeout: 120_000 }, () => {
    let t: TestApp;
    let now = T0;
    const errors: unknown[] = [];
    let workers: ScheduledReadWorkers | undefined;
    beforeEach(async () => {
      now = T0;
      errors.length = 0;
      t = await startWithSchedulerStopped(factory, () => now);
      // 60 days of one order a day, and yesterday 15, 8 from one customer: the scan finds a spike and a burst.
      await seedOrderHistory(t);
    });
    afterEach(async () => {
      await workers?.close();
      workers = undefined;
      await t?.close();
    });

    /** Where the test's store is, as a server's settings would say. */
    const storeSettings = (): ReadWorkerData['store'] => {
      const s = t.app.store as unknown as { file?: string; schema?: string };
      return t.app.store instanceof SqliteStore ? { store: s.file!, dataDir: t.app.config.dataDir } : { store: PG_URL!, dataDir: t.app.config.dataDir, pgSchema: s.schema! };
    };
    const slotEvents = (job: string, slotMs: number) =>
      t.app.store.read.all<{ type: string; payload: string }>(`SELECT type, payload FROM events WHERE source = 'scheduler' AND source_event_id = ?`, [slotEventId(job, slotMs)]);

    for (const place of ['process', 'worker'] as const) {
      it(`reads in a ${place} of its own and answers what the in-thread read answers (books check and anomaly scan)`, async () => {
        workers = new ScheduledReadWorkers(storeSettings(), 60_000, place);
        const jobs = offLockJobs(t.app.policies);
        for (const job of ['books-check', 'anomaly-scan']) {
          const slot = { job, slotMs: T0, now: T0 };
          const inThread = await t.app.store.snapshot((db) => jobs[job]!.read(db, slot));
          const elsewhere = await workers.read(job, slot);
          if (place === 'process') {
            expect(elsewhere.pid).not.toBe(process.pid);
            expect(elsewhere.nice).toBe(10); // background work: it yields the cores to the server
          }
          else {
            expect(elsewhere.pid).toBe(process.pid);
            expect(elsewhere.threadId).not.toBe(threadId);
          }
          expect(elsewhere.result).toEqual(inThread);
        }
        const scan = await t.app.store.snapshot((db) => jobs['anomaly-scan']!.read(db, { job: 'anomaly-scan', slotMs: T0, now: T0 }));
        expect((scan.payload as { findings: unknown[] }).findings.length).toBeGreaterThan(0); // the comparison compared something
        expect(workers.inFlight).toBe(0);
      });
    }

    it("serve's wiring: the app's scheduler reads in a child process, never on its own thread's snapshot, and submits the result", async () => {
      // This thread's snapshot fails: a slot that lands was read elsewhere.
      t.app.store.snapshot = () => Promise.reject(new Error('read in the scheduler thread'));
      const app = { config: { ...t.app.config, ...storeSettings(), scheduledReads: { on: 'process', deadlineMs: 60_000 } }, scheduler: t.app.scheduler, closeHooks: t.app.closeHooks } as unknown as App;
      readScheduledOffThread(app);
      now = T0 + HOUR;
      const offered = await t.app.scheduler.tick();
      const reads = offered.filter((o) => o.job === 'books-check' || o.job === 'anomaly-scan');
      expect(reads.map((o) => o.status)).toEqual(['accepted', 'accepted']);
      expect((await slotEvents('books-check', T0 + HOUR)).map((e) => e.type)).toEqual(['books.check_read']);
      expect((await slotEvents('anomaly-scan', T0 + HOUR)).map((e) => e.type)).toEqual(['anomaly.scan_read']);
    });

    it('a worker that fails or does not answer in time: E_SCHEDULED_READ, nothing submitted, the next slot runs', async () => {
      workers = new ScheduledReadWorkers(storeSettings(), 60_000);
      const w = workers;
      // A job the worker cannot build (not in offLockJobs): its read throws there.
      const jobs: Record<string, OffLockJob> = { 'books-audit': booksCheckOffLock };
      const scheduler = new Scheduler(t.app.intake, [{ name: 'books-audit', everyMs: HOUR }], () => now, (e) => errors.push(e), undefined,
        { store: t.app.store, jobs, reader: async (job, slot) => (await w.read(job, slot)).result });
      expect(await scheduler.tick()).toEqual([{ job: 'books-audit', slotMs: T0, status: 'E_SCHEDULED_READ' }]);
      expect(errors[0]).toBeInstanceOf(ScheduledReadFailed);
      expect(String(errors[0])).toContain('no off-lock job named books-audit');
      expect(await slotEvents('books-audit', T0)).toEqual([]);
      expect(await scheduler.tick()).toEqual([]); // the failed slot is not retried every poll

      // A deadline shorter than a worker takes to start: it is stopped, the read fails, nothing hangs.
      const late = new ScheduledReadWorkers(storeSettings(), 1);
      await expect(late.read('books-check', { job: 'books-check', slotMs: T0, now: T0 })).rejects.toThrow(/did not answer within 1 ms/);
      expect(late.inFlight).toBe(0);
    });

    it('shutdown during a read: the read fails at once and close resolves', async () => {
      workers = new ScheduledReadWorkers(storeSettings(), 600_000);
      const reading = workers.read('anomaly-scan', { job: 'anomaly-scan', slotMs: T0, now: T0 });
      const outcome = reading.then(() => 'answered', (e: Error) => e);
      expect(workers.inFlight).toBe(1);
      await workers.close();
      const stopped = await outcome;
      // Told apart from a failure: the server logs it as expected, not as an error (app.ts).
      expect(stopped).toBeInstanceOf(ReadAbandoned);
      expect(String(stopped)).toMatch(/shutting down/);
      expect(workers.inFlight).toBe(0);
      await expect(workers.read('books-check', { job: 'books-check', slotMs: T0, now: T0 })).rejects.toThrow(/shut down/);
    });
  });
}
