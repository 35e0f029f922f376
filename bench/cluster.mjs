#!/usr/bin/env node
/**
 * Cluster-mode benchmark (issue 9): one API process and 1 or 2 worker processes on PostgreSQL,
 * with NATS JetStream distributing the work. Run after `npm run build`:
 *
 *   OMNIOPS_BENCH_PG_URL=postgres://postgres@127.0.0.1:5432/test node bench/cluster.mjs
 *
 * Options (env): BENCH_NATS_URL (default nats://127.0.0.1:4222), BENCH_DURATION (s, default 20),
 * BENCH_CONNECTIONS (default 32), BENCH_WORKERS (default "1,2"), BENCH_NO_WRITE=1.
 * Writes its table into docs/scaling.md between <!-- cluster-bench:start --> and <!-- cluster-bench:end -->.
 */
import { spawn, execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { drain, latencySummary, log, ProcSampler, request, sign } from './lib.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const DOC = join(ROOT, 'docs', 'scaling.md');
const PG_URL = process.env.OMNIOPS_BENCH_PG_URL || process.env.OMNIOPS_TEST_PG_URL;
const NATS = process.env.BENCH_NATS_URL ?? 'nats://127.0.0.1:4222';
const DURATION = Number(process.env.BENCH_DURATION ?? 20);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const WORKERS = (process.env.BENCH_WORKERS ?? '1,2').split(',').map(Number);
if (!PG_URL) throw new Error('set OMNIOPS_BENCH_PG_URL (or OMNIOPS_TEST_PG_URL)');

function spawnServe(role, env) {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--json', '--role', role, '--transport', NATS], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-2000)));
  const lines = createInterface({ input: child.stdout });
  return new Promise((res, rej) => {
    lines.once('line', (l) => {
      lines.on('line', () => undefined);
      res({ child, pid: child.pid, url: JSON.parse(l).url.replace('localhost', '127.0.0.1') });
    });
    child.once('exit', (c) => rej(new Error(`serve ${role} exited ${c}: ${stderr}`)));
  });
}

async function run(workers) {
  const schema = `bench_cluster_${process.pid}_${workers}`;
  const dir = mkdtempSync(join(os.tmpdir(), 'omniops-cluster-bench-'));
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ cluster: { partitions: 16, stream: `BENCH_${process.pid}_${workers}`, subjectPrefix: `bench${process.pid}w${workers}.events` } }));
  const env = {
    ...process.env, OMNIOPS_LOG_LEVEL: 'warn', OMNIOPS_DATA_DIR: dir, OMNIOPS_STORE: PG_URL, OMNIOPS_PG_SCHEMA: schema,
    OMNIOPS_SECRET_KEY: randomBytes(32).toString('base64'), OMNIOPS_CONFIG: config,
  };
  const db = new pg.Client({ connectionString: PG_URL });
  await db.connect();
  const procs = [];
  try {
    const { secret } = JSON.parse(execFileSync(process.execPath, [CLI, 'sources', 'add', 'bench', '--json'], { env, encoding: 'utf8' }));
    const api = await spawnServe('api', env);
    procs.push(api);
    for (let i = 0; i < workers; i++) procs.push(await spawnServe('worker', env));
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
    const post = (e) => {
      const body = JSON.stringify(e);
      return request(agent, api.url, 'POST', '/v1/events', body, { 'content-type': 'application/json', 'omniops-signature': sign(secret, body) });
    };
    const pending = async () => Number((await db.query(`SELECT COUNT(*) AS n FROM ${schema}.events WHERE status = 'pending'`)).rows[0].n);
    for (let i = 0; i < 50; i++) await post({ source: 'bench', sourceEventId: `loc-${i}`, type: 'location.upserted', occurredAt: new Date().toISOString(), payload: { id: `L${i}`, name: `L${i}`, kind: 'store', lat: 52, lon: 5 } });
    await drain(pending, 60_000);
    const samplers = procs.map((p) => new ProcSampler(p.pid));
    const lat = [];
    let accepted = 0;
    let errors = 0;
    let n = 0;
    const t0 = performance.now();
    const end = t0 + DURATION * 1000;
    await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < end) {
        const i = n++;
        const s = performance.now();
        const r = await post({ source: 'bench', sourceEventId: randomUUID(), type: 'inventory.adjusted', occurredAt: new Date().toISOString(), payload: { locationId: `L${i % 50}`, sku: `S${i % 20}`, delta: 1, reason: 'receipt' } }).catch(() => null);
        lat.push(performance.now() - s);
        if (r?.status === 202) accepted++;
        else errors++;
      }
    }));
    const loadSecs = (performance.now() - t0) / 1000;
    const backlog = await pending();
    const drainMs = await drain(pending, 600_000);
    const cpu = samplers.map((s) => s.stop());
    const processed = Number((await db.query(`SELECT COUNT(*) AS n FROM ${schema}.events WHERE status = 'processed' AND type = 'inventory.adjusted'`)).rows[0].n);
    agent.destroy();
    return {
      workers, accepted, errors, processed, acceptedPerSec: accepted / loadSecs, processedPerSec: processed / (loadSecs + drainMs / 1000),
      processedDuringLoad: (accepted - backlog) / loadSecs, drainSecs: drainMs / 1000, ...latencySummary(lat),
      apiCpu: cpu[0].cpuCores, workerCpu: cpu.slice(1).map((c) => c.cpuCores), rssMB: Math.max(...cpu.map((c) => c.maxRssMB)),
    };
  } finally {
    for (const p of procs) p.child.kill('SIGKILL');
    await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await db.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

const rows = [];
for (const w of WORKERS) {
  log(`cluster: 1 API + ${w} worker(s), ${DURATION} s, ${CONNECTIONS} connections`);
  const r = await run(w);
  log(JSON.stringify(r));
  rows.push(r);
}
const f0 = (x) => Math.round(x).toLocaleString('en-US');
const table = [
  `Run ${new Date().toISOString()} · ${os.cpus().length} cores · Node ${process.version} · load at start ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} · ${DURATION} s closed loop, ${CONNECTIONS} connections, inventory.adjusted over 50 locations · PostgreSQL, NATS JetStream (one local server, file storage), 16 partitions`,
  '',
  '| workers | accepted/s | processed/s during load | processed/s incl. drain | drain s | ack p50 / p95 / p99 ms | API CPU cores | worker CPU cores | max RSS MB |',
  '| ---: | ---: | ---: | ---: | ---: | --- | ---: | --- | ---: |',
  ...rows.map((r) => `| ${r.workers} | ${f0(r.acceptedPerSec)} | ${f0(r.processedDuringLoad)} | ${f0(r.processedPerSec)} | ${r.drainSecs.toFixed(1)} | ${r.p50.toFixed(0)} / ${r.p95.toFixed(0)} / ${r.p99.toFixed(0)} | ${r.apiCpu.toFixed(2)} | ${r.workerCpu.map((c) => c.toFixed(2)).join(' + ')} | ${f0(r.rssMB)} |`),
].join('\n');
console.log(table);
if (process.env.BENCH_NO_WRITE !== '1') {
  const text = readFileSync(DOC, 'utf8');
  const [a, b] = ['<!-- cluster-bench:start -->', '<!-- cluster-bench:end -->'];
  const next = text.includes(a) ? `${text.slice(0, text.indexOf(a) + a.length)}\n${table}\n${text.slice(text.indexOf(b))}` : `${text.trimEnd()}\n\n${a}\n${table}\n${b}\n`;
  writeFileSync(DOC, next);
}
