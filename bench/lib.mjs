/**
 * Pieces the benchmark scripts share: signing, latency statistics, /proc sampling, a keep-alive
 * HTTP request, waiting for a backlog to drain, and the order workload (issue 3).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import http from 'node:http';

/** The compiled code a script measures: ./dist, or BENCH_DIST (another commit's build, for an A/B). */
export const DIST = resolve(dirname(fileURLToPath(import.meta.url)), '..', process.env.BENCH_DIST ?? 'dist');
export const loadDist = (p) => import(pathToFileURL(join(DIST, p)).href);

/** `--name value` from the command line (`'true'` for a bare flag), or the default. */
export function arg(name, d) {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? d : (process.argv[i + 1] ?? 'true');
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const log = (...a) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...a);

export function sign(secret, body) {
  const t = Math.floor(Date.now() / 1000);
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.`).update(body).digest('hex')}`;
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
export function latencySummary(lat) {
  const s = Float64Array.from(lat).sort();
  return { p50: percentile(s, 50), p95: percentile(s, 95), p99: percentile(s, 99), max: s.length ? s[s.length - 1] : NaN };
}

export async function drain(count, timeoutMs) {
  const t0 = performance.now();
  while (performance.now() - t0 < timeoutMs) {
    if ((await count()) === 0) return performance.now() - t0;
    // Each look is a /metrics scrape (store counts on the HTTP thread, the engine thread's counters
    // collected): looking too often slows the drain itself. Every 200 ms at first, then at most every
    // second, keeping the error under 5 % of the time measured.
    await sleep(Math.max(200, Math.min(1000, (performance.now() - t0) / 20)));
  }
  throw new Error('backlog did not drain in time');
}

/** Samples a process's resident memory and CPU time from /proc. */
export class ProcSampler {
  constructor(pid) {
    this.pid = pid;
    this.maxRssMB = 0;
    this.timer = setInterval(() => this.sample(), 250);
    this.sample();
    this.cpu0 = this.cpuSeconds();
    this.t0 = performance.now();
  }
  sample() {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
      if (m) this.maxRssMB = Math.max(this.maxRssMB, Number(m[1]) / 1024);
    } catch { /* exited */ }
  }
  cpuSeconds() {
    try {
      const f = readFileSync(`/proc/${this.pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, in clock ticks of 1/100 s
    } catch { return NaN; }
  }
  stop() {
    clearInterval(this.timer);
    return { maxRssMB: this.maxRssMB, cpuCores: (this.cpuSeconds() - this.cpu0) / ((performance.now() - this.t0) / 1000) };
  }
}

export function request(agent, url, method, path, body, headers) {
  return new Promise((res, rej) => {
    const req = http.request(url + path, { agent, method, headers }, (r) => {
      const chunks = [];
      r.on('data', (c) => chunks.push(c));
      r.on('end', () => res({ status: r.statusCode, text: Buffer.concat(chunks).toString('utf8') }));
      r.on('error', rej);
    });
    req.on('error', rej);
    req.end(body);
  });
}

/**
 * The order workload (issue 3's bench): the demo retailer's 9 locations and 500 SKUs, stocked deep
 * enough that every order can be routed, and signed `order.placed` events of 1–3 lines across the
 * shipping methods that every location can serve (standard, express), each routed and reserved.
 */
export class OrderWorkload {
  constructor(source, retailer) {
    this.source = source;
    this.n = 0;
    this.run = randomBytes(4).toString('hex');
    this.locationsList = retailer.demoLocations();
    this.skus = retailer.demoProducts().map((p) => ({ sku: p.sku, price: p.price }));
  }
  locations() {
    const at = new Date().toISOString();
    return [
      ...this.locationsList.map((l) => ({ source: this.source, sourceEventId: `loc-${this.run}-${l.id}`, type: 'location.upserted', occurredAt: at, payload: { ...l, dailyCapacity: 1_000_000 } })),
      ...this.locationsList.map((l) => ({
        source: this.source, sourceEventId: `stock-${this.run}-${l.id}`, type: 'inventory.snapshot', occurredAt: at,
        payload: { locationId: l.id, counts: this.skus.map((s) => ({ sku: s.sku, onHand: 1_000_000 })) },
      })),
    ];
  }
  next() {
    const n = this.n++;
    const lines = Array.from({ length: 1 + (n % 3) }, (_, i) => {
      const p = this.skus[(n * 7 + i * 131) % this.skus.length];
      return { lineId: String(i + 1), sku: p.sku, qty: 1 + ((n + i) % 2), unitPrice: p.price };
    });
    const city = this.locationsList[n % 6];
    return {
      source: this.source,
      sourceEventId: `order-${this.run}-${n}`,
      type: 'order.placed',
      occurredAt: new Date().toISOString(),
      payload: {
        externalOrderId: `B-${this.run}-${n}`,
        customer: { id: `cust-${n % 5000}` },
        lines,
        currency: 'EUR',
        shipping: { method: n % 4 === 0 ? 'express' : 'standard', address: { country: 'NL', postcode: `${1000 + (n % 8999)}AB`, lat: city.lat + 0.01, lon: city.lon + 0.01 } },
        payment: { status: 'authorized', amount: lines.reduce((a, l) => a + l.qty * l.unitPrice, 0) },
      },
    };
  }
}
