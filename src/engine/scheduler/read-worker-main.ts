import { getPriority } from 'node:os';
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { openStore } from '../../store/open.js';
import { PolicyBook } from '../policy-book.js';
import { offLockJobs } from '../handlers/all.js';
import type { ReadWorkerData, ReadWorkerReply } from './read-worker.js';

/**
 * A scheduled read's entry (read-worker.ts), as a child process or a worker thread: opens the store
 * (its own connections; a small PostgreSQL pool), builds the job by name from the same `offLockJobs`
 * the scheduler uses — its policies read from the snapshot itself, as in-thread — reads one slot,
 * answers, and exits.
 */
async function read(data: ReadWorkerData): Promise<ReadWorkerReply> {
  try {
    const store = openStore({ ...data.store, pgPoolSize: 1 });
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
