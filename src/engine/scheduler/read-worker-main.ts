import { parentPort, threadId, workerData } from 'node:worker_threads';
import { openStore } from '../../store/open.js';
import { PolicyBook } from '../policy-book.js';
import { offLockJobs } from '../handlers/all.js';
import type { ReadWorkerData, ReadWorkerReply } from './read-worker.js';

/**
 * A scheduled-read worker's entry (read-worker.ts): opens the store (its own connections; a small
 * PostgreSQL pool), builds the job by name from the same `offLockJobs` the scheduler uses — its
 * policies read from the snapshot itself, as in-thread — reads one slot, answers, and exits.
 */
const data = workerData as ReadWorkerData;

async function main(): Promise<ReadWorkerReply> {
  const store = openStore({ ...data.store, pgPoolSize: 1 });
  try {
    const job = offLockJobs(new PolicyBook(store))[data.job];
    if (!job) throw new Error(`no off-lock job named ${data.job}`);
    const result = await store.snapshot((db) => job.read(db, data.slot));
    return { ok: true, result, threadId };
  } finally {
    await store.close().catch(() => undefined);
  }
}

main().then(
  (reply) => parentPort!.postMessage(reply),
  (e: unknown) => parentPort!.postMessage({ ok: false, error: e instanceof Error ? e.message : String(e) } satisfies ReadWorkerReply),
);
