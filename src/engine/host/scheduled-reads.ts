import type { App } from '../../app.js';
import { isPostgresUrl, sqliteFile } from '../../store/open.js';
import { ScheduledReadWorkers } from '../scheduler/read-worker.js';

/**
 * `omniops serve` (engine thread or inline): the off-lock jobs' reads run in a child process of their
 * own (or a worker thread: scheduler/read-worker.ts) unless `scheduledReads.on` is `thread`, or the store is a ':memory:'
 * database, which another connection cannot open. Call before the loops start. On close the reads
 * in flight are abandoned first (they fail; nothing is submitted), so shutdown never waits for one.
 */
export function readScheduledOffThread(app: App): void {
  const c = app.config;
  if (c.scheduledReads.on === 'thread') return;
  if (!isPostgresUrl(c.store) && sqliteFile(c.store, c.dataDir) === ':memory:') return;
  const workers = new ScheduledReadWorkers(
    { store: c.store, dataDir: c.dataDir, sqliteSynchronous: c.sqliteSynchronous, pgSchema: c.pgSchema, pgConnectTimeoutMs: c.pgConnectTimeoutMs },
    c.scheduledReads.deadlineMs,
    c.scheduledReads.on,
    c.scheduledReads.nice,
  );
  app.scheduler.readOffThread(async (job, slot) => (await workers.read(job, slot)).result);
  app.closeHooks.unshift(() => workers.close());
}
