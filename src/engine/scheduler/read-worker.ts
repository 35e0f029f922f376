import { fork, type ChildProcess } from 'node:child_process';
import { setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { StoreSettings } from '../../store/open.js';
import type { ReadResult, ReadSlot } from './off-lock.js';

/** What a scheduled read is given: where the store is, which job, which slot. */
export interface ReadWorkerData {
  store: Pick<StoreSettings, 'store' | 'dataDir' | 'sqliteSynchronous' | 'pgSchema' | 'pgConnectTimeoutMs'>;
  job: string;
  slot: ReadSlot;
}

/** Its one answer. */
export type ReadWorkerReply = { ok: true; result: ReadResult; threadId: number; pid: number; nice: number } | { ok: false; error: string };

/** A read that ran elsewhere: its result, and the process and thread it ran on. */
export interface WorkerRead {
  result: ReadResult;
  pid: number;
  threadId: number;
  /** The niceness it ran at. */
  nice: number;
}

/**
 * Where a read runs: `process`, a child process of its own (the default), or `worker`, a worker
 * thread of this process. Both keep the read off the scheduling thread; they differ in what is left
 * behind. A worker's isolate allocates through glibc malloc arenas of its own, which the process keeps
 * after the thread exits: ~15–20 MB of RSS for good after the first run (docs/performance.md,
 * "Round 24"). A child process's memory goes back with it.
 */
export type ReadPlace = 'process' | 'worker';

/** A read stopped because the server is shutting down: not a failure anyone must look at. */
export class ReadAbandoned extends Error {}

/** The running read, whichever place it runs in. */
interface Running {
  on(event: 'message', f: (m: ReadWorkerReply) => void): void;
  on(event: 'error', f: (e: Error) => void): void;
  on(event: 'exit', f: (code: number | null) => void): void;
  stop(): Promise<void>;
}

/**
 * Compiled, the entry is a sibling .js module. Under tsx (tests, development) it is TypeScript, and
 * neither a worker nor a child inherits tsx's loader: a worker gets a small bootstrap that registers
 * it first (as engine/host does), a child gets it with `--import`.
 */
const compiled = !import.meta.url.endsWith('.ts');
const entry = new URL(compiled ? './read-worker-main.js' : './read-worker-main.ts', import.meta.url);
const tsxUrl = (specifier: string) => (import.meta as unknown as { resolve(s: string): string }).resolve(specifier);

function inWorker(workerData: ReadWorkerData): Running {
  const worker = compiled
    ? new Worker(entry, { workerData })
    : new Worker(`import(${JSON.stringify(tsxUrl('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`, { eval: true, workerData });
  return {
    on: (event: string, f: (x: never) => void) => void worker.once(event, f as (...args: unknown[]) => void),
    stop: async () => void (await worker.terminate()),
  };
}

function inProcess(data: ReadWorkerData, nice: number): Running {
  // No execArgv of ours (a --cpu-prof or heap flag given to the server is not meant for every read);
  // stdout is the server's answer channel (`serve --json`), so the child gets none; its stderr is ours.
  const child: ChildProcess = fork(fileURLToPath(entry), [], {
    execArgv: compiled ? [] : ['--import', tsxUrl('tsx')],
    serialization: 'advanced',
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  // Background work: on a machine whose cores serve intake, the read yields to the server's threads
  // instead of delaying acks while it loads and computes (docs/checks.md). Raising one's own child's
  // niceness needs no privilege; where it fails anyway, the read runs at normal priority.
  if (nice > 0 && child.pid !== undefined) {
    try {
      setPriority(child.pid, nice);
    } catch {
      /* runs at the server's priority */
    }
  }
  // The settings go over the channel, not argv: a PostgreSQL URL may carry a password.
  child.send(data);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    on: (event: string, f: (x: never) => void) => void child.once(event, f as (...args: unknown[]) => void),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/**
 * Runs an off-lock job's read AND its computation (the scan's detectors) away from the thread that
 * schedules it — the engine thread in `omniops serve`, which also appends intake — so that thread
 * never stalls for it: better-sqlite3 is synchronous and the detectors are one CPU block. The read
 * opens its own connection(s) to the same store, reads a snapshot there (`Store.snapshot`) and
 * answers the `ReadResult`; submitting it stays with the scheduler.
 *
 * One process (or worker) per run, not a long-lived one: the jobs run hourly, starting one costs
 * ~0.35 s of CPU (bench/read-process-start.mjs: loading the jobs' read code, opening the store),
 * and a run takes its heap (the scan holds 50,000 orders' figures) and its connections away with it
 * instead of keeping them for the next hour. A read that answers nothing within `deadlineMs` is
 * stopped and fails; `close()` (shutdown) stops the runs in flight, whose reads then fail — nothing
 * is submitted for them.
 */
export class ScheduledReadWorkers {
  private readonly running = new Map<Running, (e: Error) => void>();
  private closed = false;

  constructor(
    private readonly store: ReadWorkerData['store'],
    private readonly deadlineMs: number,
    private readonly place: ReadPlace = 'process',
    /** The read process's niceness (0–19; a worker thread runs at the server's priority). */
    private readonly nice = 10,
  ) {}

  read(job: string, slot: ReadSlot): Promise<WorkerRead> {
    if (this.closed) return Promise.reject(new Error('scheduled reads are shut down'));
    return new Promise<WorkerRead>((resolve, reject) => {
      const data: ReadWorkerData = { store: this.store, job, slot };
      const run = this.place === 'process' ? inProcess(data, this.nice) : inWorker(data);
      let settled = false;
      const finish = (outcome: { read: WorkerRead } | { error: Error }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.running.delete(run);
        if ('read' in outcome) resolve(outcome.read);
        else reject(outcome.error);
        // Answered or given up on: it goes (it exits by itself after answering).
        void run.stop();
      };
      const timer = setTimeout(() => finish({ error: new Error(`the read ${this.place} did not answer within ${this.deadlineMs} ms`) }), this.deadlineMs);
      this.running.set(run, (error) => finish({ error }));
      run.on('message', (m) =>
        finish(m.ok ? { read: { result: m.result, pid: m.pid, threadId: m.threadId, nice: m.nice } } : { error: new Error(m.error) }));
      run.on('error', (e) => finish({ error: e instanceof Error ? e : new Error(String(e)) }));
      run.on('exit', (code) => finish({ error: new Error(`the read ${this.place} exited (${code}) without answering`) }));
    });
  }

  /** The reads in flight fail at once; resolves when their processes or threads are gone. */
  async close(): Promise<void> {
    this.closed = true;
    const runs = [...this.running];
    for (const [, fail] of runs) fail(new ReadAbandoned('shutting down: the read was abandoned'));
    await Promise.all(runs.map(([r]) => r.stop()));
  }

  /** Reads in flight (tests: shutdown leaves none). */
  get inFlight(): number {
    return this.running.size;
  }
}
