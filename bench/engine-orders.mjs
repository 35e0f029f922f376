#!/usr/bin/env node
/**
 * The engine alone on orders: `npm run build && node bench/engine-orders.mjs`.
 *
 * What `npm run bench`'s order phase cannot separate: with intake and the load generator sharing two
 * cores, "processed during the load" mixes the engine's speed with its share of the machine. Here a
 * SQLite store gets the demo retailer's 9 locations and 500 SKUs stocked deep, then N `order.placed`
 * (the same workload as the order phase: 1–3 lines, standard/express, from a web channel) are taken in with the workers
 * stopped; then the workers start — dispatcher, scheduler, delivery, availability, AI, as on the
 * engine thread (the app holds a shared write lock, so batches may run long while nobody waits) —
 * and the clock runs until nothing is pending. Every order must end allocated.
 *
 *   --orders <n>   orders per run (default 4000)
 *   --events       the events phases' workload instead (`inventory.snapshot` of 10 lines, 1–3 changed,
 *                  50 locations; `--orders` then counts events): the engine's share of an event
 *   --adjustments  with --events: `inventory.adjusted` (one sku, ±1–3, 50 locations) instead of counts
 *   --runs <n>     runs, each on a fresh store; the median is reported (default 3)
 *   --inline       dispatch settings of an inline app (the batch budget is the ceiling)
 *   --sql-stats    per statement: calls, total and mean time (better-sqlite3 wrapped), after the runs
 *   --json         one JSON line instead of the table
 *   --keep         keep the last run's data directory (printed) to look at its tables afterwards
 *   --pg <url>     a PostgreSQL store instead (a schema of its own per run, dropped after it): the
 *                  statements counted are round trips to the server, `--sql-stats` times each one
 *                  (the client's wait, the server's work included); KB written is this process's
 *                  only, so not comparable with SQLite's
 *   --wal-sample <ms>  copy the database and its WAL that long into the drain (printed; read them
 *                  with `node bench/wal-pages.mjs <copy>`: pages written per commit, by table/index)
 *   BENCH_DIST     compiled code to use (default ./dist; another commit's build for an A/B)
 *
 * Besides the rate, each run reports what the drain cost per order in units that vary less than
 * time on a shared machine: SQL statements, bytes handed to write() (WAL frames and checkpoints, from
 * /proc/self/io) and CPU milliseconds (all threads). Compare builds on these first
 * (`bench/engine-ab.mjs` does it for two builds).
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { arg, DIST, EventWorkload, loadDist, OrderWorkload, sleep } from './lib.mjs';

const load = loadDist;
const has = (name) => process.argv.includes(`--${name}`);
const ORDERS = Number(arg('orders', 4000));
const RUNS = Number(arg('runs', 3));
const EVENTS = has('events');
const PG_URL = arg('pg', null);
const UNIT = EVENTS ? 'events' : 'orders';

const { createApp } = await load('app.js');
const { loadConfig } = await load('config.js');
const { createLogger } = await load('observability/logger.js');
const { backlog } = await load('store/repos/events.js');
const { SharedWriteLock } = await load('store/shared-lock.js');
const retailer = await load('demo/retailer.js');
const { addSource } = await load('engine/identity/sources.js');

/** Statements run (every better-sqlite3 run/get/all), counted always; timed by SQL text with --sql-stats. */
let statements = 0;
const sqlStats = new Map();
{
  const timing = has('sql-stats');
  const proto = Object.getPrototypeOf(new Database(':memory:').prepare('SELECT 1'));
  for (const method of ['run', 'get', 'all']) {
    const original = proto[method];
    proto[method] = function counted(...params) {
      statements++;
      if (!timing) return original.apply(this, params);
      const t0 = process.hrtime.bigint();
      try {
        return original.apply(this, params);
      } finally {
        const sql = this.source.replace(/\s+/g, ' ');
        // Statements that differ only after 100 characters (IN lists) are told apart by their length.
        const key = `${method} ${sql.slice(0, 100)}${sql.length > 100 ? ` …(${sql.length} chars)` : ''}`;
        const s = sqlStats.get(key) ?? { calls: 0, ns: 0n };
        s.calls++;
        s.ns += process.hrtime.bigint() - t0;
        sqlStats.set(key, s);
      }
    };
  }
}

