#!/usr/bin/env node
/**
 * omniops benchmark: `npm run bench` (builds first, then runs this file against dist/).
 *
 * Phases, each on SQLite and — when OMNIOPS_BENCH_PG_URL or OMNIOPS_TEST_PG_URL is set — PostgreSQL:
 *   raw    the core order transaction written directly on the driver (the ceiling of one tx per event)
 *   inproc Intake.submit of signed-order-sized envelopes inside this process, accepted → processed
 *   http   a separate `omniops serve` process driven over 127.0.0.1 by a keep-alive load generator:
 *          a closed-loop sustained run and an open-loop fixed-rate run for the ack latency
 * and the table goes into docs/performance.md between <!-- bench:start --> and <!-- bench:end -->.
 *
 * Options (flag or env):
 *   --duration <s>     BENCH_DURATION     sustained HTTP / in-process phase length (default 60, BENCH_QUICK=1 → 10)
 *   --rate <n/s>       BENCH_RATE         fixed-rate run (default 1000)
 *   --rate-duration <s> BENCH_RATE_DURATION fixed-rate run length (default 30, quick → 10)
 *   --raw-duration <s> BENCH_RAW_DURATION raw-driver phases (default 10, quick → 4)
 *   --pg-duration <s>  BENCH_PG_DURATION  sustained / fixed-rate phases on PostgreSQL (default 20, quick → 10)
 *   --order-duration <s> BENCH_ORDER_DURATION order phase on SQLite, at most --duration (default 30, quick → 10)
 *   --connections <n>  BENCH_CONNECTIONS  closed-loop HTTP connections (default 64)
 *   --order-batch <n>  BENCH_ORDER_BATCH  orders per request in the order phase, as {events:[…]} (default 1:
 *                                         one order per request, as a web store's webhooks send them)
 *   --store <s>        BENCH_STORE        sqlite | postgres | both (default: both when a PG URL is set)
 *   --phases <list>    BENCH_PHASES       raw,inproc,http,rate,orders (default all)
 *   --no-write         BENCH_NO_WRITE=1   do not touch docs/performance.md
 *   --cpu-prof <dir>   BENCH_CPU_PROF     run the server under node --cpu-prof, profiles into <dir>
 *   BENCH_SERVER_NODE_ARGS  more node flags for the server (e.g. "--trace-gc"; its lines, like the
 *                      server's stderr, reach the bench's stderr with BENCH_SERVER_STDERR=1)
 *   BENCH_DIST         compiled code to use (default ./dist)
 *   BENCH_SETTLE_MS    wait this long after the server starts before the HTTP load (its scheduled reads' first slots)
 */
import { spawn, execFileSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import { drain, EventWorkload, latencySummary, LeanConnection, log, OrderWorkload, ProcSampler, request, sign, sleep } from './lib.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = resolve(ROOT, process.env.BENCH_DIST ?? 'dist');
const CLI = join(DIST, 'cli', 'main.js');
const DOC = join(ROOT, 'docs', 'performance.md');

// ---------------------------------------------------------------- options
function flag(name) {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const next = process.argv[i + 1];
  return next === undefined || next.startsWith('--') ? 'true' : next;
}
const QUICK = process.env.BENCH_QUICK === '1' || flag('quick') === 'true';
const num = (f, e, d) => Number(flag(f) ?? process.env[e] ?? d);
const opts = {
  duration: num('duration', 'BENCH_DURATION', QUICK ? 10 : 60),
  rate: num('rate', 'BENCH_RATE', 1000),
  rateDuration: num('rate-duration', 'BENCH_RATE_DURATION', QUICK ? 10 : 30),
  rawDuration: num('raw-duration', 'BENCH_RAW_DURATION', QUICK ? 4 : 10),
  // PostgreSQL drains its backlog far slower than it accepts: shorter phases keep the run bounded.
  pgDuration: num('pg-duration', 'BENCH_PG_DURATION', QUICK ? 10 : 20),
  orderDuration: num('order-duration', 'BENCH_ORDER_DURATION', QUICK ? 10 : 30),
  connections: num('connections', 'BENCH_CONNECTIONS', 64),
  orderBatch: num('order-batch', 'BENCH_ORDER_BATCH', 1),
  inprocConcurrency: num('inproc-concurrency', 'BENCH_INPROC_CONCURRENCY', 512),
  pgUrl: process.env.OMNIOPS_BENCH_PG_URL || process.env.OMNIOPS_TEST_PG_URL || undefined,
  phases: new Set((flag('phases') ?? process.env.BENCH_PHASES ?? 'raw,inproc,http,rate,orders').split(',')),
  write: !(flag('no-write') === 'true' || process.env.BENCH_NO_WRITE === '1'),
  cpuProf: flag('cpu-prof') ?? process.env.BENCH_CPU_PROF,
};
const storeOpt = flag('store') ?? process.env.BENCH_STORE ?? (opts.pgUrl ? 'both' : 'sqlite');
opts.stores = storeOpt === 'both' ? ['sqlite', 'postgres'] : [storeOpt];
if (opts.stores.includes('postgres') && !opts.pgUrl) {
  console.error('postgres asked for but neither OMNIOPS_BENCH_PG_URL nor OMNIOPS_TEST_PG_URL is set; skipping it');
  opts.stores = opts.stores.filter((s) => s !== 'postgres');
}

const tmp = () => mkdtempSync(join(os.tmpdir(), 'omniops-bench-'));

// ---------------------------------------------------------------- stats
const f0 = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '–');
const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : '–');
// The server's own peak; a scheduled read's process, when one ran during the phase, beside it.
const rssCell = (x) => `${f0(x.maxRssMB)}${x.maxChildRssMB >= 1 ? ` (+${f0(x.maxChildRssMB)} read process)` : ''}`;

