import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { PostgresStore, type PostgresOptions } from '../../src/store/postgres/postgres-store.js';
import { isConnectionLost, StoreUnavailable } from '../../src/store/unavailable.js';
import { longReads } from '../../src/store/long-reads.js';
import { openStore } from '../../src/store/open.js';
import { loadConfig } from '../../src/config.js';
import { eventById } from '../../src/store/repos/events.js';
import { PG_URL, tempDir } from '../support/stores.js';
import { startStallingProxy, type StallingProxy } from '../support/stalling-proxy.js';
import { envelope, startTestApp } from '../support/app.js';

/**
 * A PostgreSQL server that stops answering mid-conversation (a partition, a frozen host) must fail
 * statements on already-open connections within the statement deadline — StoreUnavailable, HTTP 503
 * — instead of holding them for the kernel's TCP timeout (~15 minutes). The server is stood in for by
 * the real one behind a proxy that can be frozen (test/support/stalling-proxy.ts). Each test's own
 * timeout is a few seconds: without the deadline these would hang until it, not fail an assertion.
 */

const DEADLINE_MS = 500;
const cleanups: Array<() => Promise<unknown>> = [];

const proxies: StallingProxy[] = [];

afterEach(async () => {
  for (const p of proxies) p.thaw(); // a test that failed while frozen still closes its stores
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  for (const p of proxies.splice(0)) await p.close();
});

async function proxy(): Promise<StallingProxy> {
  const p = await startStallingProxy(PG_URL!);
  proxies.push(p);
  return p;
}

/** A migrated store in a fresh schema, reached through `url`; dropped afterwards over a direct connection. */
async function storeOn(url: string, options: Partial<PostgresOptions> = {}): Promise<PostgresStore> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const store = new PostgresStore({ url, schema, queryTimeoutMs: DEADLINE_MS, ...options });
  cleanups.push(async () => {
    await store.close();
    await new PostgresStore({ url: PG_URL!, schema }).dropSchema();
  });
  await store.migrate();
  return store;
}

