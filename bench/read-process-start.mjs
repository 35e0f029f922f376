#!/usr/bin/env node
/**
 * What starting a scheduled-read process costs (src/engine/scheduler/read-worker.ts, `scheduledReads.on:
 * "process"`, the default): `npm run build && node bench/read-process-start.mjs` (it builds nothing
 * itself; it measures ./dist, or BENCH_DIST=<dir>).
 *
 * One small SQLite store (migrated, 60 delivered orders over 60 days), then per job (books check,
 * anomaly scan) `--runs` (7) forks of the compiled read entry, `read-worker-main.js`, the way the
 * server forks it (no execArgv of the server's, advanced serialization, the settings over IPC), at
 * niceness `--nice` (0: the cost, not how it yields). Per run:
 *
 *   cpu   the child's user + system CPU time, all its threads, from exec to its exit handler
 *         (process.cpuUsage(), written by a tiny `--import` probe, the only thing added to the child)
 *   wall  fork to its answer arriving here
 *   rss   the child's peak resident set (VmHWM of /proc/self/status at exit)
 *
 * and, in one more run per job with an ESM loader hook (off-thread in Node 20, so not timed), the
 * modules it loaded: files through the ESM loader plus CommonJS files in require.cache (builtins
 * not counted), split into the project's own (`dist/`) and node_modules.
 *
 *   --runs <n>          runs per job (default 7); the medians are printed
 *   --nice <n>          the child's niceness (default 0)
 *   --compare <dir>     a second build (e.g. one built before a change): runs alternate between the
 *                       two, one row per build and job
 *   --list              print the modules each build's child loaded (the first job's)
 *   --json              one JSON line instead of the table
 */
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { arg, DIST } from './lib.mjs';

const RUNS = Number(arg('runs', 7));
const NICE = Number(arg('nice', 0));
const COMPARE = arg('compare', null);
const LIST = arg('list', null) !== null;
const JSON_OUT = arg('json', null) !== null;
const JOBS = ['books-check', 'anomaly-scan'];
const DAY = 86_400_000;

const builds = [{ name: COMPARE ? `A ${DIST}` : DIST, dir: DIST }];
if (COMPARE) builds.push({ name: `B ${resolve(COMPARE)}`, dir: resolve(COMPARE) });
for (const b of builds) {
  b.entry = join(b.dir, 'engine/scheduler/read-worker-main.js');
  if (!existsSync(b.entry)) throw new Error(`no ${b.entry}: build first (npm run build)`);
}

// The child's probe: at exit, its CPU time, peak RSS and CommonJS modules, as JSON into a file.
const probe = `data:text/javascript,${encodeURIComponent(`
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
process.on('exit', () => {
  const u = process.cpuUsage();
  const hwmKb = Number(/VmHWM:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]);
  writeFileSync(process.env.READ_START_PROBE, JSON.stringify({ cpuMs: (u.user + u.system) / 1000, hwmKb, cjs: Object.keys(createRequire(process.argv[1]).cache) }));
});`)}`;
// The counting run's loader hook: every URL the ESM loader loads, appended to a file.
const hooks = `data:text/javascript,${encodeURIComponent(`
import { appendFileSync } from 'node:fs';
let file;
export function initialize(data) { file = data.file; }
export async function load(url, context, next) { appendFileSync(file, url + '\\n'); return next(url, context); }`)}`;
const counter = `data:text/javascript,${encodeURIComponent(`
import { register } from 'node:module';
register(${JSON.stringify(hooks)}, { data: { file: process.env.READ_START_MODULES } });`)}`;

const dir = mkdtempSync(join(os.tmpdir(), 'omniops-read-start-'));
const storeFile = join(dir, 'omniops.db');
await seed(builds[0].dir);