// ---------------------------------------------------------------- raw-driver ceiling
/**
 * The core order transaction on the bare driver, one transaction per order: inbox insert with
 * conflict check, 1–3 conditional stock updates, the order row, an outbox row and an audit link
 * (head row read and advanced, as omniops does). Same tables and indexes as omniops (its migrations).
 */
const RAW = {
  inbox: `INSERT INTO events (id, source, source_event_id, type, schema_version, occurred_at, received_at, received_ms,
     subject, payload, payload_hash, causation_id, correlation_id, actor, actor_role, status, attempts, next_attempt_at)
     VALUES (?, 'bench', ?, 'order.placed', 1, ?, ?, ?, ?, ?, ?, NULL, ?, NULL, NULL, 'processed', 1, 0)
     ON CONFLICT (source, source_event_id) DO NOTHING RETURNING seq`,
  existing: 'SELECT id, payload_hash FROM events WHERE source = ? AND source_event_id = ?',
  reserve: 'UPDATE stock SET reserved = reserved + ?, updated_at = ? WHERE sku = ? AND location_id = ? AND on_hand - reserved - protected >= ?',
  order: `INSERT INTO orders (id, source, external_order_id, state, hold_reason, customer_id, address_key, total, currency, placed_ms, promised_by_ms, doc, updated_at)
     VALUES (?, 'bench', ?, 'confirmed', NULL, ?, ?, ?, 'EUR', ?, NULL, ?, ?)`,
  outbox: `INSERT INTO outbox (id, seq, event_id, destination, kind, subject, payload, status, attempts, next_attempt_at, created_at)
     VALUES (?, ?, ?, 'channel', 'order.confirmed', ?, ?, 'pending', 0, 0, ?) ON CONFLICT (id) DO NOTHING`,
  head: 'SELECT seq, hash FROM audit_head WHERE id = 1',
  audit: `INSERT INTO audit (seq, at, actor, role, action, subject, before_digest, after_digest, detail, prev_hash, hash) VALUES (?, ?, 'source:bench', 'source', 'order.confirmed', ?, NULL, ?, ?, ?, ?)`,
  advance: 'UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1',
};
const RAW_SKUS = 200;
function rawOrder(n) {
  const lines = 1 + (n % 3);
  const now = Date.now();
  const iso = new Date(now).toISOString();
  const doc = JSON.stringify({ externalOrderId: `o-${n}`, lines: Array.from({ length: lines }, (_, i) => ({ lineId: String(i + 1), sku: `RAW-${(n * 7 + i) % RAW_SKUS}`, qty: 1, unitPrice: 19.95 })), note: 'x'.repeat(600) });
  const hash = createHmac('sha256', 'k').update(doc).digest('hex');
  return { n, lines, now, iso, doc, hash, id: `${n}-${randomBytes(8).toString('hex')}` };
}

async function rawSchema(dialect) {
  const { migrationsFor } = await import(pathToFileURL(join(DIST, 'store', 'schema', 'index.js')).href);
  return migrationsFor(dialect).map((m) => m.sql);
}

