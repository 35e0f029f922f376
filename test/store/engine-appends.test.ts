import { afterEach, describe, expect, it, vi } from 'vitest';
import { join } from 'node:path';
import * as fs from 'node:fs';
import { SqliteStore, type PostedGroup } from '../../src/store/sqlite/sqlite-store.js';
import { SharedWriteLock } from '../../src/store/shared-lock.js';
import { appendEvent, type AppendOutcome, type NewEventRow } from '../../src/store/repos/events.js';
import { tempDir, type StoreFactory } from '../support/stores.js';
import { startTestApp, envelope, type TestApp } from '../support/app.js';
import { buildHandlers } from '../../src/engine/handlers/all.js';
import type { EventHandler } from '../../src/engine/dispatch/handler.js';

// Counts the WAL fsyncs the store does itself (a relaxed commit carrying intake groups).
vi.mock('node:fs', async (original) => {
  const real = await original<typeof import('node:fs')>();
  return { ...real, fdatasync: vi.fn(real.fdatasync), openSync: vi.fn(real.openSync) };
});
const walSyncs = () => vi.mocked(fs.fdatasync).mock.calls.length;

/**
 * SQLite with the engine on its own thread: the HTTP thread's store hands intake groups to the
 * engine thread's store, which appends them on its writer connection (the one its dispatcher
 * batches use), and a batch yields to a group posted and not yet appended as it yields to a writer
 * waiting for the lock.
 */

