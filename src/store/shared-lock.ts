/**
 * A write lock shared by the threads of one process (a ticket lock over a SharedArrayBuffer).
 *
 * SQLite has one writer per database file. Within a thread the store's mutex queues transactions;
 * across threads (HTTP intake on the main thread, the engine on its own) the file lock alone would
 * leave a waiting writer to SQLite's busy handler, which sleeps 1, 2, 5, 10… ms between tries — a
 * busy dispatcher would then starve intake commits. Tickets are served strictly in order, and a
 * waiter sleeps in Atomics.waitAsync until its turn, without blocking its event loop.
 */
export class SharedWriteLock {
  private readonly cells: Int32Array;

  /** `buffer` is 8 bytes of a SharedArrayBuffer, the same one in every thread. */
  constructor(readonly buffer: SharedArrayBuffer) {
    this.cells = new Int32Array(buffer, 0, 2);
  }

  static create(): SharedWriteLock {
    return new SharedWriteLock(new SharedArrayBuffer(8));
  }

  async acquire(): Promise<void> {
    const ticket = Atomics.add(this.cells, NEXT, 1);
    for (;;) {
      const serving = Atomics.load(this.cells, SERVING);
      if (serving === ticket) return;
      const w = waitAsync(this.cells, SERVING, serving);
      if (w.async) await w.value;
    }
  }

  /** Tickets drawn behind the holder's: threads waiting for their turn. */
  waiting(): number {
    return Math.max(0, Atomics.load(this.cells, NEXT) - Atomics.load(this.cells, SERVING) - 1);
  }

  release(): void {
    Atomics.add(this.cells, SERVING, 1);
    Atomics.notify(this.cells, SERVING);
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      this.release();
    }
  }
}

const NEXT = 0;
const SERVING = 1;

type WaitAsync = (a: Int32Array, index: number, value: number) => { async: false; value: string } | { async: true; value: Promise<string> };
/** Atomics.waitAsync is in Node 16+ (V8), but not in TypeScript's ES2023 lib. */
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;
