#!/usr/bin/env node
/**
 * Backtest throughput: `npm run build && node bench/simulate.mjs`.
 *
 * Builds a real event log on SQLite by running orders through the app (3 locations, 40 skus, stock
 * counts, N orders of which 10% arrive with a pending payment captured later, 5% for skus nobody
 * stocks), then times the backtest of the sourcing policy over the whole window: once with the active
 * version (must reproduce every recorded decision) and once with a changed version.
 *
 *   --orders <n>   orders in the log (default 5000)
 *   --json         one JSON line instead of text
 *   BENCH_DIST     compiled code to use (default ./dist)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { arg, loadDist } from './lib.mjs';

const load = loadDist;
const ORDERS = Number(arg('orders', 5000));
const JSON_OUT = process.argv.includes('--json');

const [{ SqliteStore }, { createApp }, { loadConfig }, { createLogger }, { runBacktest, candidatePolicy }] = await Promise.all([
  load('store/sqlite/sqlite-store.js'), load('app.js'), load('config.js'), load('observability/logger.js'), load('engine/policies/backtest.js'),
]);

const dir = mkdtempSync(join(os.tmpdir(), 'omniops-bench-sim-'));
const T0 = Date.UTC(2026, 10, 30, 8, 0, 0);
let now = T0;
const store = new SqliteStore({ file: join(dir, 'omniops.db') });
const config = loadConfig({ dataDir: dir, secretKey: randomBytes(32).toString('base64'), logLevel: 'silent' }, {});
const app = await createApp(config, { logger: createLogger('silent'), store, clock: () => now });

const LOCATIONS = [
  { id: 'dc', name: 'DC', kind: 'dc', lat: 51.55, lon: 5.09, capabilities: ['ship'], dailyCapacity: 100000, cutoff: '23:59', utcOffsetMinutes: 60, acceptSlaMinutes: 600, shipSlaMinutes: 1440 },
  { id: 'store-ams', name: 'Amsterdam', kind: 'store', lat: 52.37, lon: 4.9, capabilities: ['ship', 'same_day', 'pickup'], dailyCapacity: 100000, cutoff: '23:59', utcOffsetMinutes: 60, acceptSlaMinutes: 600, shipSlaMinutes: 480 },
  { id: 'store-utr', name: 'Utrecht', kind: 'store', lat: 52.09, lon: 5.12, capabilities: ['ship', 'same_day', 'pickup'], dailyCapacity: 100000, cutoff: '23:59', utcOffsetMinutes: 60, acceptSlaMinutes: 600, shipSlaMinutes: 480 },
];
const SKUS = Array.from({ length: 40 }, (_, i) => `SKU-${i}`);
let n = 0;
const env = (type, payload) => ({ source: 'bench', sourceEventId: `b-${++n}`, type, occurredAt: new Date(now).toISOString(), payload });

async function submitAll(envelopes) {
  const ids = [];
  for (const e of envelopes) {
    const r = await app.intake.submit(e, { internal: false, actor: 'bench', actorRole: 'admin' });
    if (!r.ok) throw r.error;
    ids.push(r.eventId);
  }
  // Drain everything (decided events too) with this process's dispatcher.
  for (;;) {
    const attempted = await app.dispatcher.runOnce();
    if (attempted === 0) {
      const left = await store.read.get(`SELECT COUNT(*) AS n FROM events WHERE status = 'pending'`);
      if (Number(left.n) === 0) return ids;
    }
  }
}

const { addSource } = await load('engine/identity/sources.js');
await addSource(app.store, app.box, { id: 'bench', role: 'admin' }, 'bench', { name: 'Bench', kind: 'web' });
await submitAll(LOCATIONS.map((l) => env('location.upserted', l)));
await submitAll(LOCATIONS.map((l, k) => env('inventory.snapshot', { locationId: l.id, counts: SKUS.map((sku, i) => ({ sku, onHand: ((i * 7 + k * 13) % 5) * Math.ceil(ORDERS / 60) })) })));

const from = now;
const built = performance.now();
for (let start = 0; start < ORDERS; start += 500) {
  const batch = [];
  const captures = [];
  for (let i = start; i < Math.min(ORDERS, start + 500); i++) {
    now += 1000;
    const pending = i % 10 === 3;
    const sku = i % 20 === 7 ? 'SKU-NOBODY' : SKUS[(i * 31) % SKUS.length];
    batch.push(env('order.placed', {
      externalOrderId: `o-${i}`, customer: { id: `c-${i % 900}`, email: 'x@example.com' }, lines: [{ lineId: '1', sku, qty: 1 + (i % 3), unitPrice: 25 }], currency: 'EUR',
      shipping: { method: 'standard', address: { country: 'NL', postcode: `10${i % 90}AB`, lat: 52 + (i % 50) / 100, lon: 4.5 + (i % 70) / 100 } },
      payment: { status: pending ? 'pending' : 'authorized', amount: 25 * (1 + (i % 3)) },
    }));
    if (pending) captures.push(i);
  }
  await submitAll(batch);
  now += 1000;
  await submitAll(captures.map((i) => env('payment.captured', { externalOrderId: `o-${i}`, amount: 25 * (1 + (i % 3)) })));
}
const to = now;
const buildMs = performance.now() - built;

const active = await candidatePolicy(store.read, 'sourcing', { version: 1 });
const same = await runBacktest(store.read, { kind: 'sourcing', candidate: active, fromMs: from, toMs: to, listLimit: 0 });
const changed = await runBacktest(store.read, {
  kind: 'sourcing', candidate: { ...active, version: 'bench', weights: { cost: 0, slaRisk: 0, split: 0, workload: 1 }, whenNothingCanServe: 'cancel', backorderWithoutInbound: 'cancel' }, fromMs: from, toMs: to, listLimit: 0,
});
const out = {
  orders: ORDERS, logBuildSeconds: Math.round(buildMs / 100) / 10,
  sameVersion: { events: same.eventsReplayed, decisions: same.decisionsCompared, reproduced: `${same.reproduced.matched}/${same.reproduced.total}`, differing: same.differences.decisions, ms: same.elapsedMs, loadMs: same.loadMs, eventsPerSecond: same.eventsPerSecond },
  changedVersion: { events: changed.eventsReplayed, differing: changed.differences.decisions, routedElsewhere: changed.differences.routedElsewhere, outcomeChanged: changed.differences.routingOutcomeChanged, ms: changed.elapsedMs, eventsPerSecond: changed.eventsPerSecond },
};
if (JSON_OUT) console.log(JSON.stringify(out));
else {
  console.log(`log: ${ORDERS} orders, built in ${out.logBuildSeconds} s`);
  console.log(`backtest, active version : ${same.eventsReplayed} events in ${same.elapsedMs} ms = ${same.eventsPerSecond} events/s (reading the log ${same.loadMs} ms); reproduced ${out.sameVersion.reproduced}, differing ${same.differences.decisions}`);
  console.log(`backtest, changed version: ${changed.eventsReplayed} events in ${changed.elapsedMs} ms = ${changed.eventsPerSecond} events/s; differing ${changed.differences.decisions} (elsewhere ${changed.differences.routedElsewhere}, outcome ${changed.differences.routingOutcomeChanged})`);
}
await app.close();
rmSync(dir, { recursive: true, force: true });
