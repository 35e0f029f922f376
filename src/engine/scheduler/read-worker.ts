import { Worker } from 'node:worker_threads';
import type { StoreSettings } from '../../store/open.js';
import type { ReadResult, ReadSlot } from './off-lock.js';

/** What a scheduled-read worker is given: where the store is, which job, which slot. */
export interface ReadWorkerData {
  store: Pick<StoreSettings, 'store' | 'dataDir' | 'sqliteSynchronous' | 'pgSchema' | 'pgConnectTimeoutMs'>;
  job: string;
  slot: ReadSlot;
}

/** Its one answer. */
export type ReadWorkerReply = { ok: true; result: ReadResult; threadId: number } | { ok: false; error: string };

/** A read that ran on a worker: its result and the thread it ran on. */
export interface WorkerRead {
  result: ReadResult;
  threadId: number;
}

/**
 * Compiled, the entry is a sibling .js module. Under tsx (tests, development) it is TypeScript, and a
 * worker does not inherit tsx's loader: a small bootstrap registers it first (as engine/host does).
 */
function spawn(workerData: ReadWorkerData): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./read-worker-main.js', import.meta.url), { workerData });
  const tsx = (import.meta as unknown as { resolve(specifier: string): string }).resolve('tsx/esm/api');
  const entry = new URL('./read-worker-main.ts', import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}

/**
 * Runs an off-lock job's read AND its computation (the scan's detectors) on a worker thread of its
 * own, so the thread that schedules it — the engine thread in `omniops serve`, which also appends
 * intake — never stalls for it: better-sqlite3 is synchronous and the detectors are one CPU block.
 * The worker opens its own connection(s) to the same store, reads a snapshot there
 * (`Store.snapshot`) and posts the `ReadResult` back; submitting it stays with the scheduler.
 *
 * One worker per run, not a long-lived one: the jobs run hourly, starting a worker costs ~0.5 s of a
 * spare core (bench/scheduled-reads.mjs: loading the handlers' code, opening the store), and a run's worker takes its heap (the scan holds 50,000
 * orders' figures) and its connections away with it instead of keeping them for the next hour.
 * A worker that answers nothing within `deadlineMs` is terminated and the read fails; `close()`
 * (shutdown) terminates the runs in flight, whose reads then fail — nothing is submitted for them.
 */
export class ScheduledReadWorkers {
  private readonly running = new Map<Worker, (e: Error) => void>();
  private closed = false;

  constructor(
    private readonly store: ReadWorkerData['store'],
    private readonly deadlineMs: number,
  ) {}

  read(job: string, slot: ReadSlot): Promise<WorkerRead> {
    if (this.closed) return Promise.reject(new Error('scheduled reads are shut down'));
    return new Promise<WorkerRead>((resolve, reject) => {
      const worker = spawn({ store: this.store, job, slot });
      let settled = false;
      const finish = (outcome: { read: WorkerRead } | { error: Error }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.running.delete(worker);
        if ('read' in outcome) resolve(outcome.read);
        else reject(outcome.error);
        // Answered or given up on: the thread goes (it exits by itself after answering).
        void worker.terminate();
      };
      const timer = setTimeout(() => finish({ error: new Error(`the read worker did not answer within ${this.deadlineMs} ms`) }), this.deadlineMs);
      this.running.set(worker, (error) => finish({ error }));
      worker.once('message', (m: ReadWorkerReply) =>
        finish(m.ok ? { read: { result: m.result, threadId: m.threadId } } : { error: new Error(m.error) }));
      worker.once('error', (e) => finish({ error: e instanceof Error ? e : new Error(String(e)) }));
      worker.once('exit', (code) => finish({ error: new Error(`the read worker exited (${code}) without answering`) }));
    });
  }

  /** The reads in flight fail at once; resolves when their threads are gone. */
  async close(): Promise<void> {
    this.closed = true;
    const workers = [...this.running];
    for (const [, fail] of workers) fail(new Error('shutting down: the read was abandoned'));
    await Promise.all(workers.map(([w]) => w.terminate()));
  }

  /** Reads in flight (tests: shutdown leaves none). */
  get inFlight(): number {
    return this.running.size;
  }
}
