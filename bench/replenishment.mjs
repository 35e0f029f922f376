#!/usr/bin/env node
/**
 * Replenishment check benchmark: `npm run build && node bench/replenishment.mjs`.
 *
 * Seeds a SQLite store with the demo catalogue (500 skus, src/demo/retailer.ts) stocked at 10
 * locations (the demo's 9 plus a second DC: every sku × location a position), 90 days of synthetic
 * order history in `reservations` (regular sellers with a weekly rhythm, intermittent ones), two
 * suppliers per sku (primary + alternate, a third of them late in their receipt history), open POs
 * (some delayed) and a few promotions. Then times ONE full replenishment check as the app runs it:
 * a `schedule.tick` for `replenishment-check` through the dispatcher — reading the input, the
 * evaluation, and writing risks, recommendations, their decided events, outbox rows and audit, in
 * one transaction — and, separately, the pure evaluation on the same input.
 *
 *   --runs <n>   checks to time (each on a fresh copy of the seeded store; default 3)
 *   --json       one JSON line instead of the table
 *   BENCH_DIST   compiled code to use (default ./dist)
 */
import { mkdtempSync, copyFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { arg, loadDist } from './lib.mjs';

const load = loadDist;
const RUNS = Number(arg('runs', 3));
const JSON_OUT = process.argv.includes('--json');

const [{ SqliteStore }, { createApp }, { loadConfig }, { createLogger }, retailer, { replenishmentInput }, { evaluateReplenishment }, { defaultReplenishmentPolicy }] = await Promise.all([
  load('store/sqlite/sqlite-store.js'), load('app.js'), load('config.js'), load('observability/logger.js'), load('demo/retailer.js'),
  load('engine/replenishment/check.js'), load('domain/replenishment/evaluate.js'), load('policy/kinds/replenishment.js'),
]);

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 30, 6, 0, 0);
const TODAY = Math.floor(NOW / DAY);
const iso = (day) => new Date(day * DAY).toISOString().slice(0, 10);

function poisson(rand, mean) {
  const limit = Math.exp(-mean);
  let k = 0;
  let p = rand();
  while (p > limit) { k++; p *= rand(); }
  return k;
}

