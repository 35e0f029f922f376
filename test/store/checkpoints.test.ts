import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { closeSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { SharedWriteLock } from '../../src/store/shared-lock.js';
import { tempDir } from '../support/stores.js';

/**
 * The engine thread's store (appends on its writer) has its WAL checkpointed by a worker thread:
 * the bulk while it goes on writing, the rest under the write lock, so the WAL is wholly copied and
 * started over again and again under a write load that never pauses — it does not grow without bound.
 */

const open: SqliteStore[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); // ~40 MB each
});

/** The WAL header's checkpoint sequence number: SQLite adds one each time it starts the WAL over. */
function walGeneration(wal: string): number {
  const fd = openSync(wal, 'r');
  try {
    const header = Buffer.alloc(16);
    readSync(fd, header, 0, 16, 0);
    return header.readUInt32BE(12);
  } finally {
    closeSync(fd);
  }
}

const ROWS_PER_TX = 100;
const TRANSACTIONS = 400; // ~40 MB of rows, never a pause between transactions

async function writeWithoutPause(checkpointEveryMs: number) {
  const dir = tempDir('omniops-checkpoints-');
  dirs.push(dir);
  const file = join(dir, 'omniops.db');
  const store = new SqliteStore({ file, writeLock: SharedWriteLock.create(), appends: { on: 'writer' }, checkpointEveryMs });
  open.push(store);
  await store.migrate();
  await store.transaction((tx) => tx.run('CREATE TABLE filler (id INTEGER PRIMARY KEY, body TEXT NOT NULL)'));
  const body = 'x'.repeat(1000);
  const generations = new Set<number>();
  let largestWal = 0;
  for (let t = 0; t < TRANSACTIONS; t++) {
    await store.transaction(async (tx) => {
      for (let i = 0; i < ROWS_PER_TX; i++) await tx.run('INSERT INTO filler (body) VALUES (?)', [`${t}:${i}:${body}`]);
    });
    largestWal = Math.max(largestWal, statSync(`${file}-wal`).size);
    generations.add(walGeneration(`${file}-wal`));
    await new Promise((resolve) => setImmediate(resolve)); // timers get their turn, as between dispatch batches
  }
  const written = (await store.read.get<{ n: number }>('SELECT COUNT(*) AS n FROM filler'))!.n;
  return { file, largestWal, restarts: generations.size - 1, written };
}

describe('checkpoints of the engine thread\'s store', () => {
  it('run on a worker and keep the WAL bounded under writes that never pause', async () => {
    const r = await writeWithoutPause(20);
    expect(r.written).toBe(TRANSACTIONS * ROWS_PER_TX);
    expect(r.restarts).toBeGreaterThanOrEqual(3);
    expect(r.largestWal).toBeLessThan(24 * 1024 * 1024); // the rows alone are ~40 MB
    await open.pop()!.close();
    // Everything is in the database file, intact.
    const db = new Database(r.file, { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect((db.prepare('SELECT COUNT(*) AS n FROM filler').get() as { n: number }).n).toBe(TRANSACTIONS * ROWS_PER_TX);
    } finally {
      db.close();
    }
  }, 60_000);
});