const failure = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => new Error('succeeded against a server that does not answer'),
    (error: unknown) => error,
  );

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!PG_URL)('PostgreSQL that stops answering mid-conversation', () => {
  it('a statement on an open connection fails as StoreUnavailable within the deadline, not the TCP timeout', { timeout: 5000 }, async () => {
    const p = await proxy();
    // A long connect timeout: what fails here is the statement on the pooled connection, not a connect.
    const store = await storeOn(p.url, { poolSize: 1, connectTimeoutMs: 60_000 });
    expect(await store.read.get('SELECT 1 AS one')).toEqual({ one: 1 });
    p.freeze();
    const error = await failure(store.read.get('SELECT 1 AS one'));
    expect(error).toBeInstanceOf(StoreUnavailable);
    expect((error as StoreUnavailable).code).toBe('ETIMEDOUT');
    expect((error as Error).message).toContain(`within ${DEADLINE_MS} ms`);
    p.thaw();
    // The unanswered connection was closed, not pooled again: the next statement gets a fresh one.
    expect(await store.read.get('SELECT 2 AS two')).toEqual({ two: 2 });
  });

  it('a transaction caught by the freeze fails whole: nothing of it committed, the store works after the thaw', { timeout: 8000 }, async () => {
    const p = await proxy();
    const store = await storeOn(p.url, { poolSize: 2, connectTimeoutMs: DEADLINE_MS });
    await store.read.run('CREATE TABLE stall_probe (n INTEGER)');
    let attempts = 0;
    const error = await failure(
      store.transaction(async (tx) => {
        attempts++;
        await tx.run('INSERT INTO stall_probe (n) VALUES (1)');
        p.freeze();
        try {
          await tx.run('INSERT INTO stall_probe (n) VALUES (2)');
        } catch (cause) {
          // Whatever the caller makes of the error (the dispatcher: an event's failure), the
          // transaction fails as unavailable: it was lost with its connection.
          throw new Error('the event failed', { cause });
        }
      }),
    );
    expect(error).toBeInstanceOf(StoreUnavailable);
    expect(attempts).toBe(1); // not run again like a serialization failure
    // While frozen a new connection cannot be had either: unavailable, within the connect timeout.
    expect(await failure(store.read.get('SELECT 1 AS one'))).toBeInstanceOf(StoreUnavailable);
    p.thaw();
    expect(await store.read.get('SELECT COUNT(*) AS n FROM stall_probe')).toEqual({ n: 0 });
    await store.transaction((tx) => tx.run('INSERT INTO stall_probe (n) VALUES (4)'));
    expect(await store.read.all('SELECT n FROM stall_probe')).toEqual([{ n: 4 }]);
  });

  it('the long paths have no deadline: a statement longer than it succeeds through longReads, snapshot and migrate', { timeout: 10_000 }, async () => {
    const store = await storeOn(PG_URL!, { queryTimeoutMs: 200 });
    // An ordinary statement that long is cut off (a real, slow server: the deadline does not know why)...
    expect(await failure(store.read.get('SELECT pg_sleep(1)'))).toBeInstanceOf(StoreUnavailable);
    expect(await failure(store.transaction((tx) => tx.get('SELECT pg_sleep(1)')))).toBeInstanceOf(StoreUnavailable);
    // ...one on the paths of the check, the audit verification and the backtest is not,
    expect(await longReads(store).get('SELECT pg_sleep(1) AS slept')).toEqual({ slept: '' });
    // nor one in a snapshot (the scheduled books check and anomaly scan),
    expect(await store.snapshot((db) => db.get('SELECT pg_sleep(1) AS slept'))).toEqual({ slept: '' });
    // nor a migration (a second store on the same schema waits on the first's advisory lock).
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const migrating = new PostgresStore({ url: PG_URL!, schema, queryTimeoutMs: 200 });
    cleanups.push(async () => {
      await migrating.dropSchema();
      await migrating.close();
    });
    const held = (async () => {
      const other = new PostgresStore({ url: PG_URL!, queryTimeoutMs: 0 });
      try {
        await other.transaction(async (tx) => {
          await tx.get('SELECT pg_advisory_xact_lock(hashtext(?))', [`omniops-migrate:${schema}`]);
          await tx.get('SELECT pg_sleep(1)');
        });
      } finally {
        await other.close();
      }
    })();
    await wait(200);
    await expect(migrating.migrate()).resolves.toBeGreaterThan(0);
    await held;
  });

  it('over HTTP: 503 E_UNAVAILABLE problem+json and an unhealthy /healthz while frozen; 2xx after the thaw', { timeout: 15_000 }, async () => {
    const p = await proxy();
    const t = await startTestApp(
      { name: 'postgres', open: async () => ({ store: await storeOn(p.url, { connectTimeoutMs: DEADLINE_MS }), dispose: async () => undefined }) },
      { dispatcher: false },
    );
    cleanups.push(() => t.close());
    expect((await t.api('GET', '/v1/orders', t.adminKey)).status).toBe(200);
    expect((await t.api('GET', '/healthz', null)).status).toBe(200);
    p.freeze();
    const res = await t.api('GET', '/v1/orders', t.adminKey);
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 503, code: 'E_UNAVAILABLE' });
    const health = await t.api('GET', '/healthz', null);
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ status: 'unavailable' });
    const posted = await t.postEvents(envelope());
    expect(posted.status).toBe(503);
    p.thaw();
    expect((await t.api('GET', '/v1/orders', t.adminKey)).status).toBe(200);
    expect((await t.api('GET', '/healthz', null)).status).toBe(200);
  });

  it('an event taken before the freeze is processed exactly once after the thaw', { timeout: 30_000 }, async () => {
    const p = await proxy();
    const t = await startTestApp(
      { name: 'postgres', open: async () => ({ store: await storeOn(p.url, { connectTimeoutMs: DEADLINE_MS }), dispose: async () => undefined }) },
      { dispatcher: false },
    );
    cleanups.push(() => t.close());
    await t.api('PUT', '/v1/locations/dc-1', t.adminKey, { name: 'DC', kind: 'dc', lat: 51.5, lon: 5.1 });
    const snapshot = await t.postEvents(envelope({ type: 'inventory.snapshot', payload: { locationId: 'dc-1', counts: [{ sku: 'SKU-1', onHand: 40 }] } }));
    const adjusted = await t.postEvents(envelope({ type: 'inventory.adjusted', payload: { locationId: 'dc-1', sku: 'SKU-1', delta: -2, reason: 'damage' } }));
    expect([snapshot.status, adjusted.status]).toEqual([202, 202]);

    // The freeze comes in the middle of the dispatcher's batch: at its first statement naming the SKU.
    p.freezeAt('SKU-1');
    t.app.startWorkers();
    while (!p.frozen) await wait(10);
    // Long enough for the dispatcher's batches to meet the silence (statement deadline, then connect timeout).
    await wait(4 * DEADLINE_MS);
    p.thaw();
    await t.settled(adjusted.body.eventId, 20_000);
    await t.drained(20_000);

    const stock = await t.app.store.read.all<{ on_hand: number }>('SELECT on_hand FROM stock WHERE location_id = ? AND sku = ?', ['dc-1', 'SKU-1']);
    expect(stock).toEqual([{ on_hand: 38 }]); // the adjustment applied once
    const e = await eventById(t.app.store.read, adjusted.body.eventId);
    // Processed on its first attempt (the processed mark counts it): the batches the silence cut
    // off were the store's failures, not the event's — no attempt charged, no error recorded.
    expect(e).toMatchObject({ status: 'processed', attempts: 1 });
    expect(e?.lastError ?? null).toBeNull();
  });

  it('the setting reaches the store through openStore', { timeout: 10_000 }, async () => {
    const store = openStore({ store: PG_URL!, dataDir: tempDir(), pgQueryTimeoutMs: 200 });
    cleanups.push(() => store.close());
    expect(await failure(store.read.get('SELECT pg_sleep(1)'))).toBeInstanceOf(StoreUnavailable);
  });
});

describe('the statement deadline setting', () => {
  it('pgQueryTimeoutMs / OMNIOPS_PG_QUERY_TIMEOUT_MS: default 30 s, 0 for none, nothing in between 0 and 100', () => {
    expect(loadConfig({}, {}).pgQueryTimeoutMs).toBe(30_000);
    expect(loadConfig({}, { OMNIOPS_PG_QUERY_TIMEOUT_MS: '2500' }).pgQueryTimeoutMs).toBe(2500);
    expect(loadConfig({}, { OMNIOPS_PG_QUERY_TIMEOUT_MS: '0' }).pgQueryTimeoutMs).toBe(0);
    expect(() => loadConfig({}, { OMNIOPS_PG_QUERY_TIMEOUT_MS: '50' })).toThrow(/pgQueryTimeoutMs/);
  });

  it('what counts as a lost connection: the deadline, a broken socket, a server ending the session — not an answered error', () => {
    expect(isConnectionLost(new Error('Query read timeout'))).toBe(true);
    expect(isConnectionLost(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isConnectionLost(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isConnectionLost(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).toBe(true);
    expect(isConnectionLost(Object.assign(new Error('duplicate key value'), { code: '23505' }))).toBe(false);
    expect(isConnectionLost(Object.assign(new Error('could not serialize access'), { code: '40001' }))).toBe(false);
    expect(isConnectionLost(new TypeError('x is not a function'))).toBe(false);
  });
});
