import { afterEach, describe, expect, it } from 'vitest';
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import { getJson, jsonOf, killChildren, newDataDir, newSecretKey, postSigned, removeDataDirs, runCli, startServe } from '../support/cli.js';
import { envelope } from '../support/app.js';
import { SharedWriteLock } from '../../src/store/shared-lock.js';

/**
 * A server runs its engine (dispatcher, scheduler, delivery…) on a worker thread of its own unless
 * told `--engine inline`. Both modes must look the same from outside: events processed, long-polls
 * woken, the processing counters in /metrics, a clean stop.
 */

const pgUrl = process.env.OMNIOPS_TEST_PG_URL;
/** PostgreSQL schemas the servers of a test made, dropped after it. */
const schemas: string[] = [];

afterEach(async () => {
  await killChildren();
  removeDataDirs();
  if (schemas.length === 0) return;
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  for (const schema of schemas.splice(0)) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
});

async function served(mode: 'thread' | 'inline', store?: string) {
  const data = newDataDir('omniops-engine-');
  const env: Record<string, string> = { OMNIOPS_SECRET_KEY: newSecretKey(), OMNIOPS_LOG_LEVEL: 'warn' };
  if (store) {
    env.OMNIOPS_STORE = store;
    env.OMNIOPS_PG_SCHEMA = `engine_${mode}_${process.pid}_${Date.now().toString(36)}`;
    schemas.push(env.OMNIOPS_PG_SCHEMA);
  }
  const cli = async (...args: string[]) => jsonOf((await runCli([...args, '--data', data, '--json'], { env })));
  const secret = (await cli('sources', 'add', 'web')).secret as string;
  const adminKey = (await cli('users', 'add', 'ops', '--role', 'admin')).apiKey as string;
  const server = await startServe(data, { env, args: ['--engine', mode] });
  return { server, secret, adminKey };
}

const stores: Array<[string, string | undefined]> = [['sqlite', undefined], ...(pgUrl ? [['postgres', pgUrl] as [string, string]] : [])];

describe.each(stores)('engine modes on %s', (_name, store) => {
  it.each(['thread', 'inline'] as const)('--engine %s: events are processed, a long-poll wakes, /metrics counts them, SIGINT stops it cleanly', async (mode) => {
    const { server, secret, adminKey } = await served(mode, store);
    const loc = await postSigned(server.url, secret, JSON.stringify(envelope({ sourceEventId: 'loc-1', payload: { id: 'L1', name: 'Store', kind: 'store', lat: 0, lon: 0 } })));
    expect(loc?.status).toBe(202);
    const ids: string[] = [loc!.body.eventId];
    for (let i = 0; i < 20; i++) {
      const r = await postSigned(server.url, secret, JSON.stringify(envelope({ sourceEventId: `adj-${i}`, type: 'inventory.adjusted', payload: { locationId: 'L1', sku: 'SKU-1', delta: 1, reason: 'receipt' } })));
      expect(r?.status).toBe(202);
      ids.push(r!.body.eventId);
    }
    for (const id of ids) {
      const st = await getJson(server.url, `/v1/events/${id}?wait=10000`, adminKey);
      expect(st.body.status).toBe('processed');
    }
    const stock = await getJson(server.url, '/v1/stock?sku=SKU-1&location=L1', adminKey);
    expect(stock.body.items[0].onHand).toBe(20);
    // The processing histogram lives where the dispatcher runs; /metrics shows it either way, once.
    const metrics = await fetch(`${server.url}/metrics`).then((r) => r.text());
    const adjusted = /^omniops_event_processing_seconds_count\{type="inventory.adjusted"\} (\d+)/m.exec(metrics);
    expect(Number(adjusted?.[1])).toBe(20);
    expect(metrics.match(/^omniops_process_resident_memory_bytes /gm)?.length).toBe(1);
    expect(/^omniops_backlog_events 0$/m.test(metrics)).toBe(true);
    // The hourly books check's slot due at start is read in a scheduled-read process (a child
    // started from the engine's thread, or the main one inline) and lands: its gauges appear.
    // (0 until it has run: a gauge without labels is shown from the start.)
    let booksChecked = 0;
    for (let i = 0; i < 300 && !(booksChecked > 0); i++) {
      booksChecked = Number(/^omniops_books_checked_timestamp_seconds (\S+)/m.exec(await fetch(`${server.url}/metrics`).then((r) => r.text()))?.[1]);
      if (!(booksChecked > 0)) await new Promise((r) => setTimeout(r, 100));
    }
    expect(booksChecked).toBeGreaterThan(0);
    server.child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => server.child.once('exit', (c) => resolve(c)));
    expect(code).toBe(0);
  });
});

describe('the shared write lock', () => {
  it('serves tickets in order within a thread: one holder at a time, FIFO', async () => {
    const lock = SharedWriteLock.create();
    const order: string[] = [];
    let holders = 0;
    await Promise.all(['a', 'b', 'c', 'd'].map((name) => lock.run(async () => {
      holders++;
      expect(holders).toBe(1);
      order.push(name);
      await new Promise((r) => setTimeout(r, 5));
      holders--;
    })));
    expect(order).toEqual(['a', 'b', 'c', 'd']);
  });

  it('excludes another thread: a holder on a worker thread keeps this thread waiting until it releases', async () => {
    const lock = SharedWriteLock.create();
    const released = new SharedArrayBuffer(4);
    // The worker speaks the same protocol on the same memory: take a ticket, wait for it, hold, release.
    const worker = new Worker(`
      const { parentPort, workerData } = require('node:worker_threads');
      const cells = new Int32Array(workerData.lock, 0, 2);
      const released = new Int32Array(workerData.released);
      const ticket = Atomics.add(cells, 0, 1);
      while (Atomics.load(cells, 1) !== ticket) Atomics.wait(cells, 1, Atomics.load(cells, 1), 50);
      parentPort.postMessage('held');
      setTimeout(() => { Atomics.store(released, 0, 1); Atomics.add(cells, 1, 1); Atomics.notify(cells, 1); }, 150);
    `, { eval: true, workerData: { lock: lock.buffer, released } });
    await new Promise<void>((resolve) => worker.once('message', () => resolve()));
    const t0 = performance.now();
    let sawRelease = -1;
    await lock.run(async () => {
      sawRelease = Atomics.load(new Int32Array(released), 0);
    });
    expect(sawRelease).toBe(1);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(100);
    await worker.terminate();
  });
});
