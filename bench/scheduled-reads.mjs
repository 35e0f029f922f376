#!/usr/bin/env node
/**
 * How long the books check and the anomaly scan hold SQLite's write lock, read in the tick's
 * transaction (before) and read off the lock with only the writes in the result event's (after):
 * `npm run build && node bench/scheduled-reads.mjs`.
 *
 * One SQLite store: the demo retailer's 9 locations and 500 SKUs stocked deep, `--orders` (20,000)
 * orders placed through the engine (all still open: 40,000 active reservations, ~80,000 audit
 * entries), then `--history` (30,000) delivered orders written straight into `orders`, spread over
 * the 30 days before, so the scan reads 50,000 orders. Only the dispatcher runs. Each run of a job:
 *
 *   before  a `schedule.tick` of the job (the legacy path: read and writes in the tick's transaction)
 *   after   the job's slot as the scheduler now runs it (`runOffLockSlot`: snapshot read, then the
 *           result event, whose handler writes)
 *
 * Reported per job and path, medians of `--runs` (3): the longest write transaction while the run
 * was processed (time inside BEGIN…COMMIT, i.e. the write lock held), the snapshot read's time
 * (after only), and the slowest commit of a writer on another thread with a connection of its own
 * (as intake's append worker or another process), one small write transaction every 20 ms meanwhile:
 * how long the file's write lock kept a writer out. (An intake submit from this thread would not
 * show it: while a read runs synchronously here, the submit is not even sent.)
 *
 *   --orders <n>   open orders placed through the engine (default 20000)
 *   --history <n>  orders written directly over the 30 days before (default 30000)
 *   --runs <n>     runs per job and path (default 3)
 *   --scan-orders <n>  orders the measured anomaly scans read (default 50000, the job's own bound)
 *
 * Besides, the read the scan did before it took only the placed lines out in SQL (the statement and a
 * JSON.parse of every ~4 KB document, one statement), once in a write transaction and once in a
 * snapshot, with the slowest commit of the other writer meanwhile. (Until the value detector kept its
 * baseline sorted, src/domain/anomaly/robust.ts, its rules grew with the square of the orders read:
 * 52 s at 10,000; this bench then read 3,000.)
 * Then where the read runs (config `scheduledReads.on`): each job's slot as `omniops serve` runs it,
 * read and computed in this thread (`thread`), on a worker thread (`worker`) or in a child process
 * (`process`, the default), with the
 * job's own settings (the scan: 50,000 orders): the longest stall of this thread's event loop
 * meanwhile (monitorEventLoopDelay's max — in serve this is the engine thread, whose stalls every
 * intake ack waits out), the slot's time, and what starting one alone costs (a read that fails
 * at once: spawn, module load, store open).
 *   --stall-only   only this part
 *   --json         one JSON line instead of the table
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { arg, loadDist, OrderWorkload, sleep } from './lib.mjs';

const ORDERS = Number(arg('orders', 20_000));
const HISTORY = Number(arg('history', 30_000));
const RUNS = Number(arg('runs', 3));
const SCAN_ORDERS = Number(arg('scan-orders', 50_000));
const DAY = 86_400_000;

const { createApp } = await loadDist('app.js');
const { loadConfig } = await loadDist('config.js');
const { createLogger } = await loadDist('observability/logger.js');
const { backlog, eventById } = await loadDist('store/repos/events.js');
const { insertOrder } = await loadDist('store/repos/orders.js');
const retailer = await loadDist('demo/retailer.js');
const { addSource } = await loadDist('engine/identity/sources.js');
const { runOffLockSlot } = await loadDist('engine/scheduler/off-lock.js');
const { booksCheckOffLock } = await loadDist('engine/checks/scheduled.js');
const { ScheduledReadWorkers } = await loadDist('engine/scheduler/read-worker.js');
const { offLockJobs } = await loadDist('engine/handlers/all.js');
const { anomalyScanOffLock, readAnomalyScan } = await loadDist('engine/anomaly/scan.js');

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const log = (...a) => console.error(`[scheduled-reads ${new Date().toISOString().slice(11, 19)}]`, ...a);

async function untilDrained(app) {
  while ((await backlog(app.store.read)).count > 0) await sleep(50);
}

const dir = mkdtempSync(join(os.tmpdir(), 'omniops-scheduled-reads-'));
const config = loadConfig({ dataDir: dir, store: 'sqlite', secretKey: randomBytes(32).toString('base64'), logLevel: 'silent' }, {});
const app = await createApp(config, { logger: createLogger('silent') });

// Every write transaction's time inside BEGIN…COMMIT (the lock held), while a run is measured.
let txTimes = null;
const transaction = app.store.transaction.bind(app.store);
app.store.transaction = (fn, options) => transaction(async (tx) => {
  const t0 = performance.now();
  try {
    return await fn(tx);
  } finally {
    txTimes?.push(performance.now() - t0);
  }
}, options);

try {
  await addSource(app.store, app.box, { id: 'bench', role: 'admin' }, 'bench', { kind: 'web' });
  const w = new OrderWorkload('bench', retailer);
  for (const e of w.locations()) {
    const r = await app.intake.submit(e);
    if (!r.ok) throw new Error(`seed refused: ${JSON.stringify(r.error)}`);
  }
  app.dispatcher.start();
  await untilDrained(app);
  log(`placing ${ORDERS} orders through the engine`);
  let next = 0;
  await Promise.all(Array.from({ length: 64 }, async () => {
    while (next < ORDERS) {
      next++;
      const r = await app.intake.submit(w.next());
      if (!r.ok) throw new Error(`order refused: ${JSON.stringify(r.error)}`);
    }
  }));
  await untilDrained(app);
  log(`writing ${HISTORY} delivered orders over the 30 days before`);
  const today = Math.floor(Date.now() / DAY) * DAY;
  const skus = retailer.demoProducts().map((p) => p.sku);
  await app.store.transaction(async (tx) => {
    for (let i = 0; i < HISTORY; i++) {
      const placedMs = today - 30 * DAY + Math.floor((i / HISTORY) * 30 * DAY);
      const id = `hist-${i}`;
      await insertOrder(tx, {
        id, source: 'bench', externalOrderId: id, state: 'delivered', holdReason: null, customerId: `hist-c-${i % 7000}`, addressKey: `hist-a-${i % 9000}`,
        total: 40 + (i % 60), currency: 'EUR', placedMs, promisedByMs: null,
        doc: { placed: { lines: [{ lineId: '1', sku: skus[(i * 7) % skus.length], qty: 1 + (i % 2), unitPrice: 20 }] }, paymentStatus: 'captured', routing: [], excludedLocationIds: [], history: [] },
      }, new Date(placedMs).toISOString());
    }
  });
  const counts = {
    orders: Number((await app.store.read.get('SELECT COUNT(*) AS n FROM orders')).n),
    open: Number((await app.store.read.get(`SELECT COUNT(*) AS n FROM orders WHERE state IN ('allocated', 'in_fulfilment')`)).n),
    reservations: Number((await app.store.read.get(`SELECT COUNT(*) AS n FROM reservations WHERE status = 'active'`)).n),
    audit: Number((await app.store.read.get('SELECT COUNT(*) AS n FROM audit')).n),
  };
  log('store:', JSON.stringify(counts));

  // The other writer: its own connection, BEGIN IMMEDIATE … COMMIT every 20 ms, its slowest commit reported.
  const probe = new Worker(`
    const { parentPort, workerData } = require('node:worker_threads');
    const Database = require(workerData.driver);
    const db = new Database(workerData.file);
    db.pragma('busy_timeout = 60000');
    const write = db.prepare("INSERT INTO scheduler_slots (job, last_slot_ms) VALUES ('bench-probe', ?) ON CONFLICT (job) DO UPDATE SET last_slot_ms = excluded.last_slot_ms");
    const begin = db.prepare('BEGIN IMMEDIATE'), commit = db.prepare('COMMIT');
    let on = false, slowest = 0;
    const sleep = new Int32Array(new SharedArrayBuffer(4));
    function loop() {
      if (!on) return;
      const t0 = performance.now();
      begin.run(); write.run(Date.now()); commit.run();
      slowest = Math.max(slowest, performance.now() - t0);
      setTimeout(loop, 20);
    }
    parentPort.on('message', (m) => {
      if (m === 'start') { on = true; slowest = 0; loop(); }
      else if (m === 'stop') { on = false; parentPort.postMessage(slowest); }
      else if (m === 'close') { db.close(); process.exit(0); }
    });
  `, { eval: true, workerData: { file: join(dir, 'omniops.db'), driver: createRequire(import.meta.url).resolve('better-sqlite3') } });

  /** One measured run: the longest write transaction meanwhile, the read's time, the slowest intake commit. */
  async function measure(start) {
    txTimes = [];
    probe.postMessage('start');
    await sleep(100);
    const { eventId, readMs } = await start();
    for (;;) {
      const e = await eventById(app.store.read, eventId);
      if (e && e.status !== 'pending') {
        if (e.status !== 'processed') throw new Error(`run ${eventId} ${e.status}: ${e.lastError}`);
        break;
      }
      await sleep(5);
    }
    await sleep(100);
    const slowest = await new Promise((resolve) => {
      probe.once('message', resolve);
      probe.postMessage('stop');
    });
    await untilDrained(app);
    const longest = Math.max(...txTimes);
    txTimes = null;
    return { lockMs: longest, readMs, slowestAckMs: slowest };
  }

  const eventOf = async (sourceEventId) => (await app.store.read.get(`SELECT id FROM events WHERE source = 'scheduler' AND source_event_id = ?`, [sourceEventId])).id;
  let slot = Math.floor(Date.now() / 3_600_000) * 3_600_000;
  const scanSettings = { reportDays: 7, maxOrders: SCAN_ORDERS, maxFindings: 500, readPage: 5000 };
  const jobs = { 'books-check': booksCheckOffLock, 'anomaly-scan': anomalyScanOffLock(app.policies, scanSettings) };
  const results = {};
  for (let run = 0; run < (process.argv.includes('--stall-only') ? 0 : RUNS); run++) {
    for (const [job, offLock] of Object.entries(jobs)) {
      slot += 3_600_000;
      const before = job === 'anomaly-scan' ? await measure(async () => {
        const sourceEventId = `bench-legacy-scan-${slot}`;
        await app.store.transaction((tx) => readAnomalyScan(tx, app.policies, { job, slotMs: slot, now: Date.now() }, scanSettings, true));
        // Something to wait for, after the transaction: the measure waits for an event to be processed.
        const r = await app.intake.submit({ source: 'scheduler', sourceEventId, type: 'schedule.tick', occurredAt: new Date().toISOString(), payload: { job: 'retried-items-watch', slotMs: slot } }, { internal: true, actor: 'scheduler', actorRole: 'system' });
        return { eventId: r.eventId, readMs: null };
      }) : await measure(async () => {
        const sourceEventId = `${job}@bench-legacy-${slot}`;
        const r = await app.intake.submit({ source: 'scheduler', sourceEventId, type: 'schedule.tick', occurredAt: new Date().toISOString(), payload: { job, slotMs: slot } }, { internal: true, actor: 'scheduler', actorRole: 'system' });
        if (!r.ok) throw new Error(JSON.stringify(r.error));
        return { eventId: r.eventId, readMs: null };
      });
      slot += 3_600_000;
      const after = await measure(async () => {
        const t0 = performance.now();
        const status = await runOffLockSlot(app.store, app.intake, offLock, { job, slotMs: slot, now: Date.now() });
        if (status !== 'accepted') throw new Error(`${job}: ${status}`);
        // The read and the submit (one intake commit), as the scheduler runs them.
        return { eventId: await eventOf(`${job}@${new Date(slot).toISOString()}`), readMs: performance.now() - t0 };
      });
      (results[job] ??= { before: [], after: [] }).before.push(before);
      results[job].after.push(after);
      log(job, 'run', run + 1, 'before', JSON.stringify(before), 'after', JSON.stringify(after));
    }
  }
  // Where the read runs: the engine thread's longest event-loop stall during a slot, in-thread vs on a worker.
  const where = { store: config.store, dataDir: config.dataDir, sqliteSynchronous: config.sqliteSynchronous };
  const places = { worker: new ScheduledReadWorkers(where, config.scheduledReads.deadlineMs, 'worker'), process: new ScheduledReadWorkers(where, config.scheduledReads.deadlineMs, 'process') };
  const ownJobs = offLockJobs(app.policies);
  const stalls = {};
  for (let run = 0; run < RUNS; run++) {
    for (const job of Object.keys(ownJobs)) {
      for (const on of ['thread', 'worker', 'process']) {
        slot += 3_600_000;
        const reader = on === 'thread' ? undefined : async (name, s) => (await places[on].read(name, s)).result;
        const h = monitorEventLoopDelay({ resolution: 5 });
        h.enable();
        const t0 = performance.now();
        const status = await runOffLockSlot(app.store, app.intake, ownJobs[job], { job, slotMs: slot, now: Date.now() }, reader);
        const slotMs = performance.now() - t0;
        h.disable();
        if (status !== 'accepted') throw new Error(`${job} on ${on}: ${status}`);
        await untilDrained(app);
        ((stalls[job] ??= {})[on] ??= []).push({ stallMs: h.max / 1e6, slotMs });
        log(job, on, 'run', run + 1, JSON.stringify(stalls[job][on].at(-1)));
      }
    }
  }
  const starts = { worker: [], process: [] };
  for (let run = 0; run < RUNS; run++) {
    for (const on of ['worker', 'process']) {
      const t0 = performance.now();
      await places[on].read('bench-no-such-job', { job: 'bench-no-such-job', slotMs: slot, now: Date.now() }).catch(() => undefined);
      starts[on].push(performance.now() - t0);
    }
  }
  await places.worker.close();
  await places.process.close();
  const stallSummary = Object.fromEntries(Object.entries(stalls).map(([job, by]) => [job, Object.fromEntries(Object.entries(by).map(([on, r]) => [on, {
    stallMs: +median(r.map((x) => x.stallMs)).toFixed(1), slotMs: +median(r.map((x) => x.slotMs)).toFixed(1) }]))]));
  const startMs = { worker: +median(starts.worker).toFixed(1), process: +median(starts.process).toFixed(1) };
  if (process.argv.includes('--stall-only')) {
    if (process.argv.includes('--json')) console.log(JSON.stringify({ store: counts, runs: RUNS, stalls: stallSummary, startMs }));
    else printStalls();
    probe.postMessage('close');
    process.exitCode = 0;
  }
  function printStalls() {
    console.log(`store: ${JSON.stringify(counts)}; medians of ${RUNS} runs`);
    console.log('| job (its own settings) | longest event-loop stall: in-thread | worker | process | slot\'s time: in-thread | worker | process |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const [job, s] of Object.entries(stallSummary)) console.log(`| ${job} | ${s.thread.stallMs} ms | ${s.worker.stallMs} ms | ${s.process.stallMs} ms | ${s.thread.slotMs} ms | ${s.worker.slotMs} ms | ${s.process.slotMs} ms |`);
    console.log(`starting one alone (spawn, load, open, fail): worker ${startMs.worker} ms, process ${startMs.process} ms`);
    console.log('');
  }
  if (!process.argv.includes('--stall-only')) {
  // The full-size read of the scan (statement + parse of every doc), in a write transaction vs a snapshot.
  const fullRead = async (db) => {
    const rows = await db.all('SELECT id, customer_id, address_key, placed_ms, total, state, doc FROM orders WHERE placed_ms >= ? AND placed_ms < ? ORDER BY placed_ms, id LIMIT ?', [today - 37 * DAY, Date.now(), 50_000]);
    let lines = 0;
    for (const r of rows) lines += JSON.parse(r.doc).placed.lines.length;
    return { rows: rows.length, lines };
  };
  const full = { inTx: [], snapshot: [] };
  for (let run = 0; run < RUNS; run++) {
    for (const [how, go] of [['inTx', (f) => app.store.transaction((tx) => f(tx))], ['snapshot', (f) => app.store.snapshot(f)]]) {
      slot += 3_600_000;
      let readMs = 0;
      let rows = 0;
      const m = await measure(async () => {
        const t0 = performance.now();
        rows = (await go(fullRead)).rows;
        readMs = performance.now() - t0;
        const r = await app.intake.submit({ source: 'scheduler', sourceEventId: `bench-full-read-${slot}`, type: 'schedule.tick', occurredAt: new Date().toISOString(), payload: { job: 'retried-items-watch', slotMs: slot } }, { internal: true, actor: 'scheduler', actorRole: 'system' });
        return { eventId: r.eventId, readMs: null };
      });
      full[how].push({ ...m, readMs, rows });
      log('full-size scan read', how, JSON.stringify(full[how].at(-1)));
    }
  }
  const fullSummary = Object.fromEntries(Object.entries(full).map(([how, r]) => [how, { rows: r[0].rows, readMs: +median(r.map((x) => x.readMs)).toFixed(1), lockMs: +median(r.map((x) => x.lockMs)).toFixed(1), slowestAckMs: +median(r.map((x) => x.slowestAckMs)).toFixed(1) }]));
  const summary = Object.fromEntries(Object.entries(results).map(([job, r]) => [job, {
    before: { lockMs: +median(r.before.map((x) => x.lockMs)).toFixed(1), slowestAckMs: +median(r.before.map((x) => x.slowestAckMs)).toFixed(1) },
    after: { lockMs: +median(r.after.map((x) => x.lockMs)).toFixed(1), readMs: +median(r.after.map((x) => x.readMs)).toFixed(1), slowestAckMs: +median(r.after.map((x) => x.slowestAckMs)).toFixed(1) },
  }]));
  if (process.argv.includes('--json')) console.log(JSON.stringify({ store: counts, runs: RUNS, scanOrders: SCAN_ORDERS, summary, fullScanRead: fullSummary, stalls: stallSummary, startMs }));
  else {
    printStalls();
    console.log(`store: ${JSON.stringify(counts)}; medians of ${RUNS} runs`);
    console.log('| job | longest write transaction, before | after | read off the lock (after) | slowest commit of another writer meanwhile, before | after |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
    for (const [job, s] of Object.entries(summary)) console.log(`| ${job}${job === 'anomaly-scan' ? ` (${SCAN_ORDERS} orders)` : ''} | ${s.before.lockMs} ms | ${s.after.lockMs} ms | ${s.after.readMs} ms | ${s.before.slowestAckMs} ms | ${s.after.slowestAckMs} ms |`);
    console.log('');
    console.log('| the scan\'s former read (one statement + JSON.parse of every doc) | rows | read | longest write transaction | slowest commit of another writer meanwhile |');
    console.log('| --- | ---: | ---: | ---: | ---: |');
    for (const [how, s] of Object.entries(fullSummary)) console.log(`| ${how === 'inTx' ? 'in a write transaction (before)' : 'in a snapshot (after)'} | ${s.rows} | ${s.readMs} ms | ${s.lockMs} ms | ${s.slowestAckMs} ms |`);
  }
  probe.postMessage('close');
  }
} finally {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
}
