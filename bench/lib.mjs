/**
 * Pieces the benchmark scripts share: signing, latency statistics, /proc sampling, a keep-alive
 * HTTP request, and waiting for a backlog to drain.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';

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
    // Each look is a /metrics scrape (whole-table counts): looking too often slows the drain itself.
    await sleep(200);
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