async function rawSqlite(synchronous, seconds) {
  const dir = tmp();
  const db = new Database(join(dir, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  for (const sql of await rawSchema('sqlite')) db.exec(sql);
  const seed = db.prepare("INSERT INTO stock (sku, location_id, on_hand, reserved, protected, safety_stock, updated_at) VALUES (?, 'dc-1', 100000000, 0, 0, 0, '')");
  db.transaction(() => { for (let i = 0; i < RAW_SKUS; i++) seed.run(`RAW-${i}`); })();
  const s = Object.fromEntries(Object.entries(RAW).map(([k, v]) => [k, db.prepare(v)]));
  const begin = db.prepare('BEGIN IMMEDIATE');
  const commit = db.prepare('COMMIT');
  let n = 0;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  while (performance.now() < end) {
    const o = rawOrder(n++);
    begin.run();
    const ins = s.inbox.get(o.id, `o-${o.n}`, o.iso, o.iso, o.now, `order:${o.n}`, o.doc, o.hash, o.id);
    if (!ins) s.existing.get('bench', `o-${o.n}`);
    for (let i = 0; i < o.lines; i++) if (s.reserve.run(1, o.iso, `RAW-${(o.n * 7 + i) % RAW_SKUS}`, 'dc-1', 1).changes !== 1) throw new Error('oversold');
    s.order.run(o.id, `o-${o.n}`, `c-${o.n % 1000}`, 'NL-1011', 19.95 * o.lines, o.now, o.doc, o.iso);
    s.outbox.run(`${o.id}/1`, o.n, o.id, `order:${o.n}`, o.doc, o.iso);
    const h = s.head.get();
    const seq = h.seq + 1;
    const hash = createHmac('sha256', h.hash).update(o.hash).digest('hex');
    s.audit.run(seq, o.iso, `order:${o.n}`, o.hash, '{"lines":1}', h.hash, hash);
    s.advance.run(seq, hash);
    commit.run();
  }
  const secs = (performance.now() - t0) / 1000;
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return { txPerSec: n / secs, n };
}

async function withPgSchema(url, fn) {
  const pg = (await import('pg')).default;
  const schema = `bench_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    return await fn(schema, pg, admin);
  } finally {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await admin.end();
  }
}

async function rawPg(url, seconds, connections = 8) {
  return withPgSchema(url, async (schema, pg, admin) => {
    const q = (sql) => { let i = 0; return sql.replace(/\?/g, () => `$${++i}`); };
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.query(`SET search_path = ${schema}`);
    for (const sql of await rawSchema('postgres')) await admin.query(sql);
    await admin.query(`INSERT INTO stock (sku, location_id, on_hand, reserved, protected, safety_stock, updated_at) SELECT 'RAW-' || g, 'dc-1', 100000000, 0, 0, 0, '' FROM generate_series(0, ${RAW_SKUS - 1}) g`);
    const sync = (await admin.query('SHOW synchronous_commit')).rows[0].synchronous_commit;
    const clients = [];
    for (let i = 0; i < connections; i++) {
      const c = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
      await c.connect();
      clients.push(c);
    }
    let n = 0;
    const t0 = performance.now();
    const end = t0 + seconds * 1000;
    const named = Object.fromEntries(Object.entries(RAW).map(([k, v]) => [k, { name: `raw_${k}`, text: q(v) }]));
    const run = (c, k, values) => c.query({ ...named[k], values });
    await Promise.all(clients.map(async (c) => {
      while (performance.now() < end) {
        const o = rawOrder(n++);
        await c.query('BEGIN');
        try {
          const ins = await run(c, 'inbox', [o.id, `o-${o.n}`, o.iso, o.iso, o.now, `order:${o.n}`, o.doc, o.hash, o.id]);
          if (ins.rowCount === 0) await run(c, 'existing', ['bench', `o-${o.n}`]);
          for (let i = 0; i < o.lines; i++) await run(c, 'reserve', [1, o.iso, `RAW-${(o.n * 7 + i) % RAW_SKUS}`, 'dc-1', 1]);
          await run(c, 'order', [o.id, `o-${o.n}`, `c-${o.n % 1000}`, 'NL-1011', 19.95 * o.lines, o.now, o.doc, o.iso]);
          await run(c, 'outbox', [`${o.id}/1`, o.n, o.id, `order:${o.n}`, o.doc, o.iso]);
          // The audit chain's head row is locked to the end of the transaction, as omniops does.
          const h = (await c.query({ name: 'raw_head_lock', text: 'SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE' })).rows[0];
          const seq = Number(h.seq) + 1;
          const hash = createHmac('sha256', h.hash).update(o.hash).digest('hex');
          await run(c, 'audit', [seq, o.iso, `order:${o.n}`, o.hash, '{"lines":1}', h.hash, hash]);
          await run(c, 'advance', [seq, hash]);
          await c.query('COMMIT');
        } catch (e) {
          await c.query('ROLLBACK');
          throw e;
        }
      }
    }));
    const secs = (performance.now() - t0) / 1000;
    await Promise.all(clients.map((c) => c.end()));
    return { txPerSec: n / secs, n, synchronousCommit: sync };
  });
}

// ---------------------------------------------------------------- in-process
async function inProcess(store, seconds) {
  const { createApp } = await import(pathToFileURL(join(DIST, 'app.js')).href);
  const { loadConfig } = await import(pathToFileURL(join(DIST, 'config.js')).href);
  const { createLogger } = await import(pathToFileURL(join(DIST, 'observability', 'logger.js')).href);
  const { backlog } = await import(pathToFileURL(join(DIST, 'store', 'repos', 'events.js')).href);
  const { addSource } = await import(pathToFileURL(join(DIST, 'engine', 'identity', 'sources.js')).href);
  const dir = tmp();
  const run = async (pgSchema) => {
    const config = loadConfig({ dataDir: dir, store: store === 'sqlite' ? 'sqlite' : opts.pgUrl, secretKey: randomBytes(32).toString('base64'), logLevel: 'silent', ...(pgSchema ? { pgSchema } : {}) }, {});
    const app = await createApp(config, { logger: createLogger('silent') });
    try {
      app.dispatcher.start();
      // A registered source of the retailer's own (kind web), as over HTTP: only such a sender may
      // upsert locations (src/domain/masterdata/authority.ts).
      await addSource(app.store, app.box, { id: 'bench', role: 'admin' }, 'bench', { kind: 'web' });
      const w = new EventWorkload('bench');
      await Promise.all(w.locations().map((e) => app.intake.submit(e)));
      await drain(() => backlog(app.store.read).then((b) => b.count), 30_000);
      let accepted = 0, rejected = 0;
      const t0 = performance.now();
      const end = t0 + seconds * 1000;
      const cpu0 = process.cpuUsage();
      await Promise.all(Array.from({ length: opts.inprocConcurrency }, async () => {
        while (performance.now() < end) {
          const r = await app.intake.submit(w.next());
          if (r.ok && r.status === 'accepted') accepted++;
          else rejected++;
        }
      }));
      const loadSecs = (performance.now() - t0) / 1000;
      const left = (await backlog(app.store.read)).count;
      const drainedIn = await drain(() => backlog(app.store.read).then((b) => b.count), 600_000);
      const totalSecs = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      return {
        accepted, rejected, acceptedPerSec: accepted / loadSecs,
        processedDuringLoadPerSec: (accepted - left) / loadSecs,
        processedPerSec: accepted / totalSecs, backlogAtEnd: left, drainSecs: drainedIn / 1000,
        cpuCores: (cpu.user + cpu.system) / 1e6 / totalSecs, rssMB: process.memoryUsage().rss / 2 ** 20,
      };
    } finally {
      await app.close();
    }
  };
  try {
    if (store === 'sqlite') return await run();
    return await withPgSchema(opts.pgUrl, (schema) => run(schema));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- HTTP (server in its own process)
function cli(args, env) {
  const out = execFileSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return JSON.parse(out);
}

async function startServer(store, pgSchema) {
  const dir = tmp();
  const env = { ...process.env, OMNIOPS_LOG_LEVEL: 'warn', OMNIOPS_DATA_DIR: dir, OMNIOPS_STORE: store === 'sqlite' ? 'sqlite' : opts.pgUrl };
  if (pgSchema) env.OMNIOPS_PG_SCHEMA = pgSchema;
  delete env.OMNIOPS_SECRET_KEY; // the CLI and the server share the key generated in the data dir
  const { secret } = cli(['sources', 'add', 'bench', '--json', '--data', dir], env);
  // An admin key for looking around a kept server; the load itself needs only the source secret.
  let apiKey;
  try {
    apiKey = cli(['users', 'add', 'bench-admin', '--role', 'admin', '--json', '--data', dir], env).apiKey;
  } catch (e) {
    log(`users add failed (the run goes on without an admin key): ${String(e.stderr ?? e).trim().slice(0, 200)}`);
  }
  const nodeArgs = [
    ...(opts.cpuProf ? ['--cpu-prof', '--cpu-prof-dir', resolve(opts.cpuProf)] : []),
    ...(process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean),
  ];
  const child = spawn(process.execPath, [...nodeArgs, CLI, 'serve', '--port', '0', '--json', '--data', dir], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on("data", (d) => { stderr = (stderr + d).slice(-4000); if (process.env.BENCH_SERVER_STDERR) process.stderr.write(d); });
  const lines = createInterface({ input: child.stdout });
  // The server's first JSON line names its URL. Anything else on stdout (--trace-gc through
  // BENCH_SERVER_NODE_ARGS) goes to the bench's stderr when BENCH_SERVER_STDERR is set.
  const passOn = (line) => { if (process.env.BENCH_SERVER_STDERR) process.stderr.write(`${line}\n`); };
  const first = await new Promise((res, rej) => {
    const onLine = (line) => { if (line.startsWith('{')) { lines.off('line', onLine); res(line); } else passOn(line); };
    lines.on('line', onLine);
    child.once('exit', (code) => rej(new Error(`server exited (${code}): ${stderr}`)));
  });
  lines.on('line', passOn);
  const { url } = JSON.parse(first);
  return {
    url: url.replace('localhost', '127.0.0.1'), secret, apiKey, pid: child.pid, dir, child,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT');
      await Promise.race([exited, sleep(20_000)]);
      if (process.env.BENCH_KEEP) log(`kept the server data in ${dir}`); else rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function backlogOf(server, agent) {
  const r = await request(agent, server.url, 'GET', '/metrics');
  const m = /^omniops_backlog_events (\d+)/m.exec(r.text);
  return m ? Number(m[1]) : NaN;
}

/** Posts the workload's next event through an http.Agent, or a LeanConnection (the closed loops). */
function postEvent(via, server, w, batch = 1) {
  const body = JSON.stringify(batch > 1 ? { events: Array.from({ length: batch }, () => w.next()) } : w.next());
  const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'omniops-signature': sign(server.secret, body) };
  return via instanceof LeanConnection ? via.request('POST', '/v1/events', body, headers) : request(via, server.url, 'POST', '/v1/events', body, headers);
}

async function seedOverHttp(server, w, agent) {
  for (const e of w.locations()) {
    const body = JSON.stringify(e);
    const r = await request(agent, server.url, 'POST', '/v1/events', body, { 'content-type': 'application/json', 'omniops-signature': sign(server.secret, body) });
    if (r.status !== 202) throw new Error(`seeding failed: ${r.status} ${r.text}`);
  }
  await drain(() => backlogOf(server, agent), 30_000);
}

/** Closed loop: `connections` keep-alive connections, each sending its next event when answered. */
async function closedLoop(server, w, seconds, connections, batch = 1) {
  const conns = Array.from({ length: connections }, () => new LeanConnection(server.url));
  const metricsAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const lat = [];
  let accepted = 0, errors = 0;
  const statuses = {};
  const b0 = await backlogOf(server, metricsAgent);
  const sampler = new ProcSampler(server.pid);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  let lastLog = t0;
  await Promise.all(conns.map(async (conn) => {
    while (performance.now() < end) {
      const s = performance.now();
      try {
        const r = await postEvent(conn, server, w, batch);
        lat.push(performance.now() - s);
        statuses[r.status] = (statuses[r.status] ?? 0) + 1;
        if (batch === 1) {
          if (r.status === 202) accepted++;
          else errors++;
        } else {
          // A batch answers 202 when any of its events was taken in: count each event's own result.
          const results = r.status === 202 ? JSON.parse(r.text).results : [];
          const taken = results.filter((x) => x.status === 'accepted').length;
          accepted += taken;
          errors += batch - taken;
        }
      } catch {
        errors++;
      }
      const now = performance.now();
      if (now - lastLog > 10_000) { lastLog = now; log(`  … ${Math.round((now - t0) / 1000)} s, ${accepted} accepted`); }
    }
  }));
  const loadSecs = (performance.now() - t0) / 1000;
  const genCpu = process.cpuUsage(cpu0);
  const b1 = await backlogOf(server, metricsAgent);
  const proc = sampler.stop();
  const drainSampler = new ProcSampler(server.pid);
  const drainMs = await drain(() => backlogOf(server, metricsAgent), 600_000);
  const drainProc = drainSampler.stop();
  for (const c of conns) c.close();
  metricsAgent.destroy();
  return {
    accepted, errors, statuses, acceptedPerSec: accepted / loadSecs,
    processedDuringLoadPerSec: (accepted - (b1 - b0)) / loadSecs, backlogAtEnd: b1, drainSecs: drainMs / 1000,
    processedPerSec: accepted / (loadSecs + drainMs / 1000),
    ...latencySummary(lat), maxRssMB: Math.max(proc.maxRssMB, drainProc.maxRssMB), maxChildRssMB: Math.max(proc.maxChildRssMB, drainProc.maxChildRssMB), rssAtMax: (proc.maxRssMB >= drainProc.maxRssMB ? proc : drainProc).rssAtMax, serverCpuCores: proc.cpuCores,
    generatorCpuCores: (genCpu.user + genCpu.system) / 1e6 / loadSecs,
  };
}

/** Open loop: requests start on a fixed schedule whatever the answers; latency counts from the scheduled time. */
async function openLoop(server, w, seconds, rate) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  const metricsAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const lat = [];
  let accepted = 0, errors = 0, sent = 0;
  const sampler = new ProcSampler(server.pid);
  const b0 = await backlogOf(server, metricsAgent);
  const total = Math.round(seconds * rate);
  const t0 = performance.now();
  const inflight = new Set();
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate) + 1);
    while (sent < due) {
      const scheduled = t0 + (sent / rate) * 1000;
      sent++;
      const p = postEvent(agent, server, w).then(
        (r) => { lat.push(performance.now() - scheduled); if (r.status === 202) accepted++; else errors++; },
        () => { errors++; },
      );
      inflight.add(p);
      p.finally(() => inflight.delete(p));
    }
    await sleep(1);
  }
  await Promise.all(inflight);
  const loadSecs = (performance.now() - t0) / 1000;
  const proc = sampler.stop();
  const b1 = await backlogOf(server, metricsAgent);
  const drainMs = await drain(() => backlogOf(server, metricsAgent), 600_000);
  agent.destroy();
  metricsAgent.destroy();
  return {
    sent, accepted, errors, achievedPerSec: accepted / loadSecs, processedDuringLoadPerSec: (accepted - (b1 - b0)) / loadSecs, backlogAtEnd: b1,
    processedPerSec: accepted / (loadSecs + drainMs / 1000), ...latencySummary(lat), maxRssMB: proc.maxRssMB, maxChildRssMB: proc.maxChildRssMB, rssAtMax: proc.rssAtMax, serverCpuCores: proc.cpuCores, drainSecs: drainMs / 1000,
  };
}

/** Rows read straight from the server's database (SQLite file or PostgreSQL schema); `?` placeholders. */
async function rowsInServerDb(store, server, pgSchema, sql, params = []) {
  if (store === 'sqlite') {
    const db = new Database(join(server.dir, 'omniops.db'), { readonly: true, fileMustExist: true });
    try {
      return db.prepare(sql).all(...params);
    } finally {
      db.close();
    }
  }
  const pg = (await import('pg')).default;
  const c = new pg.Client({ connectionString: opts.pgUrl, options: `-c search_path=${pgSchema}` });
  await c.connect();
  try {
    let n = 0;
    return (await c.query(sql.replace(/\?/g, () => `$${++n}`), params)).rows;
  } finally {
    await c.end();
  }
}

/** Counts by a key column (`k`, `n`). */
const countsInServerDb = async (store, server, pgSchema, sql) =>
  Object.fromEntries((await rowsInServerDb(store, server, pgSchema, sql)).map((r) => [r.k, Number(r.n)]));

/**
 * Accepted → processed, per event taken in since `sinceMs` (the fixed-rate phase): the time an event
 * waited in the log plus its batch's. `processed_at` is the batch's clock when it started deciding,
 * so this is a lower bound by up to one batch (≤ 16–40 ms).
 */
async function processingLatency(store, server, pgSchema, sinceMs) {
  const rows = await rowsInServerDb(store, server, pgSchema,
    "SELECT received_ms AS r, processed_at AS p FROM events WHERE source = 'bench' AND type = 'inventory.snapshot' AND status = 'processed' AND received_ms >= ?", [sinceMs]);
  const ms = rows.map((x) => Date.parse(x.p) - Number(x.r)).sort((a, b) => a - b);
  const q = (f) => (ms.length ? ms[Math.min(ms.length - 1, Math.floor(f * ms.length))] : NaN);
  return { n: ms.length, p50: q(0.5), p99: q(0.99), max: ms.at(-1) ?? NaN };
}

/** Events in the log vs acknowledged: none may be missing, and none may be left pending. */
const countInLog = (store, server, pgSchema) =>
  countsInServerDb(store, server, pgSchema, "SELECT status AS k, COUNT(*) AS n FROM events WHERE source = 'bench' AND type = 'inventory.snapshot' GROUP BY status");

const orderStates = (store, server, pgSchema) => countsInServerDb(store, server, pgSchema, 'SELECT state AS k, COUNT(*) AS n FROM orders GROUP BY state');

/** Orders placed over HTTP → validated, routed and reserved; the rate counts until the backlog is drained. */
async function orderPhase(store) {
  // PostgreSQL takes orders in far faster than it routes them: a short burst, then the time to route it all.
  const seconds = store === 'postgres' ? Math.min(3, opts.pgDuration) : Math.min(opts.duration, opts.orderDuration);
  const connections = store === 'postgres' ? 8 : opts.connections;
  const pgSchema = store === 'postgres' ? `bench_orders_${process.pid}_${Date.now().toString(36)}` : undefined;
  const server = await startServer(store, pgSchema);
  try {
    const retailer = await import(pathToFileURL(join(DIST, 'demo', 'retailer.js')).href);
    const w = new OrderWorkload('bench', retailer);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    await seedOverHttp(server, w, agent);
    agent.destroy();
    const batch = opts.orderBatch;
    log(`${store}: orders over HTTP, ${connections} connections, ${seconds} s${batch > 1 ? `, ${batch} orders per request` : ''}`);
    const r = await closedLoop(server, w, seconds, connections, batch);
    r.seconds = seconds;
    r.connections = connections;
    r.batch = batch;
    r.states = await orderStates(store, server, pgSchema);
    log(`${store}: orders`, JSON.stringify(round(r)), JSON.stringify(r.states));
    return r;
  } finally {
    await server.stop();
    if (pgSchema) await dropPgSchema(pgSchema);
  }
}

async function dropPgSchema(schema) {
  const pg = (await import('pg')).default;
  const c = new pg.Client({ connectionString: opts.pgUrl });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
  await c.end();
}

async function httpPhases(store) {
  const duration = store === 'postgres' ? Math.min(opts.duration, opts.pgDuration) : opts.duration;
  const rateDuration = store === 'postgres' ? Math.min(opts.rateDuration, opts.pgDuration) : opts.rateDuration;
  const pgSchema = store === 'postgres' ? `bench_http_${process.pid}_${Date.now().toString(36)}` : undefined;
  const out = {};
  const server = await startServer(store, pgSchema);
  try {
    const w = new EventWorkload('bench');
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    await seedOverHttp(server, w, agent);
    agent.destroy();
    // BENCH_SETTLE_MS: wait before the load, so what a server does once at start (its scheduled
    // reads' first slots) is not measured as part of the load.
    if (Number(process.env.BENCH_SETTLE_MS) > 0) await sleep(Number(process.env.BENCH_SETTLE_MS));
    let acknowledged = 0;
    if (opts.phases.has('http')) {
      log(`${store}: HTTP closed loop, ${opts.connections} connections, ${duration} s`);
      out.closed = await closedLoop(server, w, duration, opts.connections);
      out.closed.seconds = duration;
      acknowledged += out.closed.accepted;
      log(`${store}: HTTP closed loop`, JSON.stringify(round(out.closed)));
    }
    if (opts.phases.has('rate')) {
      log(`${store}: HTTP open loop, ${opts.rate}/s, ${rateDuration} s`);
      const since = Date.now();
      out.open = await openLoop(server, w, rateDuration, opts.rate);
      out.open.seconds = rateDuration;
      out.open.processing = await processingLatency(store, server, pgSchema, since);
      acknowledged += out.open.accepted;
      log(`${store}: HTTP open loop`, JSON.stringify(round(out.open)));
    }
    const inLog = await countInLog(store, server, pgSchema);
    const logged = Object.values(inLog).reduce((a, b) => a + b, 0);
    out.loss = { acknowledged, logged, processed: inLog.processed ?? 0, pending: inLog.pending ?? 0, dead: inLog.dead ?? 0, lost: Math.max(0, acknowledged - logged) };
    log(`${store}: durability check`, JSON.stringify(out.loss));
  } finally {
    await server.stop();
    if (pgSchema) await dropPgSchema(pgSchema);
  }
  return out;
}

function round(o) {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === 'number' ? Math.round(v * 10) / 10 : v]));
}

// ---------------------------------------------------------------- report
function hardware() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
  let nproc = os.availableParallelism?.() ?? os.cpus().length;
  try { nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim()); } catch { /* keep */ }
  let disk = '';
  try { disk = execFileSync('df', ['-h', '--output=source,fstype', os.tmpdir()], { encoding: 'utf8' }).trim().split('\n')[1]?.replace(/\s+/g, ' ') ?? ''; } catch { /* keep */ }
  return { nproc, model, ramGB: os.totalmem() / 2 ** 30, node: process.version, date: new Date().toISOString(), disk, load: os.loadavg().map((l) => l.toFixed(2)).join(' ') };
}

function renderTable(results, hw) {
  const L = [];
  L.push(`Run ${hw.date} · ${hw.nproc} cores (${hw.model}) · ${hw.ramGB.toFixed(1)} GB RAM · Node ${hw.node} · tmp on ${hw.disk || '?'} · load average at start ${hw.load}`);
  L.push(`Settings: sustained ${opts.duration} s (PostgreSQL ${Math.min(opts.duration, opts.pgDuration)} s) with ${opts.connections} connections, fixed rate ${opts.rate}/s, raw phases ${opts.rawDuration} s each. Event: inventory.snapshot, 10 lines, ~1.1 KB, 1–3 lines changed.`);
  L.push('');
  L.push('| store | phase | accepted/s | processed/s (during load) | processed/s (incl. drain) | ack p50 / p95 / p99 ms | errors | lost | server RSS max MB | server CPU cores |');
  L.push('| --- | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |');
  for (const r of results.raw) {
    L.push(`| ${r.store} | raw driver, ${r.label} | ${f0(r.txPerSec)} tx/s | – | – | – | – | – | – | – |`);
  }
  for (const [store, r] of Object.entries(results.inproc)) {
    L.push(`| ${store} | in-process Intake.submit, ${opts.inprocConcurrency} in flight, ${results.inprocSeconds?.[store]} s | ${f0(r.acceptedPerSec)} | ${f0(r.processedDuringLoadPerSec)} | ${f0(r.processedPerSec)} | – | ${r.rejected} | – | ${f0(r.rssMB)} (bench process) | ${f1(r.cpuCores)} |`);
  }
  for (const [store, r] of Object.entries(results.http)) {
    const lost = r.loss ? `${r.loss.lost} of ${f0(r.loss.acknowledged)}` : '–';
    if (r.closed) {
      const c = r.closed;
      L.push(`| ${store} | HTTP closed loop, ${opts.connections} conns, ${c.seconds} s | ${f0(c.acceptedPerSec)} | ${f0(c.processedDuringLoadPerSec)} | ${f0(c.processedPerSec)} | ${f1(c.p50)} / ${f1(c.p95)} / ${f1(c.p99)} | ${c.errors} | ${lost} | ${rssCell(c)} | ${f1(c.serverCpuCores)} |`);
    }
    if (r.open) {
      const o = r.open;
      L.push(`| ${store} | HTTP fixed rate ${opts.rate}/s, ${o.seconds} s | ${f0(o.achievedPerSec)} | ${f0(o.processedDuringLoadPerSec)} | ${f0(o.processedPerSec)} | ${f1(o.p50)} / ${f1(o.p95)} / ${f1(o.p99)} | ${o.errors} | ${r.closed ? '(above)' : lost} | ${rssCell(o)} | ${f1(o.serverCpuCores)} |`);
    }
  }
  for (const [store, r] of Object.entries(results.orders ?? {})) {
    L.push(`| ${store} | orders over HTTP (order.placed → routed + reserved), ${r.connections} conns${r.batch > 1 ? `, ${r.batch} per request` : ''}, ${r.seconds} s | ${f0(r.acceptedPerSec)} orders | ${f0(r.processedDuringLoadPerSec)} | ${f0(r.processedPerSec)} orders | ${f1(r.p50)} / ${f1(r.p95)} / ${f1(r.p99)} | ${r.errors} | – | ${rssCell(r)} | ${f1(r.serverCpuCores)} |`);
  }
  L.push('');
  for (const [store, r] of Object.entries(results.orders ?? {})) {
    L.push(`- ${store} orders: end states ${JSON.stringify(r.states)}; backlog at the end of the load ${f0(r.backlogAtEnd)} events (decided events included), drained in ${f1(r.drainSecs)} s.`);
  }
  for (const [store, r] of Object.entries(results.http)) {
    if (r.closed) L.push(`- ${store} HTTP closed loop: backlog at the end of the load ${f0(r.closed.backlogAtEnd)} events, drained in ${f1(r.closed.drainSecs)} s; load generator used ${f1(r.closed.generatorCpuCores)} cores of the same machine.`);
    if (r.open?.processing) L.push(`- ${store} HTTP fixed rate: accepted → processed (the batch's start) p50 ${f1(r.open.processing.p50)} / p99 ${f1(r.open.processing.p99)} / max ${f1(r.open.processing.max)} ms over ${f0(r.open.processing.n)} events.`);
    if (r.loss) L.push(`- ${store} durability check: ${f0(r.loss.acknowledged)} events acknowledged with 202, ${f0(r.loss.logged)} in the log (${f0(r.loss.processed)} processed, ${r.loss.pending} pending, ${r.loss.dead} dead) → ${r.loss.lost} lost.`);
  }
  for (const [store, r] of Object.entries(results.inproc)) {
    L.push(`- ${store} in-process: backlog at the end of the load ${f0(r.backlogAtEnd)}, drained in ${f1(r.drainSecs)} s.`);
  }
  return L.join('\n');
}

function writeDoc(table) {
  const start = '<!-- bench:start -->';
  const end = '<!-- bench:end -->';
  const text = existsSync(DOC) ? readFileSync(DOC, 'utf8') : `# Performance\n\n${start}\n${end}\n`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  const next = i >= 0 && j > i ? `${text.slice(0, i + start.length)}\n${table}\n${text.slice(j)}` : `${text.trimEnd()}\n\n${start}\n${table}\n${end}\n`;
  writeFileSync(DOC, next);
}

// ---------------------------------------------------------------- main
async function main() {
  if (!existsSync(CLI)) throw new Error(`${CLI} missing: run \`npm run build\` first (npm run bench does)`);
  const hw = hardware();
  log('hardware', JSON.stringify(hw));
  log('options', JSON.stringify({ ...opts, phases: [...opts.phases], pgUrl: opts.pgUrl ? '(set)' : undefined }));
  const results = { raw: [], inproc: {}, http: {}, orders: {} };
  if (opts.phases.has('raw')) {
    for (const sync of ['FULL', 'NORMAL']) {
      if (!opts.stores.includes('sqlite')) break;
      log(`raw better-sqlite3, synchronous=${sync}, ${opts.rawDuration} s`);
      const r = await rawSqlite(sync, opts.rawDuration);
      results.raw.push({ store: 'sqlite', label: `better-sqlite3 WAL synchronous=${sync}, 1 tx per order`, ...r });
      log(`  ${f0(r.txPerSec)} tx/s`);
    }
    if (opts.stores.includes('postgres')) {
      log(`raw pg, 8 connections, ${opts.rawDuration} s`);
      const r = await rawPg(opts.pgUrl, opts.rawDuration, 8);
      results.raw.push({ store: 'postgres', label: `pg, 8 connections, synchronous_commit=${r.synchronousCommit}, 1 tx per order`, ...r });
      log(`  ${f0(r.txPerSec)} tx/s`);
    }
  }
  for (const store of opts.stores) {
    if (opts.phases.has('inproc')) {
      const secs = Math.min(opts.duration, store === 'postgres' ? opts.pgDuration / 2 : QUICK ? 10 : 20);
      results.inprocSeconds = { ...(results.inprocSeconds ?? {}), [store]: secs };
      log(`${store}: in-process Intake.submit, ${secs} s`);
      results.inproc[store] = await inProcess(store, secs);
      log(`${store}: in-process`, JSON.stringify(round(results.inproc[store])));
    }
    if (opts.phases.has('http') || opts.phases.has('rate')) results.http[store] = await httpPhases(store);
    if (opts.phases.has('orders')) results.orders[store] = await orderPhase(store);
  }
  const table = renderTable(results, hw);
  console.log(table);
  if (opts.write) {
    writeDoc(table);
    log(`wrote ${DOC}`);
  }
  writeFileSync(join(os.tmpdir(), 'omniops-bench-last.json'), JSON.stringify({ hw, opts: { ...opts, phases: [...opts.phases], pgUrl: undefined }, results }, null, 2));
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