const open: SqliteStore[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

function row(n: number, payload = `{"n":${n}}`): NewEventRow {
  const at = new Date(1_800_000_000_000 + n).toISOString();
  return {
    id: `evt-${n}`, source: 'web', sourceEventId: `e-${n}`, type: 'inventory.adjusted', schemaVersion: 1, occurredAt: at, receivedAt: at,
    receivedMs: 1_800_000_000_000 + n, subject: 'stock:L1', payloadJson: payload, payloadHash: `hash-${payload}`, causationId: null,
    correlationId: `evt-${n}`, actor: null, actorRole: null, status: 'pending',
  };
}

/**
 * An HTTP-thread store and an engine-thread store on one file, wired as engine/host wires them: a
 * posted group waits in `queue` (the message port) until a committing transaction takes it, or, a
 * turn of the event loop later, is appended on its own (the port's 'message' listener).
 */
async function pair() {
  const file = join(tempDir('omniops-appends-'), 'omniops.db');
  const writeLock = SharedWriteLock.create();
  const posted = new Int32Array(new SharedArrayBuffer(4));
  const queue: PostedGroup[] = [];
  const engine = new SqliteStore({ file, writeLock, appends: { on: 'writer', posted, take: () => queue.splice(0) } });
  await engine.migrate();
  const http = new SqliteStore({ file, writeLock });
  open.push(http, engine);
  http.appendThrough((rows) => new Promise<{ out: AppendOutcome[]; unsynced: boolean }>((resolve, reject) => {
    const group: PostedGroup = { rows, settle: (o, unsynced) => (o instanceof Error ? reject(o) : resolve({ out: o, unsynced: unsynced === true })) };
    Atomics.add(posted, 0, 1);
    queue.push(group);
    setImmediate(() => {
      const i = queue.indexOf(group);
      if (i >= 0) void engine.appendPosted(queue.splice(i, 1)[0]!).catch(() => undefined);
    });
  }));
  return { http, engine, posted };
}

const count = async (s: SqliteStore) => (await s.read.get<{ n: number }>('SELECT COUNT(*) AS n FROM events'))?.n;

describe('intake groups appended on the engine thread\'s writer', () => {
  it('come back with the same outcomes as the append worker gives: appended, duplicate, mismatch', async () => {
    const { http, posted } = await pair();
    const first = await http.appendEvents([row(1), row(2)]);
    expect(first.map((o) => o.kind)).toEqual(['appended', 'appended']);
    const again = await http.appendEvents([row(2), row(1, '{"n":"changed"}'), row(3)]);
    expect(again).toEqual([{ kind: 'duplicate', id: 'evt-2' }, { kind: 'mismatch', id: 'evt-1' }, expect.objectContaining({ kind: 'appended', id: 'evt-3' })]);
    expect(Atomics.load(posted, 0)).toBe(0);
    expect(await count(http)).toBe(3);
  });

  it('a group posted while a transaction runs is appended in that commit, and answered once a WAL sync covers it', async () => {
    const { http, engine, posted } = await pair();
    let answered: Promise<AppendOutcome[]> | undefined;
    const before = walSyncs();
    await engine.transaction(async (tx) => {
      answered = http.appendEvents([row(1)]);
      await appendEvent(tx, row(9)); // the transaction's own work
    }, { durability: 'relaxed' });
    // In that commit (the fallback, a transaction of its own, would run only a turn later), and no
    // longer counted as waiting for the lock, but not answered before the sync.
    expect(await count(http)).toBe(2);
    expect(Atomics.load(posted, 0)).toBe(0);
    expect(walSyncs()).toBe(before + 1);
    expect((await answered!).map((o) => o.kind)).toEqual(['appended']);
    // A relaxed commit that carried nothing is not synced; a durable one is SQLite's own business.
    await engine.transaction(async () => undefined, { durability: 'relaxed' });
    await engine.transaction(async () => {
      answered = http.appendEvents([row(2)]);
    });
    await answered;
    expect(walSyncs()).toBe(before + 1);
    expect(await count(http)).toBe(3);
  });

  it('commits made while a WAL sync runs wait for the next one: a group is never answered by a sync that started before its commit', async () => {
    const { http, engine } = await pair();
    const real = await vi.importActual<typeof import('node:fs')>('node:fs');
    // Syncs complete only when the test says so, in order.
    const pending: Array<() => void> = [];
    vi.mocked(fs.fdatasync).mockImplementation(((fd: number, cb: (e: Error | null) => void) => {
      pending.push(() => real.fdatasync(fd, cb));
    }) as typeof fs.fdatasync);
    try {
      const answers: string[] = [];
      const first = http.appendEvents([row(1)]).then(() => answers.push('first'));
      await engine.transaction(async () => undefined, { durability: 'relaxed' });
      const second = http.appendEvents([row(2)]).then(() => answers.push('second'));
      await engine.transaction(async () => undefined, { durability: 'relaxed' });
      expect(pending).toHaveLength(1); // one sync in flight; the second commit waits for it to end
      pending.shift()!();
      await first;
      expect(answers).toEqual(['first']);
      await new Promise((r) => setImmediate(r));
      expect(pending).toHaveLength(1); // …then gets a sync of its own
      pending.shift()!();
      await second;
      expect(answers).toEqual(['first', 'second']);
    } finally {
      vi.mocked(fs.fdatasync).mockImplementation(real.fdatasync);
    }
  });

  it('a failed WAL sync fails the groups it covered, not the transaction; the next group gets a sync of its own', async () => {
    const { http, engine } = await pair();
    // First the WAL cannot be opened, then its sync fails, then the disk is back.
    vi.mocked(fs.openSync).mockImplementationOnce(() => {
      throw Object.assign(new Error('EMFILE: too many open files'), { code: 'EMFILE' });
    });
    const first = http.appendEvents([row(1)]).catch((e: Error) => e);
    await engine.transaction(async () => undefined, { durability: 'relaxed' });
    expect(String(await first)).toMatch(/EMFILE/);
    vi.mocked(fs.fdatasync).mockImplementationOnce(((_fd: number, cb: (e: Error | null) => void) => {
      cb(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' }));
    }) as typeof fs.fdatasync);
    const second = http.appendEvents([row(2)]).catch((e: Error) => e);
    await engine.transaction(async () => undefined, { durability: 'relaxed' });
    expect(String(await second)).toMatch(/EIO/);
    const third = http.appendEvents([row(3)]);
    await engine.transaction(async () => undefined, { durability: 'relaxed' });
    expect((await third).map((o) => o.kind)).toEqual(['appended']);
    // The rows of the failed groups were committed (a resend is answered as a duplicate).
    expect(await count(http)).toBe(3);
    expect((await http.appendEvents([row(1)]))[0]!.kind).toBe('duplicate');
  });

  it('a group that fails fails alone: the other groups and the transaction\'s own work commit', async () => {
    const { http, engine, posted } = await pair();
    const bad = { ...row(2), type: null as unknown as string }; // NOT NULL: the insert throws
    let good: Promise<AppendOutcome[]> | undefined;
    let failed: Promise<AppendOutcome[] | Error> | undefined;
    await engine.transaction(async (tx) => {
      good = http.appendEvents([row(1)]);
      failed = http.appendEvents([row(3), bad]).catch((e: Error) => e);
      await appendEvent(tx, row(9)); // the transaction's own work
    }, { durability: 'relaxed' });
    expect((await good!).map((o) => o.kind)).toEqual(['appended']);
    expect(String(await failed!)).toMatch(/NOT NULL/);
    expect(Atomics.load(posted, 0)).toBe(0);
    // row(3) was in the failed group: rolled back with it.
    expect((await http.read.all<{ id: string }>('SELECT id FROM events ORDER BY seq')).map((r) => r.id)).toEqual(['evt-9', 'evt-1']);
  });

  it('a group the engine store cannot append gets the error, and is uncounted all the same', async () => {
    const { http, engine, posted } = await pair();
    await engine.close();
    await expect(http.appendEvents([row(1)])).rejects.toThrow();
    expect(Atomics.load(posted, 0)).toBe(0);
  });

  it('a posted group makes the engine store contended, so a dispatch batch ends at its budget', async () => {
    const file = join(tempDir('omniops-appends-'), 'omniops.db');
    const posted = new Int32Array(new SharedArrayBuffer(4));
    const factory: StoreFactory = {
      name: 'sqlite',
      async open() {
        const store = new SqliteStore({ file, writeLock: SharedWriteLock.create(), appends: { on: 'writer', posted } });
        await store.migrate();
        return { store, dispose: () => store.close() };
      },
    };
    let calls = 0;
    const slow: EventHandler = {
      type: 'location.upserted',
      name: 'test.slow',
      async handle() {
        // The first event's handler sees a group posted from the HTTP thread (not yet arrived here).
        if (++calls === 1) Atomics.add(posted, 0, 1);
        const until = performance.now() + 2;
        while (performance.now() < until);
      },
    };
    let t: TestApp | undefined;
    try {
      t = await startTestApp(factory, {
        dispatcher: false,
        writeLock: SharedWriteLock.create(),
        handlers: (policies) => buildHandlers({ policies }).register(slow),
        config: { dispatch: { batchBudgetMs: 5, batchMaxMs: 5000, batchSize: 500 } },
      });
      for (let i = 0; i < 40; i++) {
        const e = envelope({ type: 'location.upserted', payload: { id: `L-${i}`, name: `L ${i}`, kind: 'store', lat: 52, lon: 5 } });
        expect((await t.app.intake.submit(e)).ok).toBe(true);
      }
      const first = await t.app.dispatcher.runOnce();
      expect(first).toBeGreaterThan(0);
      expect(first).toBeLessThan(40);
      // The group runs (and is uncounted); the rest follows in later batches.
      await (t.app.store as SqliteStore).appendPosted({ rows: [], settle: () => undefined });
      expect(Atomics.load(posted, 0)).toBe(0);
      let rest = 0;
      for (let n = await t.app.dispatcher.runOnce(); n > 0; n = await t.app.dispatcher.runOnce()) rest += n;
      expect(rest).toBe(40 - first);
    } finally {
      await t?.close();
    }
  });
});