// ---------------------------------------------------------------- seed
const dir = mkdtempSync(join(os.tmpdir(), 'omniops-bench-repl-'));
const seedFile = join(dir, 'seed.db');
{
  const store = new SqliteStore({ file: seedFile });
  await store.migrate();
  await store.close();
}
const products = retailer.demoProducts();
const locations = [...retailer.demoLocations(), { id: 'dc-venlo', name: 'Distribution centre Venlo', kind: 'dc' }];
const db = new Database(seedFile);
db.pragma('journal_mode = WAL');
const { seededRandom } = await load('domain/random.js');
const rand = seededRandom(42);
const weekly = [0.7, 1.1, 0.9, 0.9, 1.0, 1.2, 1.2];
const counts = { positions: 0, historyRows: 0, purchaseOrders: 0, suppliers: 12, promotions: 0 };
db.transaction(() => {
  const at = new Date(NOW).toISOString();
  const loc = db.prepare('INSERT INTO locations (id, name, kind, attrs, updated_at, updated_by_event) VALUES (?, ?, ?, ?, ?, ?)');
  for (const l of locations) loc.run(l.id, l.name, l.kind, JSON.stringify(l), at, 'bench');
  const sup = db.prepare('INSERT INTO suppliers (id, name, lead_time_days, doc, updated_at) VALUES (?, ?, ?, ?, ?)');
  for (let s = 1; s <= 12; s++) sup.run(`sup-${s}`, `Supplier ${s}`, 7, JSON.stringify({ id: `sup-${s}`, name: `Supplier ${s}`, leadTimeDays: 7, skus: [] }), at);
  const term = db.prepare('INSERT INTO supplier_terms (supplier_id, sku, lead_time_days, unit_cost, moq, pack_size, is_primary) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const stock = db.prepare('INSERT INTO stock (sku, location_id, on_hand, reserved, protected, safety_stock, updated_at) VALUES (?, ?, ?, ?, 0, 0, ?)');
  const res = db.prepare(`INSERT INTO reservations (id, order_id, line_id, fulfilment_id, sku, location_id, qty, status, created_at, updated_at) VALUES (?, ?, '1', ?, ?, ?, ?, 'consumed', ?, ?)`);
  const po = db.prepare(`INSERT INTO purchase_orders (id, supplier_id, location_id, state, expected_date, planned_date, promised_date, received_date, expedite, recommendation_id, value, created_ms, doc, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, NULL, 0, ?, '{"approvals":[],"history":[],"requestedBy":null,"delays":[]}', ?)`);
  const line = db.prepare('INSERT INTO purchase_order_lines (po_id, sku, qty, received_qty, unit_cost) VALUES (?, ?, ?, ?, ?)');
  const promo = db.prepare('INSERT INTO promotions (id, uplift, from_date, to_date, doc, updated_at) VALUES (?, ?, ?, ?, ?, ?)');
  let n = 0;
  for (const [i, p] of products.entries()) {
    const primary = p.supplierIds[0];
    const alternate = `sup-${(Number(primary.slice(4)) % 12) + 1}`;
    term.run(primary, p.sku, 3 + Math.floor(rand() * 12), p.cost, [1, 6, 12][i % 3], [1, 6][i % 2], 1);
    term.run(alternate, p.sku, 2 + Math.floor(rand() * 6), Math.round(p.cost * 115) / 100, 1, 1, 0);
    const intermittent = rand() < 0.3;
    const mean = intermittent ? 0.1 + rand() * 0.4 : 0.5 + rand() * 8;
    if (rand() < 0.04) {
      const promotion = { promotionId: `promo-${p.sku}`, skus: [p.sku], uplift: 1.5, from: iso(TODAY + 2), to: iso(TODAY + 9) };
      promo.run(promotion.promotionId, promotion.uplift, promotion.from, promotion.to, JSON.stringify(promotion), at);
      counts.promotions++;
    }
    for (const l of locations) {
      for (let d = 90; d >= 1; d--) {
        const day = TODAY - d;
        const q = intermittent ? (rand() < mean ? 1 + Math.floor(rand() * 4) : 0) : poisson(rand, mean * weekly[(((day + 4) % 7) + 7) % 7]);
        if (q === 0) continue;
        const when = new Date(day * DAY + 10 * 3_600_000).toISOString();
        res.run(`r${++n}`, `o${n}`, `f${n}`, p.sku, l.id, q, when, when);
        counts.historyRows++;
      }
      const daily = intermittent ? mean * 2.5 : mean;
      const onHand = Math.floor(daily * rand() * 25);
      stock.run(p.sku, l.id, onHand, Math.floor(onHand * rand() * 0.1), at);
      counts.positions++;
      if (rand() < 0.25) {
        const id = `po-${++counts.purchaseOrders}`;
        const expected = TODAY + 1 + Math.floor(rand() * 10);
        const delayed = rand() < 0.2;
        po.run(id, primary, l.id, delayed ? 'delayed' : 'confirmed', iso(delayed ? expected + 6 : expected), iso(expected), iso(expected), null, NOW - DAY, at);
        line.run(id, p.sku, Math.max(6, Math.ceil(daily * 10)), 0, p.cost);
      }
    }
  }
  // Receipt history: 8 per supplier; every third supplier is late half the time.
  for (let s = 1; s <= 12; s++) {
    for (let k = 0; k < 8; k++) {
      const id = `po-${++counts.purchaseOrders}`;
      const promised = TODAY - 10 - k * 9;
      const late = s % 3 === 0 && rand() < 0.5 ? 1 + Math.floor(rand() * 5) : 0;
      po.run(id, `sup-${s}`, 'dc-tilburg', 'received', iso(promised), iso(promised), iso(promised), iso(promised + late), NOW - 30 * DAY, at);
      line.run(id, products[(s * 8 + k) % products.length].sku, 10, 10, 1);
    }
  }
})();
db.close();

// ---------------------------------------------------------------- time
const results = [];
for (let run = 0; run < RUNS; run++) {
  const file = join(dir, `run-${run}.db`);
  copyFileSync(seedFile, file);
  const store = new SqliteStore({ file });
  await store.migrate();
  const config = loadConfig({ dataDir: dir, port: 0, secretKey: Buffer.alloc(32, 7).toString('base64'), logLevel: 'silent' }, {});
  const app = await createApp(config, { logger: createLogger('silent'), store, clock: () => NOW });

  // The pure evaluation alone, on the input as the check reads it.
  const policy = await app.policies.get('replenishment');
  const t0 = performance.now();
  const { input } = await replenishmentInput(store.read, NOW, policy);
  const t1 = performance.now();
  let k = 0;
  const evaluation = evaluateReplenishment(input, policy, { now: NOW, newId: (kind) => `${kind}-${++k}` });
  const t2 = performance.now();

  // One full check as the app runs it: the tick event through the dispatcher (one transaction).
  const r = await app.intake.submit(
    { source: 'scheduler', sourceEventId: `replenishment-check@bench-${run}`, type: 'schedule.tick', occurredAt: new Date(NOW).toISOString(), payload: { job: 'replenishment-check', slotMs: NOW } },
    { internal: true, actor: 'scheduler', actorRole: 'system' },
  );
  if (!r.ok) throw r.error;
  const t3 = performance.now();
  for (;;) {
    await app.dispatcher.runOnce();
    const e = await store.read.get('SELECT status, last_error FROM events WHERE id = ?', [r.eventId]);
    if (e.status === 'processed') break;
    if (e.status !== 'pending' || e.last_error) throw new Error(`check failed: ${e.status} ${e.last_error}`);
  }
  const t4 = performance.now();
  // A second check right after (a later 15-minute slot): the steady state, where nothing new is written.
  const again = await app.intake.submit(
    { source: 'scheduler', sourceEventId: `replenishment-check@bench-${run}-again`, type: 'schedule.tick', occurredAt: new Date(NOW).toISOString(), payload: { job: 'replenishment-check', slotMs: NOW + 900_000 } },
    { internal: true, actor: 'scheduler', actorRole: 'system' },
  );
  if (!again.ok) throw again.error;
  for (;;) {
    await app.dispatcher.runOnce();
    const e = await store.read.get('SELECT status, last_error FROM events WHERE id = ?', [again.eventId]);
    if (e.status === 'processed') break;
    if (e.status !== 'pending' || e.last_error) throw new Error(`check failed: ${e.status} ${e.last_error}`);
  }
  const t5 = performance.now();
  const written = await store.read.get(`SELECT (SELECT COUNT(*) FROM replenishment_risks) AS risks, (SELECT COUNT(*) FROM replenishment_recommendations) AS recs,
    (SELECT COUNT(*) FROM events WHERE causation_id = ?) AS emitted, (SELECT COUNT(*) FROM outbox WHERE event_id = ?) AS outbox`, [r.eventId, r.eventId]);
  results.push({
    readInputMs: Math.round(t1 - t0), evaluateMs: Math.round(t2 - t1), fullCheckMs: Math.round(t4 - t3), steadyCheckMs: Math.round(t5 - t4),
    positions: input.positions.length, risks: Number(written.risks), recommendations: Number(written.recs), emittedEvents: Number(written.emitted), outboxRows: Number(written.outbox),
    evaluationRisks: evaluation.risks.length, evaluationRecommendations: evaluation.recommendations.length,
  });
  await app.close();
}
if (!process.env.BENCH_KEEP) rmSync(dir, { recursive: true, force: true }); else console.error(dir);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const summary = {
  store: 'sqlite', skus: products.length, locations: locations.length, historyDays: 90, ...counts,
  runs: results.length,
  fullCheckMs: { median: median(results.map((r) => r.fullCheckMs)), max: Math.max(...results.map((r) => r.fullCheckMs)) },
  steadyCheckMs: { median: median(results.map((r) => r.steadyCheckMs)) },
  evaluateMs: { median: median(results.map((r) => r.evaluateMs)) },
  readInputMs: { median: median(results.map((r) => r.readInputMs)) },
  last: results[results.length - 1],
  node: process.version, cpus: os.cpus().length,
};
if (JSON_OUT) {
  process.stdout.write(`${JSON.stringify(summary)}\n`);
} else {
  const l = summary.last;
  process.stdout.write(
    `replenishment check, SQLite, ${summary.skus} skus × ${summary.locations} locations = ${l.positions} positions, ${summary.historyRows} history rows (90 days)\n` +
    `  full check (tick → processed, one transaction): median ${summary.fullCheckMs.median} ms, max ${summary.fullCheckMs.max} ms over ${summary.runs} runs\n` +
    `  a second check right after (nothing new to write; includes processing the first check's decided events queued before it): median ${summary.steadyCheckMs.median} ms\n` +
    `  of which: read input ~${summary.readInputMs.median} ms, pure evaluation ~${summary.evaluateMs.median} ms\n` +
    `  wrote ${l.risks} risks, ${l.recommendations} recommendations, ${l.emittedEvents} decided events, ${l.outboxRows} outbox rows\n` +
    `  node ${summary.node}, ${summary.cpus} cpus\n`,
  );
}
