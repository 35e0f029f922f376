import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { startTestApp, envelope, type TestApp } from '../support/app.js';
import { buildHandlers } from '../../src/engine/handlers/all.js';
import type { EventHandler } from '../../src/engine/dispatch/handler.js';
import { SharedWriteLock } from '../../src/store/shared-lock.js';
import { Mutex } from '../../src/store/mutex.js';
import { rowChunks } from '../../src/store/repos/row-chunks.js';

/** A handler that takes ~2 ms of CPU per event and remembers which transaction ran it. */
function slowHandler(seen: Set<unknown>, onCall?: () => void): EventHandler {
  return {
    type: 'location.upserted',
    name: 'test.slow',
    async handle(ctx) {
      seen.add(ctx.tx);
      onCall?.();
      const until = performance.now() + 2;
      while (performance.now() < until);
    },
  };
}

const locations = (n: number, tag: string) => Array.from({ length: n }, (_, i) => envelope({ type: 'location.upserted', payload: { id: `${tag}-${i}`, name: `${tag} ${i}`, kind: 'store', lat: 52, lon: 5 } }));

describe('dispatch batches: short while a writer waits, long while none does', () => {
  const sqlite = storeFactories().find((f) => f.name === 'sqlite')!;
  let t: TestApp;
  afterEach(async () => t?.close());

  async function app(engineThread: boolean, handler: EventHandler) {
    t = await startTestApp(sqlite, {
      dispatcher: false,
      handlers: (policies) => buildHandlers({ policies }).register(handler),
      config: { dispatch: { batchBudgetMs: 5, batchMaxMs: 5000, batchSize: 500 } },
      // The engine thread is the one that holds the shared lock; its batches may run long.
      ...(engineThread ? { writeLock: SharedWriteLock.create() } : {}),
    });
    return t;
  }

  it('on the engine thread, 40 events of ~2 ms each go in one batch when nobody waits', async () => {
    const seen = new Set<unknown>();
    await app(true, slowHandler(seen));
    for (const e of locations(40, 'a')) expect((await t.app.intake.submit(e)).ok).toBe(true);
    expect(await t.app.dispatcher.runOnce()).toBe(40);
    expect(seen.size).toBe(1);
  });

  it('a writer queuing behind the batch ends it at the budget; the rest follows in later batches', async () => {
    const seen = new Set<unknown>();
    let queued: Promise<unknown> | undefined;
    await app(true, slowHandler(seen, () => {
      // The first event's handler makes another writer wait (as an intake commit would).
      queued ??= t.app.store.transaction(async () => undefined);
    }));
    for (const e of locations(40, 'b')) expect((await t.app.intake.submit(e)).ok).toBe(true);
    const first = await t.app.dispatcher.runOnce();
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(40);
    await queued;
    let rest = 0;
    for (let n = await t.app.dispatcher.runOnce(); n > 0; n = await t.app.dispatcher.runOnce()) rest += n;
    expect(rest).toBe(40 - first);
  });

  it('inline (HTTP on the same thread) a batch keeps to its budget even when nobody waits', async () => {
    const seen = new Set<unknown>();
    await app(false, slowHandler(seen));
    for (const e of locations(40, 'c')) expect((await t.app.intake.submit(e)).ok).toBe(true);
    const first = await t.app.dispatcher.runOnce();
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(40);
  });
});

describe('who waits for the write lock', () => {
  it('the in-thread mutex counts callers queued behind the running one', async () => {
    const m = new Mutex();
    let release!: () => void;
    const first = m.run(() => new Promise<void>((r) => (release = r)));
    expect(m.waiting()).toBe(0);
    const second = m.run(async () => undefined);
    const third = m.run(async () => undefined);
    expect(m.waiting()).toBe(2);
    await new Promise((r) => setImmediate(r)); // the first caller starts on a later microtask
    release();
    await Promise.all([first, second, third]);
    expect(m.waiting()).toBe(0);
  });

  it('the shared lock counts tickets drawn behind the holder', async () => {
    const lock = SharedWriteLock.create();
    await lock.acquire();
    expect(lock.waiting()).toBe(0);
    const next = lock.run(async () => undefined);
    expect(lock.waiting()).toBe(1);
    lock.release();
    await next;
    expect(lock.waiting()).toBe(0);
  });
});

describe('multi-row insert chunks', () => {
  it('cover every row once, in order, in a handful of sizes', () => {
    for (const n of [0, 1, 5, 63, 64, 65, 130, 1000]) {
      const rows = Array.from({ length: n }, (_, i) => i);
      const chunks = [...rowChunks(rows)];
      expect(chunks.flat()).toEqual(rows);
      for (const c of chunks) expect([64, 32, 16, 8, 4, 2, 1]).toContain(c.length);
      // Below 64 each smaller size appears at most once (a binary decomposition of the remainder).
      const small = chunks.filter((c) => c.length < 64).map((c) => c.length);
      expect(new Set(small).size).toBe(small.length);
    }
  });

  it('on PostgreSQL (a round trip per statement): 64-row chunks, then the rest in one', () => {
    for (const [n, sizes] of [[0, []], [1, [1]], [7, [7]], [63, [63]], [64, [64]], [65, [64, 1]], [130, [64, 64, 2]]] as const) {
      const rows = Array.from({ length: n }, (_, i) => i);
      const chunks = [...rowChunks(rows, 'postgres')];
      expect(chunks.flat()).toEqual(rows);
      expect(chunks.map((c) => c.length)).toEqual(sizes);
    }
  });
});