/** On PostgreSQL every query the store sends is a round trip: counted (and timed) the same way. */
if (PG_URL) {
  const { default: pg } = await import('pg');
  const timing = has('sql-stats');
  for (const proto of [pg.Client.prototype, pg.Pool.prototype]) {
    const original = proto.query;
    proto.query = function counted(config, ...rest) {
      const text = typeof config === 'string' ? config : config?.text;
      // A pool's query goes through one of its clients: count it there only.
      if (proto === pg.Pool.prototype || typeof text !== 'string') return original.call(this, config, ...rest);
      statements++;
      if (!timing) return original.call(this, config, ...rest);
      const t0 = process.hrtime.bigint();
      const done = () => {
        const sql = text.replace(/\s+/g, ' ');
        const key = `pg ${sql.slice(0, 100)}${sql.length > 100 ? ` …(${sql.length} chars)` : ''}`;
        const s = sqlStats.get(key) ?? { calls: 0, ns: 0n };
        s.calls++;
        s.ns += process.hrtime.bigint() - t0;
        sqlStats.set(key, s);
      };
      const r = original.call(this, config, ...rest);
      if (r && typeof r.then === 'function') r.then(done, done);
      return r;
    };
  }
}

/** Bytes this process handed to write() so far (all threads), or NaN where /proc is not there. */
function bytesWritten() {
  try {
    return Number(/^wchar: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'))?.[1] ?? NaN);
  } catch {
    return NaN;
  }
}

async function untilDrained(app) {
  for (;;) {
    if ((await backlog(app.store.read)).count === 0) return;
    await sleep(100);
  }
}

async function run() {
  const dir = mkdtempSync(join(os.tmpdir(), 'omniops-engine-orders-'));
  const pgSchema = `bench_engine_${process.pid}_${Date.now().toString(36)}`;
  const config = loadConfig({ dataDir: dir, store: PG_URL ?? 'sqlite', ...(PG_URL ? { pgSchema } : {}), secretKey: randomBytes(32).toString('base64'), logLevel: 'silent' }, {});
  const app = await createApp(config, { logger: createLogger('silent'), ...(has('inline') || PG_URL ? {} : { writeLock: SharedWriteLock.create() }) });
  try {
    // As in the HTTP order phase: the orders' source is a web channel, so every order also changes
    // what that channel may sell (availability deltas, written by the publisher every 500 ms).
    await addSource(app.store, app.box, { id: 'bench', role: 'admin' }, 'bench', { kind: 'web' });
    const w = EVENTS ? new EventWorkload('bench', { adjustments: has('adjustments') }) : new OrderWorkload('bench', retailer);
    for (const e of w.locations()) {
      const r = await app.intake.submit(e);
      if (!r.ok) throw new Error(`seed refused: ${JSON.stringify(r.error)}`);
    }
    app.startWorkers();
    await untilDrained(app);
    await app.dispatcher.stop();
    let next = 0;
    await Promise.all(Array.from({ length: 64 }, async () => {
      while (next < ORDERS) {
        next++;
        const r = await app.intake.submit(w.next());
        if (!r.ok) throw new Error(`order refused: ${JSON.stringify(r.error)}`);
      }
    }));
    sqlStats.clear();
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const statements0 = statements;
    const written0 = bytesWritten();
    app.dispatcher.start();
    if (arg('wal-sample', null) !== null) {
      const sample = setTimeout(() => {
        const to = join(os.tmpdir(), `omniops-wal-sample-${process.pid}.db`);
        copyFileSync(join(dir, 'omniops.db-wal'), `${to}-wal`);
        copyFileSync(join(dir, 'omniops.db'), to);
        console.error(`database and WAL copied to ${to}(-wal) after ${arg('wal-sample')} ms of the drain`);
      }, Number(arg('wal-sample')));
      sample.unref();
    }
    await untilDrained(app);
    const secs = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const perOrder = {
      statements: (statements - statements0) / ORDERS,
      writtenKB: (bytesWritten() - written0) / 1024 / ORDERS,
      cpuMs: (cpu.user + cpu.system) / 1000 / ORDERS,
    };
    if (EVENTS) {
      const type = has('adjustments') ? 'inventory.adjusted' : 'inventory.snapshot';
      const done = await app.store.read.get(`SELECT COUNT(*) AS n FROM events WHERE type = '${type}' AND status = 'processed'`);
      if (Number(done?.n) !== ORDERS) throw new Error(`expected ${ORDERS} ${type} processed, found ${done?.n}`);
    } else {
      const states = Object.fromEntries((await app.store.read.all('SELECT state, COUNT(*) AS n FROM orders GROUP BY state')).map((r) => [r.state, Number(r.n)]));
      if (states.allocated !== ORDERS) throw new Error(`expected ${ORDERS} orders allocated, found ${JSON.stringify(states)}`);
    }
    return { secs, ordersPerSec: ORDERS / secs, cpuCores: (cpu.user + cpu.system) / 1e6 / secs, perOrder };
  } finally {
    await app.close();
    if (PG_URL && !has('keep')) await dropSchema(pgSchema);
    if (has('keep')) console.error(`data kept in ${dir}${PG_URL ? ` (schema ${pgSchema})` : ''}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

async function dropSchema(schema) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

const results = [];
for (let i = 0; i < RUNS; i++) results.push(await run());
const sorted = [...results].sort((a, b) => a.ordersPerSec - b.ordersPerSec);
const median = sorted[Math.floor(sorted.length / 2)];
const medianOf = (f) => [...results].map(f).sort((a, b) => a - b)[Math.floor(results.length / 2)];
const perOrder = {
  statements: +medianOf((r) => r.perOrder.statements).toFixed(2),
  writtenKB: +medianOf((r) => r.perOrder.writtenKB).toFixed(1),
  cpuMs: +medianOf((r) => r.perOrder.cpuMs).toFixed(3),
};
const out = { orders: ORDERS, runs: RUNS, inline: has('inline'), dist: DIST, medianOrdersPerSec: Math.round(median.ordersPerSec), ordersPerSec: results.map((r) => Math.round(r.ordersPerSec)), cpuCores: +median.cpuCores.toFixed(2), perOrder };
if (has('json')) console.log(JSON.stringify(out));
else {
  console.log(`${ORDERS} ${UNIT} drained by the engine${out.inline ? ' (inline settings)' : ''}, ${RUNS} runs: median ${out.medianOrdersPerSec} ${UNIT}/s (runs: ${out.ordersPerSec.join(', ')}), ${out.cpuCores} cores of CPU (the process, all threads)`);
  console.log(`per ${UNIT.slice(0, -1)} (medians): ${perOrder.statements} SQL statements, ${perOrder.writtenKB} KB handed to write(), ${perOrder.cpuMs} ms of CPU`);
}
if (has('sql-stats')) {
  const rows = [...sqlStats].sort((a, b) => Number(b[1].ns - a[1].ns)).slice(0, 30);
  console.log('\nSQL of the last run, by total time: calls, total ms, mean µs, statement');
  for (const [sql, s] of rows) console.log(`${String(s.calls).padStart(7)} ${(Number(s.ns) / 1e6).toFixed(0).padStart(7)} ${(Number(s.ns) / 1e3 / s.calls).toFixed(0).padStart(6)}  ${sql}`);
}
