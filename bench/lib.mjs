/**
 * Pieces the benchmark scripts share: signing, latency statistics, /proc sampling, a keep-alive
 * HTTP request, a lean keep-alive connection for closed loops, waiting for a backlog to drain, and
 * the two workloads: inventory events and orders (issue 3).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import http from 'node:http';
import net from 'node:net';

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

/** A process and its descendants (the server's scheduled-read processes), from /proc. */
function withDescendants(pid) {
  const all = [pid];
  for (let i = 0; i < all.length; i++) {
    try {
      for (const tid of readdirSync(`/proc/${all[i]}/task`)) {
        for (const c of readFileSync(`/proc/${all[i]}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean)) all.push(Number(c));
      }
    } catch { /* exited */ }
  }
  return all;
}

/** One process's resident memory and what it is made of, in MB (null once it has exited). */
function rssOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) / 1024;
    return { rss: kb('VmRSS'), anonMB: kb('RssAnon'), fileMB: kb('RssFile'), shmemMB: kb('RssShmem') };
  } catch {
    return null;
  }
}

/**
 * Samples a process's resident memory and CPU time from /proc. Its child processes (a scheduled
 * read runs in one for a few seconds an hour) are sampled apart: `maxChildRssMB` is the most they
 * held at once, so the table can say what the machine needed beside the server. CPU time is the
 * server's own.
 */
export class ProcSampler {
  constructor(pid) {
    this.pid = pid;
    this.maxRssMB = 0;
    this.maxChildRssMB = 0;
    this.timer = setInterval(() => this.sample(), 250);
    this.sample();
    this.cpu0 = this.cpuSeconds();
    this.t0 = performance.now();
  }
  sample() {
    const own = rssOf(this.pid);
    if (own && own.rss > this.maxRssMB) {
      this.maxRssMB = own.rss;
      // What the peak is made of: heaps and malloc (anon) or the mapped binary and libraries (file),
      // so a figure near the goal says whether there is anything of ours to shrink.
      this.atMax = { anonMB: own.anonMB, fileMB: own.fileMB, shmemMB: own.shmemMB };
    }
    const children = withDescendants(this.pid).slice(1).map(rssOf).reduce((sum, r) => sum + (r?.rss ?? 0), 0);
    if (children > this.maxChildRssMB) this.maxChildRssMB = children;
  }
  cpuSeconds() {
    try {
      const f = readFileSync(`/proc/${this.pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, in clock ticks of 1/100 s
    } catch { return NaN; }
  }
  stop() {
    clearInterval(this.timer);
    return { maxRssMB: this.maxRssMB, maxChildRssMB: this.maxChildRssMB, rssAtMax: this.atMax, cpuCores: (this.cpuSeconds() - this.cpu0) / ((performance.now() - this.t0) / 1000) };
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
 * One keep-alive HTTP/1.1 connection, one request at a time, for the closed loops. The load
 * generator shares the machine with the server: through node:http it used ~0.4 of the 2 cores
 * (~125 µs per request at ~3,200 requests/s), CPU the server's figures then lacked. This writes the
 * request as one buffer and reads the answer by its content-length (what omniops always sends),
 * nothing else. A reply it cannot read that way rejects, and the next request opens a new socket.
 */
export class LeanConnection {
  constructor(url) {
    const u = new URL(url);
    this.host = u.hostname;
    this.port = Number(u.port || 80);
    this.hostHeader = u.host;
    this.socket = null;
    this.waiting = null;
    this.chunks = [];
    this.length = 0;
  }

  request(method, path, body = '', headers = {}) {
    if (this.waiting) return Promise.reject(new Error('LeanConnection: one request at a time'));
    const payload = typeof body === 'string' ? Buffer.from(body) : body;
    let head = `${method} ${path} HTTP/1.1\r\nhost: ${this.hostHeader}\r\nconnection: keep-alive\r\ncontent-length: ${payload.length}\r\n`;
    for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() !== 'content-length') head += `${k}: ${v}\r\n`;
    const socket = this.socket ?? this.open();
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      socket.write(payload.length > 0 ? Buffer.concat([Buffer.from(`${head}\r\n`), payload]) : `${head}\r\n`);
    });
  }

  close() {
    this.socket?.destroy();
    this.socket = null;
  }

  open() {
    const socket = net.connect({ host: this.host, port: this.port, noDelay: true });
    socket.on('data', (chunk) => this.received(chunk));
    const gone = (error) => {
      if (this.socket === socket) this.socket = null;
      this.fail(error ?? new Error('connection closed'));
    };
    socket.on('error', gone);
    socket.on('close', () => gone());
    this.socket = socket;
    return socket;
  }

  received(chunk) {
    this.chunks.push(chunk);
    this.length += chunk.length;
    const data = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.length);
    const end = data.indexOf('\r\n\r\n');
    if (end < 0) return;
    const head = data.toString('latin1', 0, end);
    const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (!m) return this.fail(new Error(`LeanConnection: no content-length in ${JSON.stringify(head.slice(0, 200))}`), true);
    const total = end + 4 + Number(m[1]);
    if (data.length < total) {
      this.chunks = [data];
      return;
    }
    if (data.length > total) return this.fail(new Error('LeanConnection: more bytes than one answer'), true);
    this.chunks = [];
    this.length = 0;
    const w = this.waiting;
    this.waiting = null;
    w?.resolve({ status: Number(head.slice(9, 12)), text: data.toString('utf8', end + 4, total) });
  }

  fail(error, destroy = false) {
    this.chunks = [];
    this.length = 0;
    const w = this.waiting;
    this.waiting = null;
    if (destroy) this.close();
    w?.reject(error);
  }
}

/**
 * The event: `inventory.snapshot` of one location with 10 count lines (~1.1 KB of JSON), of which
 * 1–3 lines change on-hand each time — the closest shape in today's catalog to an order (one inbox
 * insert, ~10 keyed reads, 1–3 stock writes, an audit link): the events phases of `npm run bench`.
 */
const LOCATIONS = 50;
const SKUS_PER_LOCATION = 10;
export class EventWorkload {
  /** `adjustments`: `inventory.adjusted` events (one sku, ±1–3) instead of counts. */
  constructor(source, { adjustments = false } = {}) {
    this.source = source;
    this.adjustments = adjustments;
    this.n = 0;
    this.run = randomBytes(4).toString('hex');
    this.onHand = Array.from({ length: LOCATIONS }, () => Array.from({ length: SKUS_PER_LOCATION }, (_, j) => 100 + j));
  }
  locationId(i) {
    return `bench-store-${String(i).padStart(3, '0')}`;
  }
  locations() {
    return Array.from({ length: LOCATIONS }, (_, i) => ({
      source: this.source,
      sourceEventId: `loc-${this.run}-${i}`,
      type: 'location.upserted',
      occurredAt: new Date().toISOString(),
      payload: { id: this.locationId(i), name: `Bench store ${i}`, kind: 'store', lat: 52 + i / 100, lon: 4.9, capabilities: ['ship', 'pickup'] },
    }));
  }
  sku(loc, j) {
    return `SKU-${String(loc).padStart(3, '0')}-${String(j).padStart(2, '0')}-APPAREL-COTTON-TEE-XL`;
  }
  next() {
    const n = this.n++;
    const loc = n % LOCATIONS;
    const event = (prefix, type, payload) => ({
      source: this.source, sourceEventId: `${prefix}-${this.run}-${n}`, type, occurredAt: new Date().toISOString(), correlationId: `bench-${this.run}-${n}`, payload,
    });
    if (this.adjustments) {
      const sku = this.sku(loc, (n * 7) % SKUS_PER_LOCATION);
      return event('adj', 'inventory.adjusted', { locationId: this.locationId(loc), sku, delta: n % 4 === 3 ? -1 : 1 + (n % 3), reason: 'correction' });
    }
    const counts = this.onHand[loc];
    const changes = 1 + (n % 3);
    for (let k = 0; k < changes; k++) counts[(n + k * 3) % SKUS_PER_LOCATION] += 1;
    return event('snap', 'inventory.snapshot', {
      locationId: this.locationId(loc),
      counts: counts.map((onHand, j) => ({ sku: this.sku(loc, j), onHand, protected: 2, safetyStock: 5 })),
    });
  }
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
