import type { PolicyBook } from '../policy-book.js';
import type { OffLockJob } from './off-lock.js';
import { booksCheckOffLock } from '../checks/books-read.js';
import { anomalyScanOffLock } from '../anomaly/scan.js';

/**
 * Scheduled jobs whose long read runs on a snapshot off the write lock, the result coming back as an
 * event whose handler only writes (off-lock.ts). Each is in SCHEDULED_JOBS too (its cadence); the
 * scheduler reads for it instead of ticking.
 *
 * A module of its own, importing only the two jobs' read code, because the scheduled-read process
 * (read-worker-main.ts) builds its job from here: through the engine's handler registry
 * (handlers/all.ts, which re-exports this) it loaded ~430 modules, 286 of them the project's, and
 * spent ~0.57 s of CPU per run; now ~220 and ~0.35 s (docs/checks.md, "What the read process
 * loads"). test/engine/read-process-modules.test.ts keeps the handlers out of its module graph.
 */
export function offLockJobs(policies: PolicyBook): Record<string, OffLockJob> {
  return {
    'books-check': booksCheckOffLock,
    'anomaly-scan': anomalyScanOffLock(policies),
  };
}
