#!/usr/bin/env node
/**
 * Which tables and indexes a write load dirties: reads a SQLite WAL and counts, per commit, the
 * pages written, named by the b-tree they belong to (SQLite's dbstat). Every page a commit dirties
 * is a WAL frame (two write calls) and later a checkpoint write, so pages per order is the write
 * cost that indexes and row sizes add up to.
 *
 *   node bench/wal-pages.mjs <copy of the .db> [<copy of its -wal>]   (default: <db>-wal)
 *
 * Copy both files while the load runs (`npm run bench:engine -- --wal-sample 4000` does), since a
 * checkpoint restarts the WAL and closing the database removes it. Only the frames of the WAL's
 * current generation are counted (the salt in each frame header matches the file header's).
 */
import { copyFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';

const [dbFile, walArg] = process.argv.slice(2);
if (!dbFile) {
  console.error('usage: node bench/wal-pages.mjs <db> [<wal>]');
  process.exit(2);
}
const walFile = walArg ?? `${dbFile}-wal`;
const wal = readFileSync(walFile);
const pageSize = wal.readUInt32BE(8);
const salt = [wal.readUInt32BE(16), wal.readUInt32BE(20)];
const commits = [];
let current = [];
for (let off = 32; off + 24 + pageSize <= wal.length; off += 24 + pageSize) {
  if (wal.readUInt32BE(off + 8) !== salt[0] || wal.readUInt32BE(off + 12) !== salt[1]) break;
  current.push(wal.readUInt32BE(off));
  if (wal.readUInt32BE(off + 4) !== 0) { // a commit frame carries the database size
    commits.push(current);
    current = [];
  }
}
// Name the pages with the WAL applied (pages added since the last checkpoint exist only there).
const scratch = join(tmpdir(), `wal-pages-${process.pid}.db`);
copyFileSync(dbFile, scratch);
copyFileSync(walFile, `${scratch}-wal`);
const db = new Database(scratch, { readonly: true });
const owner = new Map(db.prepare('SELECT name, pageno FROM dbstat').all().map((r) => [r.pageno, r.name]));
const orders = db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'orders'").get().n ? db.prepare('SELECT COUNT(*) AS n FROM orders').get().n : 0;
db.close();
rmSync(scratch, { force: true });
rmSync(`${scratch}-wal`, { force: true });
rmSync(`${scratch}-shm`, { force: true });

const byName = new Map();
let frames = 0;
for (const c of commits) for (const page of c) {
  frames++;
  const name = owner.get(page) ?? '(freelist or new)';
  byName.set(name, (byName.get(name) ?? 0) + 1);
}
if (commits.length === 0) {
  console.log('no committed frames in the WAL (it was just checkpointed and restarted)');
  process.exit(0);
}
const orderPages = byName.get('orders') ?? 0;
console.log(`${commits.length} commits, ${frames} pages written (${(frames / commits.length).toFixed(0)} per commit); ${orders} orders in the database`);
if (orderPages) console.log(`pages written per page of order rows: ${(frames / orderPages).toFixed(1)} (a size-free ratio for comparing builds)`);
console.log('\n  pages  per commit  b-tree');
for (const [name, n] of [...byName].sort((a, b) => b[1] - a[1]).slice(0, 30)) {
  console.log(`${String(n).padStart(7)} ${(n / commits.length).toFixed(1).padStart(11)}  ${name}`);
}
