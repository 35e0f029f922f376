import { getPriority } from 'node:os';
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { PolicyBook } from '../policy-book.js';
import { offLockJobs } from './off-lock-jobs.js';
import { openReadStore } from './read-store.js';
import type { ReadWorkerData, ReadWorkerReply } from './read-worker.js';

/**
 * A scheduled read's entry (read-worker.ts), as a child process or a worker thread: opens the store
 * (its own connections; a small PostgreSQL pool), builds the job by name from the same `offLockJobs`
 * the scheduler uses — its policies read from the snapshot itself, as in-thread — reads one slot,
 * answers, and exits.
 *
 * It imports only what the reads need: the jobs' own module (not the engine's handlers) and only
 * the store backend it opens. Starting it is the cost each hourly run pays on the server's cores
 * (docs/checks.md, "What the read process loads"); test/engine/read-process-modules.test.ts keeps the
 * handlers out.
 */
async function read(data: ReadWorkerData): Promise<ReadWorkerReply> {
  try {
    const store = await openReadStore({ ...data.store, pgPoolSize: 1 });
    try {
      const job = offLockJobs(new PolicyBook(store))[data.job];
      if (!job) throw new Error(`no off-lock job named ${data.job}`);
      const result = await store.snapshot((db) => job.read(db, data.slot));
      return { ok: true, result, threadId, pid: process.pid, nice: getPriority() };
    } finally {
      await store.close().catch(() => undefined);
    }
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

if (parentPort) {
  void read(workerData as ReadWorkerData).then((reply) => parentPort!.postMessage(reply));
} else {
  // A child process: the settings come over the IPC channel; exit once the answer is written.
  process.once('message', (data) => {
    void read(data as ReadWorkerData).then((reply) => process.send!(reply, () => process.exit(0)));
  });
}