/** A migrated store with a little order history, so both reads read rows. */
async function seed(distDir) {
  const { SqliteStore } = await import(pathToFileURL(join(distDir, 'store/sqlite/sqlite-store.js')).href);
  const { insertOrder } = await import(pathToFileURL(join(distDir, 'store/repos/orders.js')).href);
  const store = new SqliteStore({ file: storeFile });
  await store.migrate();
  const today = Math.floor(Date.now() / DAY) * DAY;
  await store.transaction(async (tx) => {
    for (let d = 60; d >= 1; d--) {
      const id = `ord-h-${d}`;
      const placedMs = today - d * DAY + 3_600_000;
      await insertOrder(tx, {
        id, source: 'web', externalOrderId: id, state: 'delivered', holdReason: null, customerId: `c-${d}`, addressKey: `addr-${d}`,
        total: 40, currency: 'EUR', placedMs, promisedByMs: null,
        doc: { placed: { lines: [{ lineId: '1', sku: 'KETTLE', qty: 2, unitPrice: 20 }] }, paymentStatus: 'captured', routing: [], excludedLocationIds: [], history: [] },
      }, new Date(placedMs).toISOString());
    }
  });
  await store.close();
}

/** One fork of the read entry for `job`; resolves with its measurements once it has exited. */
function runOnce(build, job, { count = false } = {}) {
  const probeFile = join(dir, `probe-${process.pid}-${Math.random().toString(36).slice(2)}.json`);
  const modulesFile = `${probeFile}.modules`;
  const execArgv = count ? ['--import', counter, '--import', probe] : ['--import', probe];
  const now = Date.now();
  const data = { store: { store: storeFile, dataDir: dir }, job, slot: { job, slotMs: now, now } };
  return new Promise((resolvePromise, reject) => {
    const t0 = process.hrtime.bigint();
    const child = fork(build.entry, [], {
      execArgv, serialization: 'advanced', stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      env: { ...process.env, READ_START_PROBE: probeFile, READ_START_MODULES: modulesFile },
    });
    if (NICE > 0) os.setPriority(child.pid, NICE);
    let wallMs = null;
    let reply = null;
    child.once('message', (m) => {
      wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
      reply = m;
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (!reply?.ok) return reject(new Error(`${job}: the read answered ${JSON.stringify(reply)} (exit ${code})`));
      const p = JSON.parse(readFileSync(probeFile, 'utf8'));
      const out = { wallMs, cpuMs: p.cpuMs, rssMb: p.hwmKb / 1024 };
      if (count) {
        const esm = readFileSync(modulesFile, 'utf8').split('\n').filter((u) => u.startsWith('file:')).map((u) => fileURLToPath(u));
        const files = [...new Set([...esm, ...p.cjs])].sort();
        out.modules = files;
      }
      resolvePromise(out);
    });
    child.send(data);
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const results = [];
try {
  const samples = new Map();
  for (let i = 0; i < RUNS; i++) {
    for (const job of JOBS) {
      for (const b of builds) {
        const key = `${b.name}\0${job}`;
        if (!samples.has(key)) samples.set(key, []);
        samples.get(key).push(await runOnce(b, job));
      }
    }
  }
  for (const b of builds) {
    for (const job of JOBS) {
      const s = samples.get(`${b.name}\0${job}`);
      const { modules } = await runOnce(b, job, { count: true });
      const own = modules.filter((f) => f.startsWith(b.dir + '/')).length;
      const deps = modules.filter((f) => f.includes('/node_modules/')).length;
      results.push({
        build: b.name, job, runs: s.length,
        cpuMs: Math.round(median(s.map((x) => x.cpuMs))), wallMs: Math.round(median(s.map((x) => x.wallMs))),
        rssMb: Math.round(median(s.map((x) => x.rssMb)) * 10) / 10, modules: modules.length, ownModules: own, depModules: deps,
      });
      if (LIST && job === JOBS[0]) console.error(`${b.name}: ${modules.length} modules\n  ${modules.map((f) => f.replace(b.dir + '/', '')).join('\n  ')}`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

if (JSON_OUT) {
  console.log(JSON.stringify({ nice: NICE, loadavg: os.loadavg(), cpus: os.cpus().length, results }));
} else {
  console.log(`read-process start, medians of ${RUNS} (nice ${NICE}; ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')})`);
  console.log(['build', 'job', 'cpu ms', 'wall ms', 'peak RSS MB', 'modules (dist / node_modules)'].join('\t'));
  for (const r of results) console.log([r.build, r.job, r.cpuMs, r.wallMs, r.rssMb, `${r.modules} (${r.ownModules} / ${r.depModules})`].join('\t'));
}
